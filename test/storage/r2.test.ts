/**
 * The R2 storage layer's multipart hooks and abortMultipart, against local R2.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createStorage, type MultipartHooks, type Storage } from "../../src/storage/index.ts";

const bucket = env.BUCKET as R2Bucket;
const MiB = 1024 * 1024;

function r2(): Storage {
  return createStorage({ mode: "r2", bucket, bucketName: "pegasus-media" });
}

function stream(mib: number, failAfter?: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (failAfter !== undefined && sent >= failAfter * MiB) return controller.error(new Error("client went away"));
      if (sent >= mib * MiB) return controller.close();
      controller.enqueue(new Uint8Array(MiB).fill(sent / MiB));
      sent += MiB;
    },
  });
}

function recorder() {
  const events: string[] = [];
  const hooks: MultipartHooks = {
    async opened(uploadId) {
      events.push(`opened ${uploadId}`);
    },
    async closed(uploadId, outcome) {
      events.push(`${outcome} ${uploadId}`);
    },
  };
  return { events, hooks, id: () => events[0]?.replace("opened ", "") ?? "" };
}

const refused = (key: string, uploadId: string) => bucket.resumeMultipartUpload(key, uploadId).uploadPart(9, new Uint8Array(16));

describe("r2 storage: multipart hooks", () => {
  it("tells the caller the upload id when a multipart upload opens and completes", async () => {
    const key = `hooks/${crypto.randomUUID()}.bin`;
    const { events, hooks, id } = recorder();
    expect(await r2().putStream(key, stream(17), undefined, hooks)).toEqual({ size: 17 * MiB });
    expect(events).toEqual([`opened ${id()}`, `completed ${id()}`]);
    expect((await bucket.head(key))!.size).toBe(17 * MiB);
    const single = recorder();
    await r2().putStream(`${key}.small`, stream(1), undefined, single.hooks);
    expect(single.events).toEqual([]);
  });

  it("reports the abort after a failure, and aborts when the caller cannot record the upload", async () => {
    const key = `hooks/${crypto.randomUUID()}.bin`;
    const { events, hooks, id } = recorder();
    await expect(r2().putStream(key, stream(30, 17), undefined, hooks)).rejects.toThrow("client went away");
    expect(events).toEqual([`opened ${id()}`, `aborted ${id()}`]);
    await expect(refused(key, id())).rejects.toThrow(/does not exist/);
    expect(await bucket.head(key)).toBeNull();

    let refusedId = "";
    const failing: MultipartHooks = {
      async opened(uploadId) {
        refusedId = uploadId;
        throw new Error("database down");
      },
      async closed() {},
    };
    await expect(r2().putStream(`${key}.2`, stream(17), undefined, failing)).rejects.toThrow("database down");
    await expect(refused(`${key}.2`, refusedId)).rejects.toThrow(/does not exist/);
    expect(await bucket.head(`${key}.2`)).toBeNull();
  });

  it("abortMultipart aborts an open upload and accepts one that is already gone", async () => {
    const key = `hooks/${crypto.randomUUID()}.bin`;
    const upload = await bucket.createMultipartUpload(key);
    await upload.uploadPart(1, new Uint8Array(16));
    await r2().abortMultipart(key, upload.uploadId);
    await expect(refused(key, upload.uploadId)).rejects.toThrow(/does not exist/);
    await r2().abortMultipart(key, upload.uploadId);
  });
});

describe("r2 storage: getRange", () => {
  it("reads byte ranges, clamps at the end, answers null for a missing object and 416 past the end", async () => {
    const storage = r2();
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
