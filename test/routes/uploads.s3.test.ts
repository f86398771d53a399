/**
 * tus at /uploads with STORAGE_MODE=s3 (the local S3 server): parts go through the S3 multipart
 * API, an interrupted PATCH keeps its parts and tail, the lecture's recording is the source, and
 * termination and the expiry sweep leave no multipart upload behind.
 */
import { describe, expect, it } from "vitest";
import { sweepTusUploads } from "../../src/pipeline/tus.ts";
import { call, json } from "../support/http.ts";
import { execSql, sql, testServices } from "../support/jobs.ts";
import { createOk, cutOff, head, idOf, lectureMetadata, MiB, patch, sha256Hex, storedObject, testBytes, TUS, uploadRow } from "../support/tus.ts";

/** Whether the S3 server still has the multipart upload open. */
function multipartOpen(key: string, uploadId: string) {
  return testServices()
    .storage.uploadPart(key, uploadId, 99, new Uint8Array(16))
    .then(
      () => true,
      () => false,
    );
}

describe("tus uploads (s3)", () => {
  it("uploads in parts across an interruption and records the lecture with the source's SHA-256", async () => {
    const data = testBytes(11.5 * MiB, 21);
    const meta = lectureMetadata();
    const { path } = await createOk(data.byteLength, meta, { body: data.slice(0, 3 * MiB) });
    const arrived = 6.5 * MiB;
    await patch(path, 3 * MiB, cutOff(data.slice(3 * MiB, arrived)));
    expect((await head(path)).headers.get("Upload-Offset")).toBe(String(arrived));
    const row = (await uploadRow(idOf(path)))!;
    expect(row.part_etags).toHaveLength(1);
    expect(row.tail_key).toBeTruthy();

    const done = await patch(path, arrived, data.slice(arrived));
    expect(done.status).toBe(204);
    expect(done.headers.get("Pegasus-Lecture-Id")).toBe(meta.lecture_id);
    const stored = await storedObject(row.key);
    expect(stored).toEqual({ sha256: await sha256Hex(data), size: data.byteLength });
    const lecture = await json(await call(`/lectures/${meta.lecture_id}`));
    expect(lecture.audio_path).toBe(testServices().storage.uri(row.key));
    expect(lecture.checksum_sha256).toBe(stored!.sha256);
    expect(await testServices().storage.get(row.tail_key)).toBeNull();
  });

  it("termination and the expiry sweep abort the multipart upload and delete the tail", async () => {
    const data = testBytes(6 * MiB, 22);
    const uploads = [];
    for (let i = 0; i < 2; i++) {
      const { path } = await createOk(8 * MiB, lectureMetadata());
      expect((await patch(path, 0, data)).status).toBe(204);
      const row = (await uploadRow(idOf(path)))!;
      expect(await multipartOpen(row.key, row.multipart_upload_id)).toBe(true);
      uploads.push({ path, row });
    }
    const [terminated, expired] = uploads as [(typeof uploads)[0], (typeof uploads)[0]];
    expect((await call(terminated.path, { method: "DELETE", headers: TUS })).status).toBe(204);
    await execSql(sql`update tus_uploads set expires_at = now() - interval '1 minute' where id = ${expired.row.id}`);
    expect((await head(expired.path)).status).toBe(410);
    expect((await sweepTusUploads(testServices()))!.expired).toBeGreaterThanOrEqual(1);

    for (const { path, row } of uploads) {
      expect(await uploadRow(row.id)).toBeUndefined();
      expect(await multipartOpen(row.key, row.multipart_upload_id)).toBe(false);
      expect(await testServices().storage.get(row.tail_key)).toBeNull();
      expect((await head(path)).status).toBe(404);
    }
  });
});
