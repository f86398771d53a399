/**
 * Export stage: Markdown, Anki CSV, PDF and a JSON bundle rendered from the stored artifacts,
 * written to deterministic keys under exports/<lecture>/, one row per (lecture, type).
 */
import { loadExportInput, saveExportRecords } from "../db/artifacts.ts";
import type { JobRow } from "../db/rows.ts";
import { ARTIFACT_SCHEMAS, ARTIFACT_TYPES, type Artifact, type ArtifactType } from "../domain/artifacts.ts";
import { EXPORT_FORMATS, type ExportBundle } from "../domain/exports/index.ts";
import { findPreset } from "../domain/presets.ts";
import { PermanentJobError } from "./errors.ts";
import { lectureOfJob, objectKeys } from "./keys.ts";
import type { Services } from "../services.ts";
import { readJson, writeJson } from "../storage/index.ts";

export async function runExport(services: Services, job: JobRow) {
  const { db, storage } = services;
  const lectureKey = lectureOfJob(job);
  const input = await loadExportInput(db, lectureKey);
  if (!input.lecture) throw new PermanentJobError("Lecture not found.");
  const { lecture, courseTitle } = input.lecture;
  if (input.artifactRows.length === 0) throw new PermanentJobError("Artifacts not found. Run generation first.");

  const byType = new Map(input.artifactRows.map((row) => [row.artifact_type, row]));
  const missing = ARTIFACT_TYPES.filter((type) => !byType.has(type));
  if (missing.length) throw new PermanentJobError(`Artifacts missing: ${missing.join(", ")}. Run generation again.`);

  const loaded = await Promise.all(
    ARTIFACT_TYPES.map(async (type) => {
      const key = storage.keyOf(byType.get(type)!.storage_path);
      const json = key ? await readJson(storage, key) : null;
      if (json === null) throw new PermanentJobError(`The stored ${type} artifact is missing. Run generation again.`);
      const parsed = ARTIFACT_SCHEMAS[type].safeParse(json);
      if (!parsed.success) throw new PermanentJobError(`The stored ${type} artifact is invalid. Run generation again.`);
      return [type, parsed.data] as const;
    }),
  );
  const artifacts = Object.fromEntries(loaded) as { [T in ArtifactType]: Artifact<T> };

  const bundle: ExportBundle = {
    lecture: {
      id: lecture.id,
      title: lecture.title,
      courseId: lecture.course_id,
      courseTitle,
      presetId: lecture.preset_id,
      presetName: findPreset(lecture.preset_id)?.name,
      durationSec: lecture.duration_sec || undefined,
    },
    artifacts,
    threads: input.threadRows.map((t) => ({
      id: t.id,
      title: t.title,
      summary: t.summary,
      status: t.status,
      complexity_level: t.complexity_level,
      lecture_refs: t.lecture_refs,
    })),
    generatedAt: new Date().toISOString(),
  };

  const exportDir = objectKeys.exportDir(lectureKey);
  const exportPaths: Record<string, string> = {};
  // One format at a time keeps peak memory to a single rendered file.
  for (const [type, format] of Object.entries(EXPORT_FORMATS)) {
    const body = await format.render(bundle);
    const key = `${exportDir}/${lecture.id}.${format.extension}`;
    await storage.put(key, body, format.contentType);
    exportPaths[type] = storage.uri(key);
  }
  await saveExportRecords(db, lectureKey, exportPaths, job);

  const manifest = { lectureId: lecture.id, exportDir: storage.uri(exportDir), exportPaths };
  await writeJson(storage, objectKeys.exportManifest(lectureKey), manifest);
  return manifest;
}
