/**
 * Where a lecture's objects live in the bucket. Every key starts with its owner, so two owners'
 * `lec-001` never share an object, and an owner's data can be listed or removed by prefix.
 */
import { DEFAULT_OWNER } from "../domain/principal.ts";
import type { LectureKey } from "../db/owner.ts";

/** Owner ids come from identity providers (`auth0|5f…`): encoded to one safe path segment. */
export const ownerPrefix = (owner: string) => `owners/${encodeURIComponent(owner)}`;

export const objectKeys = {
  /** A fresh key per upload: a re-ingest never overwrites the recording an older row points at. */
  audio: (owner: string, extension: string) => `${ownerPrefix(owner)}/audio/${crypto.randomUUID()}${extension}`,
  /** Bytes of a tus upload that did not fill a part yet, as of `offset` (a fresh key per write). */
  uploadTail: (owner: string, uploadId: string, offset: number) => `${ownerPrefix(owner)}/uploads/${uploadId}/tail-${offset}`,
  metadata: (k: LectureKey) => `${ownerPrefix(k.owner)}/metadata/${k.lectureId}.json`,
  transcript: (k: LectureKey) => `${ownerPrefix(k.owner)}/transcripts/${k.lectureId}.json`,
  artifactDir: (k: LectureKey) => `${ownerPrefix(k.owner)}/artifacts/${k.lectureId}`,
  exportDir: (k: LectureKey) => `${ownerPrefix(k.owner)}/exports/${k.lectureId}`,
  exportManifest: (k: LectureKey) => `${ownerPrefix(k.owner)}/exports/${k.lectureId}.json`,
};

/** The lecture a job works on. */
export const lectureOfJob = (job: { owner_id: string; lecture_id: string }): LectureKey => ({ owner: job.owner_id, lectureId: job.lecture_id });

/** Stands for the lecture id in `lectureObjectTemplates` (ids never contain braces). */
export const LECTURE_PLACEHOLDER = "{lecture}";

/**
 * Every object a lecture's pipeline writes at a key derived from its id (the audio has a fresh
 * key per upload and is found through its row instead), with LECTURE_PLACEHOLDER for the id.
 * The default owner's lectures from before accounts may still sit in the old layout, without
 * the owner prefix.
 */
export function lectureObjectTemplates(owner: string, artifactTypes: readonly string[], exportExtensions: readonly string[]): string[] {
  const layouts = owner === DEFAULT_OWNER ? [ownerPrefix(owner) + "/", ""] : [ownerPrefix(owner) + "/"];
  const id = LECTURE_PLACEHOLDER;
  return layouts.flatMap((base) => [
    `${base}metadata/${id}.json`,
    `${base}transcripts/${id}.json`,
    ...artifactTypes.map((type) => `${base}artifacts/${id}/${type}.json`),
    ...exportExtensions.map((ext) => `${base}exports/${id}/${id}.${ext}`),
    `${base}exports/${id}.json`,
  ]);
}
