/**
 * The read model behind GET /lectures/{id}/artifacts: one database round trip, then the stored
 * artifact objects read side by side (inlined in r2 mode, presigned URLs in s3 mode).
 */
import { getLectureArtifactsData, type ArtifactFilter } from "../../db/lectures.ts";
import type { LectureKey } from "../../db/owner.ts";
import type { PageRequest } from "../../lib/pagination.ts";
import { pagination } from "../../lib/pagination.ts";
import type { Services } from "../../services.ts";
import { readJson } from "../../storage/index.ts";
import { artifactOut, exportOut, lectureOut, threadOut } from "../representations.ts";

/** Null when the lecture does not exist. */
export async function lectureArtifactsView(services: Services, key: LectureKey, filter: ArtifactFilter, page: PageRequest) {
  const { db, storage } = services;
  const data = await getLectureArtifactsData(db, key, filter, page);
  if (!data.lecture) return null;

  const artifacts: Record<string, unknown> = {};
  const artifactPaths: Record<string, string> = {};
  const artifactDownloadUrls: Record<string, string> = {};
  await Promise.all(
    data.artifactRows.map(async (row) => {
      artifactPaths[row.artifact_type] = row.storage_path;
      artifacts[row.artifact_type] = null;
      const key = storage.keyOf(row.storage_path);
      if (!key) return;
      if (storage.mode === "s3") {
        const url = await storage.presignGet(key, 900);
        if (url) artifactDownloadUrls[row.artifact_type] = url;
        return;
      }
      artifacts[row.artifact_type] = await readJson(storage, key).catch(() => null);
    }),
  );
  if (data.threadRows.length > 0)
    artifacts.threads = data.threadRows.map((r) => threadOut(r.thread, { evolution_notes: r.evolution_notes, occurrences: r.occurrences }));

  return {
    lectureId: key.lectureId,
    artifacts,
    artifactRecords: data.artifactRows.map(artifactOut),
    artifactPaths,
    artifactDownloadUrls,
    exportRecords: data.exportRows.map(exportOut),
    lecture: lectureOut(data.lecture),
    pagination: pagination(page, data.artifactRows.length, data.total),
  };
}
