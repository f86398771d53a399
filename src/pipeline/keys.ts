/**
 * Where a lecture's objects live in the bucket. Every key starts with its owner, so two owners'
 * `lec-001` never share an object, and an owner's data can be listed or removed by prefix.
 */
import type { LectureKey } from "../db/owner.ts";

/** Owner ids come from identity providers (`auth0|5f…`): encoded to one safe path segment. */
export const ownerPrefix = (owner: string) => `owners/${encodeURIComponent(owner)}`;

export const objectKeys = {
  /** A fresh key per upload: a re-ingest never overwrites the recording an older row points at. */
  audio: (owner: string, extension: string) => `${ownerPrefix(owner)}/audio/${crypto.randomUUID()}${extension}`,
  metadata: (k: LectureKey) => `${ownerPrefix(k.owner)}/metadata/${k.lectureId}.json`,
  transcript: (k: LectureKey) => `${ownerPrefix(k.owner)}/transcripts/${k.lectureId}.json`,
  artifactDir: (k: LectureKey) => `${ownerPrefix(k.owner)}/artifacts/${k.lectureId}`,
  exportDir: (k: LectureKey) => `${ownerPrefix(k.owner)}/exports/${k.lectureId}`,
  exportManifest: (k: LectureKey) => `${ownerPrefix(k.owner)}/exports/${k.lectureId}.json`,
};

/** The lecture a job works on. */
export const lectureOfJob = (job: { owner_id: string; lecture_id: string }): LectureKey => ({ owner: job.owner_id, lectureId: job.lecture_id });
