/**
 * tus requests against the Worker in workerd, and the helpers the protocol tests share.
 */
import { call, uid } from "./http.ts";
import { execSql, sql, testServices } from "./jobs.ts";

export const MiB = 1024 * 1024;
/** vitest.config.ts sets PLC_UPLOAD_PART_MB=5 (the smallest part S3 accepts). */
export const PART = 5 * MiB;
export const TUS = { "Tus-Resumable": "1.0.0" };

/** Bytes that differ from part to part (a fill pattern would hide a part written twice). */
export function testBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
    out[i + 1] = (x >>> 8) & 0xff;
    out[i + 2] = (x >>> 16) & 0xff;
    out[i + 3] = (x >>> 24) & 0xff;
  }
  return out;
}

export async function sha256Hex(data: Uint8Array | ReadableStream<Uint8Array>): Promise<string> {
  const digest = new crypto.DigestStream("SHA-256");
  if (data instanceof Uint8Array) {
    const writer = digest.getWriter();
    await writer.write(data);
    await writer.close();
  } else await data.pipeTo(digest);
  return [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function encodeMetadata(fields: Record<string, string>): string {
  const b64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
  return Object.entries(fields)
    .map(([k, v]) => (v === "" ? k : `${k} ${b64(v)}`))
    .join(",");
}

export function lectureMetadata(overrides: Record<string, string> = {}) {
  return { course_id: uid("c"), lecture_id: uid("lec"), preset_id: "exam-mode", title: "Resumed", filename: "lecture.m4a", filetype: "audio/mp4", ...overrides };
}

/** POST /uploads; `body` makes it creation-with-upload. */
export function create(length: number, metadata: Record<string, string>, init: { headers?: Record<string, string>; body?: Uint8Array } = {}) {
  return call("/uploads", {
    method: "POST",
    headers: {
      ...TUS,
      "Upload-Length": String(length),
      "Upload-Metadata": encodeMetadata(metadata),
      ...(init.body ? { "Content-Type": "application/offset+octet-stream" } : {}),
      ...init.headers,
    },
    body: init.body,
  });
}

export async function createOk(length: number, metadata: Record<string, string>, init: Parameters<typeof create>[2] = {}) {
  const res = await create(length, metadata, init);
  if (res.status !== 201) throw new Error(`creation failed: ${res.status} ${await res.text()}`);
  return { res, path: new URL(res.headers.get("Location")!).pathname };
}

export function patch(path: string, offset: number, body: Uint8Array | ReadableStream<Uint8Array>, headers: Record<string, string> = {}) {
  return call(path, {
    method: "PATCH",
    headers: { ...TUS, "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream", ...headers },
    body,
    duplex: "half",
  } as RequestInit);
}

export const head = (path: string, headers: Record<string, string> = {}) => call(path, { method: "HEAD", headers: { ...TUS, ...headers } });

/** A body that sends `bytes` and then fails, as a dropped connection does. */
export function cutOff(bytes: Uint8Array, chunk = 256 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.byteLength) return controller.error(new Error("connection reset"));
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

export async function uploadRow(id: string) {
  const result = await execSql(sql`select * from tus_uploads where id = ${id}`);
  return (result as unknown as { rows: Record<string, any>[] }).rows[0];
}

export const idOf = (path: string) => path.split("/").pop()!;

export async function storedObject(key: string): Promise<{ sha256: string; size: number } | null> {
  const object = await testServices().storage.get(key);
  if (!object) return null;
  let size = 0;
  const counting = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  const sha256 = await sha256Hex(object.body.pipeThrough(counting));
  return { sha256, size };
}
