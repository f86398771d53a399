/**
 * Helpers for multipart-upload tests: the multipart_uploads rows, and an ingest request whose
 * body is cut off once its multipart upload is open.
 */
import { vi } from "vitest";
import { BASE, uid, withCredential } from "./http.ts";
import { execSql, sql } from "./jobs.ts";
import { multipartHead } from "./multipart.ts";

const MiB = 1024 * 1024;

/** The multipart_uploads rows of keys ending in `.ext` (each test uses an extension of its own). */
export async function uploadRows(ext: string) {
  const result = await execSql(sql`select key, upload_id from multipart_uploads where key like ${`%.${ext}`}`);
  return (result as unknown as { rows: { key: string; upload_id: string }[] }).rows;
}

/**
 * An ingest request whose body sends the fields and `fileMiB` of the file, waits until the
 * multipart upload is recorded as open, and then fails as a dropped connection does.
 */
export function cutOffIngest(lectureId: string, ext: string, fileMiB = 17) {
  const { head, contentType } = multipartHead(
    { course_id: uid("c"), lecture_id: lectureId, preset_id: "exam-mode", title: "Cut off" },
    { name: "audio", disposition: `filename="cut.${ext}"`, contentType: "audio/mpeg" },
  );
  let sent = 0;
  let opened: { key: string; upload_id: string } | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(head);
    },
    async pull(controller) {
      if (sent < fileMiB * MiB) {
        controller.enqueue(new Uint8Array(MiB).fill(sent / MiB));
        sent += MiB;
        return;
      }
      opened = await vi.waitFor(
        async () => {
          const [row] = await uploadRows(ext);
          if (!row) throw new Error("the multipart upload is not recorded yet");
          return row;
        },
        { timeout: 10_000, interval: 50 },
      );
      controller.error(new Error("client went away"));
    },
  });
  const request = new Request(`${BASE}/lectures/ingest`, withCredential({ method: "POST", body, headers: { "content-type": contentType }, duplex: "half" } as RequestInit));
  return { request, opened: () => opened };
}

