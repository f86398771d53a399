/**
 * A local S3-compatible server for the s3-mode tests, started in Node by the global setup.
 *
 * It is @20minutes/s3rver, the maintained fork of s3rver: objects on disk in a temp directory,
 * path-style addressing, and (unlike s3rver 3.x) SigV4 verification of both Authorization-header
 * and presigned requests, including presigned expiry, so a signing mistake fails a test.
 * What it lacks and our multipart code relies on is added here, behaving as S3 documents it:
 *   - AbortMultipartUpload (DELETE ?uploadId): s3rver answers 405; here the upload is removed.
 *   - UploadPart to an unknown upload: s3rver creates one silently; here it is NoSuchUpload.
 *   - CompleteMultipartUpload: s3rver accepts any manifest; here ETags must match the stored
 *     parts (InvalidPart), part numbers must ascend (InvalidPartOrder) and every part but the
 *     last must be at least 5 MiB (EntityTooSmall).
 * GET /__uploads lists the multipart uploads still open, as JSON [{uploadId, key}], so a test
 * can see that a failed upload was aborted.
 */
import { createRequire } from "node:module";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "node:http";

export const S3_TEST_BUCKET = "pegasus-test";
const MIN_PART_SIZE = 5 * 1024 * 1024;

// The package is CommonJS without type declarations; these are the parts used here.
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface CompletedPart {
  number: number;
  etag: string;
}
interface S3rverStore {
  putPart(bucket: string, uploadId: string, partNumber: string, content: unknown): Promise<unknown>;
  putObjectMultipart(bucket: string, uploadId: string, parts: CompletedPart[]): Promise<unknown>;
}
interface S3rverInstance {
  middleware: Middleware[];
  store: S3rverStore;
  httpServer?: Server;
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);
const S3rver = require("@20minutes/s3rver") as new (options: Record<string, unknown>) => S3rverInstance;
const S3Error = require("@20minutes/s3rver/lib/models/error") as new (code: string, message: string, detail?: Record<string, unknown>) => Error;

export interface LocalS3Server {
  port: number;
  close(): Promise<void>;
}

export async function startS3Server(): Promise<LocalS3Server> {
  const directory = await mkdtemp(join(tmpdir(), "pegasus-s3-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    vhostBuckets: false,
    configureBuckets: [{ name: S3_TEST_BUCKET }],
  });

  // s3rver keeps each open upload in <bucket>/._S3rver_uploads/<uploadId>/ with a `key` file.
  const uploadsDir = (bucket: string) => join(directory, bucket, "._S3rver_uploads");
  const noSuchUpload = () => new S3Error("NoSuchUpload", "The specified upload does not exist.");

  async function openUpload(bucket: string, uploadId: unknown): Promise<{ dir: string; key: string }> {
    if (typeof uploadId !== "string" || !/^[0-9a-f]{32}$/.test(uploadId)) throw noSuchUpload();
    const dir = join(uploadsDir(bucket), uploadId);
    const key = await readFile(join(dir, "key"), "utf8").catch(() => null);
    if (key === null) throw noSuchUpload();
    return { dir, key };
  }

  async function listUploads(bucket: string) {
    const ids = await readdir(uploadsDir(bucket)).catch(() => [] as string[]);
    const uploads = await Promise.all(ids.map((id) => openUpload(bucket, id).then(({ key }) => ({ uploadId: id, key }), () => null)));
    return uploads.filter((u) => u !== null);
  }

  const { store } = server;
  const putPart = store.putPart.bind(store);
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    await openUpload(bucket, uploadId);
    const n = Number(partNumber);
    if (!/^\d+$/.test(String(partNumber)) || n < 1 || n > 10_000)
      throw new S3Error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive.");
    return putPart(bucket, uploadId, partNumber, content);
  };

  const completeUpload = store.putObjectMultipart.bind(store);
  store.putObjectMultipart = async (bucket, uploadId, parts) => {
    const { dir } = await openUpload(bucket, uploadId);
    for (const [i, part] of parts.entries()) {
      if (i > 0 && part.number <= parts[i - 1]!.number)
        throw new S3Error("InvalidPartOrder", "The list of parts was not in ascending order.");
      const md5 = await readFile(join(dir, `${part.number}.md5`), "utf8").catch(() => null);
      if (md5 === null || md5 !== part.etag)
        throw new S3Error("InvalidPart", "One or more of the specified parts could not be found or its ETag did not match.");
      const { size } = await stat(join(dir, String(part.number)));
      if (i < parts.length - 1 && size < MIN_PART_SIZE)
        throw new S3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.");
    }
    return completeUpload(bucket, uploadId, parts);
  };

  const extras: Middleware = async (ctx, next) => {
    if (ctx.method === "GET" && ctx.path === "/__uploads") {
      ctx.type = "application/json";
      ctx.body = JSON.stringify(await listUploads(S3_TEST_BUCKET));
      return;
    }
    if (ctx.method !== "DELETE" || !("uploadId" in ctx.query)) return next();
    try {
      await next();
    } catch (error) {
      // s3rver refuses the method only after its signature and bucket checks have passed, so
      // an abort that gets this far is authenticated.
      if ((error as { code?: string }).code !== "MethodNotAllowed") throw error;
      const [, bucket = "", ...key] = ctx.path.split("/").map(decodeURIComponent);
      const upload = await openUpload(bucket, ctx.query.uploadId);
      if (upload.key !== key.join("/")) throw noSuchUpload();
      await rm(upload.dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
    }
  };
  // Just before s3rver's router, after its logging, XML rendering and error handling.
  server.middleware.splice(server.middleware.length - 1, 0, extras);

  const { port } = await server.run();
  return {
    port,
    async close() {
      const closed = server.close();
      // workerd keeps connections alive; end them so the server stops at once.
      server.httpServer?.closeAllConnections();
      await closed;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
