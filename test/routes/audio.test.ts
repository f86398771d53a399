/** GET /lectures/{id}/audio in r2 mode: the recording, with HTTP Range (206, Content-Range, 416). */
import { beforeAll, describe, expect, it } from "vitest";
import { call, json, uid } from "../support/http.ts";
import { ingestOk } from "../support/lectures.ts";

const bytes = new Uint8Array(1000).map((_, i) => (i * 7 + 3) % 256);
const lectureId = uid("audio");

beforeAll(async () => {
  await ingestOk({ courseId: uid("audio-course"), lectureId, file: new Blob([bytes], { type: "audio/mpeg" }), filename: "lecture.mp3" });
});

const get = (range?: string, headers: Record<string, string> = {}) => call(`/lectures/${lectureId}/audio`, { headers: { ...(range ? { range } : {}), ...headers } });

describe("GET /lectures/{id}/audio", () => {
  it("streams the whole recording with Accept-Ranges", async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    expect(res.headers.get("content-length")).toBe("1000");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });

  it("answers a byte range with 206 and Content-Range", async () => {
    const cases: [string, number, number][] = [
      ["bytes=10-19", 10, 19],
      ["bytes=990-", 990, 999],
      ["bytes=-5", 995, 999],
      ["bytes=995-5000", 995, 999],
      ["bytes=0-0", 0, 0],
      ["bytes=-5000", 0, 999],
    ];
    for (const [range, first, last] of cases) {
      const res = await get(range);
      expect(res.status, range).toBe(206);
      expect(res.headers.get("content-range"), range).toBe(`bytes ${first}-${last}/1000`);
      expect(res.headers.get("content-length")).toBe(String(last - first + 1));
      expect(res.headers.get("accept-ranges")).toBe("bytes");
      expect(new Uint8Array(await res.arrayBuffer()), range).toEqual(bytes.slice(first, last + 1));
    }
  });

  it("answers a range past the end with 416 and Content-Range: bytes */size", async () => {
    for (const range of ["bytes=1000-", "bytes=5000-6000", "bytes=-0"]) {
      const res = await get(range);
      expect(res.status, range).toBe(416);
      expect(res.headers.get("content-range")).toBe("bytes */1000");
      expect(await json(res)).toMatchObject({ status: 416, code: "range_not_satisfiable" });
    }
  });

  it("ignores a Range header it does not serve (other units, several ranges, bad syntax): 200", async () => {
    for (const range of ["items=0-1", "bytes=0-1,5-6", "bytes=9-2", "bytes=abc"]) {
      const res = await get(range);
      expect(res.status, range).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(1000);
    }
  });

  it("is a 404 for a missing lecture and for another owner's", async () => {
    expect(await json(await call(`/lectures/nope-${lectureId}/audio`))).toMatchObject({ status: 404, code: "lecture_not_found" });
    const other = await get(undefined, { "Pegasus-Owner": `someone-${lectureId}` });
    expect(other.status).toBe(404);
    expect(await json(other)).toMatchObject({ code: "lecture_not_found" });
  });

  it("needs a credential", async () => {
    expect((await call(`/lectures/${lectureId}/audio`, { headers: { Authorization: "" } })).status).toBe(401);
  });
});
