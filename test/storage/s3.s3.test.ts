/**
 * The S3 storage layer against the local S3 server (test/support/s3-server.ts), which checks
 * SigV4 signatures, presigned expiry and multipart manifests the way S3 does.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createStorage, type Storage } from "../../src/storage/index.ts";
import { PART_SIZE } from "../../src/storage/parts.ts";
import { S3Error } from "../../src/storage/s3.ts";

const ENDPOINT = `http://127.0.0.1:${env.TEST_S3_PORT}`;
const BUCKET = "pegasus-test";
const MiB = 1024 * 1024;

function s3(overrides: { prefix?: string; bucket?: string; secretAccessKey?: string } = {}): Storage {
  return createStorage({
    mode: "s3",
    endpoint: ENDPOINT,
    bucket: overrides.bucket ?? BUCKET,
    prefix: overrides.prefix ?? `storage-tests/${crypto.randomUUID().slice(0, 8)}`,
    region: "us-east-1",
    accessKeyId: "S3RVER",
    secretAccessKey: overrides.secretAccessKey ?? "S3RVER",
  });
}

/** Bytes whose value depends on the position, so a lost, doubled or reordered part shows. */
function patterned(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >>> 16) * 7) & 0xff;
  return bytes;
}

/** A stream of `bytes` in uneven chunks, as a network upload arrives. */
function chunked(bytes: Uint8Array, chunk = MiB + 7): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

async function bytesOf(storage: Storage, key: string): Promise<Uint8Array | null> {
  const object = await storage.get(key);
  return object ? new Uint8Array(await new Response(object.body).arrayBuffer()) : null;
}

/** Records every S3 request our code sends (aws4fetch calls the global fetch). */
function recordRequests() {
  const seen: { method: string; url: URL }[] = [];
  const realFetch = globalThis.fetch;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
    const request = new Request(input, init);
    seen.push({ method: request.method, url: new URL(request.url) });
    return realFetch(request);
  });
  return { seen, spy, realFetch };
}

async function openUploads(): Promise<{ uploadId: string; key: string }[]> {
  return (await fetch(`${ENDPOINT}/__uploads`)).json();
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("s3 storage: URIs", () => {
  it("maps keys to s3://bucket/prefix/key and back", () => {
    const storage = s3({ prefix: "pegasus" });
    expect(storage.mode).toBe("s3");
    expect(storage.uri("exports/lec-1/lec-1.pdf")).toBe("s3://pegasus-test/pegasus/exports/lec-1/lec-1.pdf");
    expect(storage.keyOf("s3://pegasus-test/pegasus/exports/lec-1/lec-1.pdf")).toBe("exports/lec-1/lec-1.pdf");
    for (const foreign of ["s3://pegasus-test/other/a.json", "s3://elsewhere/pegasus/a.json", "r2://pegasus-test/pegasus/a.json", "s3://pegasus-test/pegasus/"])
      expect(storage.keyOf(foreign)).toBeNull();

    const bare = s3({ prefix: "" });
    expect(bare.uri("a/b.json")).toBe("s3://pegasus-test/a/b.json");
    expect(bare.keyOf("s3://pegasus-test/a/b.json")).toBe("a/b.json");
  });
});

describe("s3 storage: objects", () => {
  it("puts, gets and deletes; a missing object is null and deleting it again is fine", async () => {
    const storage = s3();
    await storage.put("notes/a.json", '{"ok":true}', "application/json");
    const object = await storage.get("notes/a.json");
    expect(object).toMatchObject({ size: 11, contentType: "application/json" });
    expect(await new Response(object!.body).text()).toBe('{"ok":true}');

    await storage.put("notes/b.bin", new Uint8Array([0, 1, 2, 255]));
    expect(await bytesOf(storage, "notes/b.bin")).toEqual(new Uint8Array([0, 1, 2, 255]));

    await storage.delete("notes/a.json");
    expect(await storage.get("notes/a.json")).toBeNull();
    await expect(storage.delete("notes/a.json")).resolves.toBeUndefined();
    expect(await storage.get("never/written.txt")).toBeNull();
  });

  it("keeps the prefix apart: another prefix does not see the object", async () => {
    const a = s3();
    const b = s3();
    await a.put("same.txt", "a");
    expect(await b.get("same.txt")).toBeNull();
    const direct = await fetch((await a.presignGet("same.txt"))!);
    expect(new URL(direct.url).pathname).toMatch(/^\/pegasus-test\/storage-tests\/[0-9a-f]{8}\/same\.txt$/);
    expect(await direct.text()).toBe("a");
  });

  it("stores keys with spaces, unicode, + and reserved characters under exactly that name", async () => {
    const storage = s3();
    const keys = ["a b/c d.txt", "ünï/cødé ✓.txt", "plus+sign.txt", "lec:1/x*y'z(1)!~.json", "100%/done?.txt", "hash#tag&amp.txt"];
    for (const key of keys) await storage.put(key, `content of ${key}`, "text/plain");
    for (const key of keys) {
      const object = await storage.get(key);
      expect(object, key).not.toBeNull();
      expect(await new Response(object!.body).text()).toBe(`content of ${key}`);
      const url = await storage.presignGet(key);
      expect(await (await fetch(url!)).text()).toBe(`content of ${key}`);
    }
    // `+` is a plus, not a space (the classic form-encoding trap), and the other way round.
    expect(await storage.get("plus sign.txt")).toBeNull();
    expect(await storage.get("a+b/c+d.txt")).toBeNull();
  });

  it("refuses keys whose '.' or '..' segments a URL would resolve away", async () => {
    const storage = s3();
    for (const key of ["a/../b.txt", "./a.txt", "a/.", ""]) {
      await expect(storage.put(key, "x")).rejects.toMatchObject({ name: "S3Error", status: 400 });
    }
    await storage.put("a..b/.hidden/...txt", "dots inside names are fine");
    expect(await bytesOf(storage, "a..b/.hidden/...txt")).not.toBeNull();
  });

  it("reports a missing bucket and bad credentials as errors, not as missing objects", async () => {
    const noBucket = s3({ bucket: "no-such-bucket" });
    await expect(noBucket.get("a.txt")).rejects.toMatchObject({ name: "S3Error", status: 404, s3Code: "NoSuchBucket" });
    await expect(noBucket.delete("a.txt")).rejects.toMatchObject({ s3Code: "NoSuchBucket" });
    await expect(noBucket.put("a.txt", "x")).rejects.toThrow(/S3 put failed with HTTP 404 \(NoSuchBucket/);

    // The local server verifies signatures, so a wrong secret is refused like on S3.
    const wrongSecret = s3({ secretAccessKey: "not-the-secret" });
    const error = await wrongSecret.put("a.txt", "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3Error);
    expect(error).toMatchObject({ status: 403, s3Code: "SignatureDoesNotMatch" });
    expect(String((error as Error).message)).not.toContain("not-the-secret");
  });

  it("wraps an unreachable endpoint in an S3Error that keeps the cause", async () => {
    const closed = createStorage({ mode: "s3", endpoint: "http://127.0.0.1:9", bucket: BUCKET, prefix: "p", region: "us-east-1", accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
    const error = (await closed.get("a.txt").catch((e: unknown) => e)) as S3Error;
    expect(error).toBeInstanceOf(S3Error);
    expect(error.status).toBe(503);
    expect(error.message).toMatch(/^S3 get failed: the endpoint could not be reached/);
    expect(error.cause).toBeDefined();
  });

  it("survives destructuring: methods do not depend on `this`", async () => {
    const { put, putStream, get, delete: remove } = s3({ prefix: "destructured" });
    await putStream("s.txt", new Blob(["streamed"]).stream(), "text/plain");
    await put("p.txt", "put");
    expect(await new Response((await get("s.txt"))!.body).text()).toBe("streamed");
    await remove("s.txt");
    await remove("p.txt");
  });
});

describe("s3 storage: putStream", () => {
  it("stores an empty stream as an empty object", async () => {
    const storage = s3();
    expect(await storage.putStream("empty.bin", new Blob([]).stream())).toEqual({ size: 0 });
    expect(await bytesOf(storage, "empty.bin")).toEqual(new Uint8Array(0));
  });

  it("sends a stream below one part as a single PUT with its content type", async () => {
    const storage = s3();
    const bytes = patterned(3 * MiB + 5);
    const { seen } = recordRequests();
    expect(await storage.putStream("small.mp3", chunked(bytes), "audio/mpeg")).toEqual({ size: bytes.byteLength });
    expect(seen.map((r) => r.method)).toEqual(["PUT"]);
    const object = await storage.get("small.mp3");
    expect(object).toMatchObject({ size: bytes.byteLength, contentType: "audio/mpeg" });
    expect(new Uint8Array(await new Response(object!.body).arrayBuffer())).toEqual(bytes);
  });

  it("sends exactly one part's worth as a single PUT too", async () => {
    const storage = s3();
    const bytes = patterned(PART_SIZE);
    const { seen } = recordRequests();
    expect(await storage.putStream("one-part.bin", chunked(bytes))).toEqual({ size: PART_SIZE });
    expect(seen.map((r) => `${r.method} ${r.url.search}`)).toEqual(["PUT "]);
    expect(await bytesOf(storage, "one-part.bin")).toEqual(bytes);
  });

  it("uploads 17 MiB as three parts (8 + 8 + 1 MiB) and stores exactly the bytes sent", async () => {
    const storage = s3();
    const bytes = patterned(17 * MiB);
    const { seen } = recordRequests();
    expect(await storage.putStream("lecture audio ✓.m4a", chunked(bytes), "audio/mp4")).toEqual({ size: 17 * MiB });
    const shape = seen.map((r) => `${r.method} ${[...r.url.searchParams.keys()].join("&")}`);
    expect(shape).toEqual(["POST uploads", "PUT partNumber&uploadId", "PUT partNumber&uploadId", "PUT partNumber&uploadId", "POST uploadId"]);
    expect(seen.slice(1, 4).map((r) => r.url.searchParams.get("partNumber"))).toEqual(["1", "2", "3"]);

    const object = await storage.get("lecture audio ✓.m4a");
    expect(object).toMatchObject({ size: 17 * MiB, contentType: "audio/mp4" });
    expect(new Uint8Array(await new Response(object!.body).arrayBuffer())).toEqual(bytes);
    expect((await openUploads()).filter((u) => u.key.endsWith("lecture audio ✓.m4a"))).toEqual([]);
  });

  it("aborts the upload when the stream fails midway: no object, no open upload", async () => {
    const storage = s3({ prefix: `abort-${crypto.randomUUID().slice(0, 8)}` });
    const { seen } = recordRequests();
    let sent = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 18 * MiB) return controller.error(new Error("client went away"));
        controller.enqueue(patterned(MiB));
        sent += MiB;
      },
    });
    await expect(storage.putStream("broken.mp3", failing, "audio/mpeg")).rejects.toThrow("client went away");
    expect(seen.some((r) => r.method === "POST" && r.url.searchParams.has("uploads"))).toBe(true);
    expect(seen.filter((r) => r.method === "DELETE" && r.url.searchParams.has("uploadId"))).toHaveLength(1);
    expect(await storage.get("broken.mp3")).toBeNull();
    expect((await openUploads()).filter((u) => u.key.includes("broken.mp3"))).toEqual([]);
  });

  it("aborts and stops reading the source when S3 refuses a part", async () => {
    const storage = s3();
    const { spy, realFetch } = recordRequests();
    spy.mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      if (request.method === "PUT" && new URL(request.url).searchParams.get("partNumber") === "2")
        return new Response("<Error><Code>AccessDenied</Code><Message>no &amp; never</Message></Error>", { status: 403 });
      return realFetch(request);
    });
    let cancelled: unknown = null;
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(patterned(MiB));
      },
      cancel(reason) {
        cancelled = reason ?? "cancelled";
      },
    });
    const error = await storage.putStream("refused.bin", endless).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "S3Error", status: 403, s3Code: "AccessDenied", message: "S3 upload part failed with HTTP 403 (AccessDenied: no & never)" });
    expect(cancelled).not.toBeNull();
    expect(pulls).toBeLessThan(30);
    expect(await storage.get("refused.bin")).toBeNull();
    expect((await openUploads()).filter((u) => u.key.includes("refused.bin"))).toEqual([]);
  });

  it("reports an error S3 sends inside a 200 completion", async () => {
    const storage = s3();
    const { spy, realFetch } = recordRequests();
    spy.mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      if (request.method === "POST" && url.searchParams.has("uploadId"))
        return new Response('<?xml version="1.0"?>\n<Error><Code>InternalError</Code><Message>try again</Message></Error>', { status: 200 });
      return realFetch(request);
    });
    await expect(storage.putStream("late-error.bin", chunked(patterned(9 * MiB)))).rejects.toMatchObject({
      status: 500,
      s3Code: "InternalError",
    });
    expect(await storage.get("late-error.bin")).toBeNull();
  });
});

describe("s3 storage: multipart hooks and abortMultipart", () => {
  /** Hooks that record what they are told. */
  function recorder() {
    const events: string[] = [];
    const hooks = {
      async opened(uploadId: string) {
        events.push(`opened ${uploadId}`);
      },
      async closed(uploadId: string, outcome: string) {
        events.push(`${outcome} ${uploadId}`);
      },
    };
    return { events, hooks };
  }

  it("tells the caller the upload id when a multipart upload opens and completes", async () => {
    const storage = s3();
    const { events, hooks } = recorder();
    await storage.putStream("hooked.bin", chunked(patterned(17 * MiB)), undefined, hooks);
    expect(events).toHaveLength(2);
    const id = events[0]!.replace("opened ", "");
    expect(events).toEqual([`opened ${id}`, `completed ${id}`]);
    // A single part needs no multipart upload: no hooks.
    const single = recorder();
    await storage.putStream("small.bin", chunked(patterned(MiB)), undefined, single.hooks);
    expect(single.events).toEqual([]);
  });

  it("reports the abort after a failure, and aborts when the caller cannot record the upload", async () => {
    const storage = s3();
    const { events, hooks } = recorder();
    let sent = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 17 * MiB) return controller.error(new Error("client went away"));
        controller.enqueue(patterned(MiB));
        sent += MiB;
      },
    });
    await expect(storage.putStream("cut.bin", failing, undefined, hooks)).rejects.toThrow("client went away");
    const id = events[0]!.replace("opened ", "");
    expect(events).toEqual([`opened ${id}`, `aborted ${id}`]);
    expect((await openUploads()).map((u) => u.uploadId)).not.toContain(id);

    let refusedId = "";
    const refusing = {
      async opened(uploadId: string) {
        refusedId = uploadId;
        throw new Error("database down");
      },
      async closed() {},
    };
    await expect(storage.putStream("unrecorded.bin", chunked(patterned(17 * MiB)), undefined, refusing)).rejects.toThrow("database down");
    expect(refusedId).not.toBe("");
    expect((await openUploads()).map((u) => u.uploadId)).not.toContain(refusedId);
    expect(await storage.get("unrecorded.bin")).toBeNull();
  });

  it("abortMultipart aborts an open upload and accepts one that is already gone", async () => {
    const storage = s3();
    let uploadId = "";
    const stalled = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(patterned(MiB));
      },
    });
    // Open an upload through putStream and abort it from outside while it streams.
    const streaming = storage.putStream(
      "stalled.bin",
      stalled,
      undefined,
      {
        async opened(id) {
          uploadId = id;
          await storage.abortMultipart("stalled.bin", id);
        },
        async closed() {},
      },
    );
    await expect(streaming).rejects.toMatchObject({ s3Code: "NoSuchUpload" });
    expect((await openUploads()).map((u) => u.uploadId)).not.toContain(uploadId);
    await storage.abortMultipart("stalled.bin", uploadId); // gone: no error
    await expect(s3({ bucket: "no-such-bucket" }).abortMultipart("x.bin", uploadId)).rejects.toMatchObject({ name: "S3Error", status: 404 });
  });
});

describe("s3 storage: presigned GET", () => {
  it("fetches the object's bytes and type without credentials", async () => {
    const storage = s3();
    const bytes = patterned(64 * 1024);
    await storage.put("exports/x.pdf", bytes, "application/pdf");
    const url = await storage.presignGet("exports/x.pdf");
    expect(new URL(url!).searchParams.get("X-Amz-Expires")).toBe("900");
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });

  it("is refused when tampered with (the server checks the signature)", async () => {
    const storage = s3();
    await storage.put("secret.txt", "s");
    const url = new URL((await storage.presignGet("secret.txt"))!);
    const other = new URL(url);
    other.pathname = other.pathname.replace("secret.txt", "other.txt");
    const longer = new URL(url);
    longer.searchParams.set("X-Amz-Expires", "604800");
    for (const bad of [other, longer]) {
      const res = await fetch(bad);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
    }
  });

  it("works for 900 s after signing and is refused after that", async () => {
    const storage = s3();
    await storage.put("timed.txt", "on time");
    const signedAgo = async (seconds: number) => {
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(Date.now() - seconds * 1000);
      try {
        return (await storage.presignGet("timed.txt"))!;
      } finally {
        vi.useRealTimers();
      }
    };
    const fresh = await fetch(await signedAgo(870));
    expect(fresh.status).toBe(200);
    expect(await fresh.text()).toBe("on time");
    const stale = await fetch(await signedAgo(930));
    expect(stale.status).toBe(403);
    expect(await stale.text()).toContain("Request has expired");
  });

  it("gives a URL for a missing object too (S3 answers it with 404)", async () => {
    const url = await s3().presignGet("not-there.txt");
    const res = await fetch(url!);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("<Code>NoSuchKey</Code>");
  });
});

describe("s3 storage: getRange", () => {
  it("reads byte ranges, clamps at the end, answers null for a missing object and 416 past the end", async () => {
    const storage = s3();
    const bytes = new Uint8Array(1000).map((_, i) => i % 251);
    await storage.put("ranges/a.bin", bytes, "audio/mpeg");
    const read = async (offset: number, length: number) => {
      const range = await storage.getRange("ranges/a.bin", offset, length);
      return { range, bytes: new Uint8Array(await new Response(range!.body).arrayBuffer()) };
    };
    const first = await read(0, 10);
    expect(first.range).toMatchObject({ offset: 0, length: 10, size: 1000, contentType: "audio/mpeg" });
    expect(first.bytes).toEqual(bytes.subarray(0, 10));
    const middle = await read(500, 123);
    expect(middle.range).toMatchObject({ offset: 500, length: 123, size: 1000 });
    expect(middle.bytes).toEqual(bytes.subarray(500, 623));
    const tail = await read(990, 50);
    expect(tail.range).toMatchObject({ offset: 990, length: 10, size: 1000 });
    expect(tail.bytes).toEqual(bytes.subarray(990));

    await expect(storage.getRange("ranges/a.bin", 1000, 1)).rejects.toMatchObject({ name: "RangeNotSatisfiableError", status: 416, size: 1000 });
    expect(await storage.getRange("ranges/missing.bin", 0, 10)).toBeNull();
    await expect(storage.getRange("ranges/a.bin", -1, 10)).rejects.toBeInstanceOf(RangeError);
  });
});
