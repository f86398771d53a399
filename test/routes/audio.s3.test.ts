/** GET /lectures/{id}/audio in s3 mode: a redirect to a presigned URL of the recording. */
import { expect, it } from "vitest";
import { call, uid } from "../support/http.ts";
import { ingestOk } from "../support/lectures.ts";

it("redirects to a presigned URL that serves the recording, ranges included", async () => {
  const lectureId = uid("audio-s3");
  const bytes = new Uint8Array(300).map((_, i) => i % 251);
  await ingestOk({ courseId: uid("audio-s3-course"), lectureId, file: new Blob([bytes], { type: "audio/mpeg" }), filename: "lecture.mp3" });
  const res = await call(`/lectures/${lectureId}/audio`, { redirect: "manual" });
  expect(res.status).toBe(302);
  const location = res.headers.get("location")!;
  expect(location).toMatch(/X-Amz-Signature=/);
  expect(location).toMatch(/X-Amz-Expires=10800/);
  const whole = await fetch(location);
  expect(whole.status).toBe(200);
  expect(new Uint8Array(await whole.arrayBuffer())).toEqual(bytes);
  const part = await fetch(location, { headers: { range: "bytes=10-19" } });
  expect(part.status).toBe(206);
  expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.slice(10, 20));
});
