/**
 * tus end to end, as a phone or browser does it: tus-js-client in Node uploads through the real
 * `wrangler dev` (scripts/local-stack.ts), via a TCP proxy that drops the connection in the middle
 * of a PATCH. The client resumes from the offset HEAD reports; the stored object, read back here
 * from the local S3 server (STORAGE_MODE=s3, so the test can read the bucket itself), has the
 * source's SHA-256, and so does the lecture. Parts are 5 MiB and PATCHes 8 MiB, so the cut falls
 * inside a PATCH with whole parts and a tail behind it.
 */
import { createHash, randomFillSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Upload } from "tus-js-client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { accountVars, bearer, runCleanups, startDatabase, startWorker } from "../../scripts/local-stack.ts";
import { createStorage, type Storage } from "../../src/storage/index.ts";

const MiB = 1024 * 1024;

interface CuttingProxy {
  url: string;
  /** Drops every open connection once the client has sent `bytes` more bytes. */
  cutAfter(bytes: number): void;
  cuts: number;
  close(): Promise<void>;
}

/** Forwards TCP to `target`; armed, it destroys both sides after N bytes from the client. */
function cuttingProxy(target: URL): Promise<CuttingProxy> {
  let budget = Infinity;
  const sockets = new Set<net.Socket>();
  const state: CuttingProxy = {
    url: "",
    cuts: 0,
    cutAfter(bytes) {
      budget = bytes;
    },
    close: () => new Promise((resolve) => (server.close(() => resolve()), sockets.forEach((s) => s.destroy()))),
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk: Buffer) => {
      budget -= chunk.length;
      if (budget < 0) {
        budget = Infinity;
        state.cuts++;
        for (const s of sockets) s.destroy();
        return;
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on("drain", () => client.resume());
    upstream.pipe(client);
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.on("close", () => sockets.delete(client));
    upstream.on("close", () => sockets.delete(upstream));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      state.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      resolve(state);
    }),
  );
}

let base = "";
let proxy: CuttingProxy;
let storage: Storage;
const tmp = mkdtempSync(path.join(os.tmpdir(), "pegasus-tus-e2e-"));

beforeAll(async () => {
  const { gateway, databaseUrl } = await startDatabase(process.env.TEST_DATABASE_URL, "tus");
  const s3 = {
    endpoint: `http://127.0.0.1:${inject("s3Port")}`,
    bucket: "pegasus-test",
    prefix: `tus-e2e-${process.pid}-${Date.now()}`,
    region: "us-east-1",
    accessKeyId: "S3RVER",
    secretAccessKey: "S3RVER",
  };
  storage = createStorage({ mode: "s3", ...s3 });
  const worker = await startWorker({
    tmp,
    vars: {
      DATABASE_URL: databaseUrl,
      NEON_FETCH_ENDPOINT: gateway.url,
      PLC_INLINE_JOBS: "0",
      OPENAI_API_KEY: "",
      PLC_UPLOAD_PART_MB: "5",
      STORAGE_MODE: "s3",
      S3_ENDPOINT_URL: s3.endpoint,
      S3_BUCKET: s3.bucket,
      S3_PREFIX: s3.prefix,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      ...accountVars,
    },
  });
  base = worker.base;
  proxy = await cuttingProxy(new URL(base));
}, 180_000);

afterAll(async () => {
  await proxy?.close();
  await runCleanups();
  rmSync(tmp, { recursive: true, force: true });
});

function tusUpload(data: Buffer, metadata: Record<string, string>, patchOffsets: number[]) {
  return new Promise<{ lectureId: string | null; url: string }>((resolve, reject) => {
    const upload = new Upload(data, {
      endpoint: `${proxy.url}/uploads`,
      headers: { Authorization: bearer() },
      metadata,
      chunkSize: 8 * MiB,
      retryDelays: [100, 500, 1000, 2000, 3000, 5000],
      onBeforeRequest(req) {
        if (req.getMethod() === "PATCH") patchOffsets.push(Number(req.getHeader("Upload-Offset")));
      },
      onError: reject,
      onSuccess({ lastResponse }) {
        resolve({ lectureId: lastResponse.getHeader("Pegasus-Lecture-Id") ?? null, url: upload.url! });
      },
    });
    upload.start();
  });
}

describe("tus-js-client through wrangler dev", () => {
  it("resumes after the connection drops mid-PATCH and stores exactly the source", async () => {
    const data = randomFillSync(Buffer.alloc(24 * MiB + 12345));
    const sha256 = createHash("sha256").update(data).digest("hex");
    const lectureId = `lec-tus-${Date.now()}`;
    const patchOffsets: number[] = [];
    // Request headers are a few hundred bytes: the cut falls ~5 MiB into the second PATCH.
    proxy.cutAfter(13 * MiB);
    const result = await tusUpload(data, { course_id: "course-tus", lecture_id: lectureId, preset_id: "exam-mode", title: "On the train", filename: "lecture.m4a", filetype: "audio/mp4" }, patchOffsets);

    expect(proxy.cuts).toBe(1);
    // The client resumed where HEAD said the server was. Until the Worker notices the cut, HEAD
    // may still report an earlier offset (then the retry is refused and asked again); in the end
    // it reports whole parts plus the tail that arrived: an offset on neither a chunk (8 MiB) nor
    // a part (5 MiB) boundary, inside the cut chunk.
    const resumedInTail = patchOffsets.filter((offset) => offset % (8 * MiB) !== 0 && offset % (5 * MiB) !== 0);
    expect(resumedInTail[0], `PATCH offsets ${patchOffsets.join(", ")}`).toBeGreaterThan(10 * MiB);
    expect(resumedInTail[0]).toBeLessThan(16 * MiB);
    expect(result.lectureId).toBe(lectureId);

    const lecture = (await (await fetch(`${base}/lectures/${lectureId}`, { headers: { Authorization: bearer() } })).json()) as { audio_path: string };
    expect(lecture).toMatchObject({ id: lectureId, course_id: "course-tus", size_bytes: data.length, checksum_sha256: sha256, content_type: "audio/mp4" });
    const object = await storage.get(storage.keyOf(lecture.audio_path)!);
    const stored = createHash("sha256");
    for await (const chunk of object!.body) stored.update(chunk);
    expect(stored.digest("hex")).toBe(sha256);
    const head = await fetch(result.url.replace(proxy.url, base), { method: "HEAD", headers: { Authorization: bearer(), "Tus-Resumable": "1.0.0" } });
    expect(head.headers.get("Upload-Offset")).toBe(String(data.length));
    expect(head.headers.get("Pegasus-Lecture-Id")).toBe(lectureId);
  });
});
