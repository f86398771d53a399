import type { StorageConfig } from "../config.ts";
import { fixedSizeParts } from "./parts.ts";
import { checkRange, RangeNotSatisfiableError, type Storage } from "./types.ts";

type R2Config = Extract<StorageConfig, { mode: "r2" }>;

export function createR2Storage({ bucket, bucketName }: R2Config): Storage {
  const prefix = `r2://${bucketName}/`;
  return {
    mode: "r2",
    uri: (key) => prefix + key,
    keyOf: (uri) => (uri.startsWith(prefix) ? uri.slice(prefix.length) : null),

    async put(key, data, contentType) {
      await bucket.put(key, data, contentType ? { httpMetadata: { contentType } } : undefined);
    },

    async putStream(key, stream, contentType, hooks) {
      const httpMetadata = contentType ? { contentType } : undefined;
      const parts = fixedSizeParts(stream);
      const first = await parts.next();
      if (first.done) {
        await bucket.put(key, new Uint8Array(0), { httpMetadata });
        return { size: 0 };
      }
      const second = await parts.next();
      if (second.done) {
        // One part or less: a plain put.
        await bucket.put(key, first.value, { httpMetadata });
        return { size: first.value.byteLength };
      }
      const upload = await bucket.createMultipartUpload(key, { httpMetadata });
      try {
        await hooks?.opened(upload.uploadId);
        const uploaded: R2UploadedPart[] = [];
        let size = 0;
        let partNumber = 1;
        for (const part of [first.value, second.value]) {
          uploaded.push(await upload.uploadPart(partNumber++, part));
          size += part.byteLength;
        }
        for await (const part of parts) {
          uploaded.push(await upload.uploadPart(partNumber++, part));
          size += part.byteLength;
        }
        await upload.complete(uploaded);
        await hooks?.closed(upload.uploadId, "completed").catch(() => {});
        return { size };
      } catch (error) {
        const aborted = await upload.abort().then(
          () => true,
          () => false,
        );
        if (aborted) await hooks?.closed(upload.uploadId, "aborted").catch(() => {});
        throw error;
      } finally {
        await parts.return(undefined).catch(() => {});
      }
    },

    async abortMultipart(key, uploadId) {
      try {
        await bucket.resumeMultipartUpload(key, uploadId).abort();
      } catch (error) {
        // R2 error 10024: the upload no longer exists, which is what aborting it asks for.
        if (!/\(10024\)/.test(String((error as Error)?.message))) throw error;
      }
    },

    async createMultipart(key, contentType) {
      const upload = await bucket.createMultipartUpload(key, contentType ? { httpMetadata: { contentType } } : undefined);
      return upload.uploadId;
    },

    async uploadPart(key, uploadId, partNumber, data) {
      const part = await bucket.resumeMultipartUpload(key, uploadId).uploadPart(partNumber, data);
      return part.etag;
    },

    async completeMultipart(key, uploadId, etags) {
      await bucket.resumeMultipartUpload(key, uploadId).complete(etags.map((etag, i) => ({ partNumber: i + 1, etag })));
    },

    async get(key) {
      const object = await bucket.get(key);
      if (!object) return null;
      return { body: object.body, size: object.size, contentType: object.httpMetadata?.contentType };
    },

    async getRange(key, offset, length) {
      checkRange(offset, length);
      // R2 refuses a range past the end, so an offset beyond it is answered from the object's size.
      const head = await bucket.head(key);
      if (!head) return null;
      if (offset >= head.size) throw new RangeNotSatisfiableError(head.size);
      const clamped = Math.min(length, head.size - offset);
      const object = await bucket.get(key, { range: { offset, length: clamped } });
      if (!object) return null;
      return { body: object.body, size: object.size, contentType: object.httpMetadata?.contentType, offset, length: clamped };
    },

    async delete(key) {
      await bucket.delete(key);
    },

    async presignGet() {
      return null;
    },
  };
}
