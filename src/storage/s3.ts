/**
 * The S3 API (R2's S3 endpoint, AWS S3, or any compatible store), signed with SigV4 by aws4fetch.
 * Objects live under `<prefix>/` in the bucket; URLs are path-style.
 */
import { AwsClient } from "aws4fetch";
import type { StorageConfig } from "../config.ts";
import { fixedSizeParts, type Storage } from "./index.ts";

type S3Config = Extract<StorageConfig, { mode: "s3" }>;

/** RFC 3986 encoding of each key segment, as SigV4 canonical URIs expect. */
function encodeKey(key: string): string {
  return key
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}

export class S3Error extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "S3Error";
  }
}

async function ensureOk(response: Response, action: string): Promise<Response> {
  if (response.ok) return response;
  const text = await response.text().catch(() => "");
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? "";
  throw new S3Error(response.status, `S3 ${action} failed with HTTP ${response.status}${code ? ` (${code})` : ""}`);
}

export function createS3Storage(config: S3Config): Storage {
  const client = new AwsClient({
    accessKeyId: config.accessKeyId,
    secretAccessKey: config.secretAccessKey,
    service: "s3",
    region: config.region,
    retries: 2,
  });
  const objectKey = (key: string) => (config.prefix ? `${config.prefix}/${key}` : key);
  const objectUrl = (key: string) => `${config.endpoint}/${config.bucket}/${encodeKey(objectKey(key))}`;
  const uriPrefix = `s3://${config.bucket}/${config.prefix ? `${config.prefix}/` : ""}`;

  async function putPart(url: string, body: Uint8Array): Promise<string> {
    const response = await ensureOk(await client.fetch(url, { method: "PUT", body }), "upload part");
    const etag = response.headers.get("etag");
    if (!etag) throw new S3Error(502, "S3 upload part returned no ETag");
    return etag;
  }

  return {
    mode: "s3",
    uri: (key) => uriPrefix + key,
    keyOf: (uri) => (uri.startsWith(uriPrefix) ? uri.slice(uriPrefix.length) : null),

    async put(key, data, contentType) {
      const headers = contentType ? { "content-type": contentType } : undefined;
      await ensureOk(await client.fetch(objectUrl(key), { method: "PUT", body: data, headers }), "put");
    },

    async putStream(key, stream, contentType) {
      const url = objectUrl(key);
      const parts = fixedSizeParts(stream);
      const first = await parts.next();
      const firstBytes = first.done ? new Uint8Array(0) : first.value;
      const second = first.done ? first : await parts.next();
      if (second.done) {
        await this.put(key, firstBytes, contentType);
        return { size: firstBytes.byteLength };
      }
      const headers = contentType ? { "content-type": contentType } : undefined;
      const created = await ensureOk(await client.fetch(`${url}?uploads`, { method: "POST", headers }), "create multipart upload");
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await created.text())?.[1];
      if (!uploadId) throw new S3Error(502, "S3 create multipart upload returned no UploadId");
      const partUrl = (n: number) => `${url}?partNumber=${n}&uploadId=${encodeURIComponent(uploadId)}`;
      try {
        const etags: string[] = [];
        let size = 0;
        for (const part of [firstBytes, second.value]) {
          etags.push(await putPart(partUrl(etags.length + 1), part));
          size += part.byteLength;
        }
        for await (const part of parts) {
          etags.push(await putPart(partUrl(etags.length + 1), part));
          size += part.byteLength;
        }
        const manifest = `<CompleteMultipartUpload>${etags
          .map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`)
          .join("")}</CompleteMultipartUpload>`;
        const done = await ensureOk(
          await client.fetch(`${url}?uploadId=${encodeURIComponent(uploadId)}`, { method: "POST", body: manifest }),
          "complete multipart upload",
        );
        // S3 may report a failed completion inside a 200 response.
        const text = await done.text();
        if (text.includes("<Error>")) throw new S3Error(502, "S3 complete multipart upload failed");
        return { size };
      } catch (error) {
        await client.fetch(`${url}?uploadId=${encodeURIComponent(uploadId)}`, { method: "DELETE" }).catch(() => {});
        throw error;
      }
    },

    async get(key) {
      const response = await client.fetch(objectUrl(key), { method: "GET" });
      if (response.status === 404) {
        await response.body?.cancel();
        return null;
      }
      await ensureOk(response, "get");
      return {
        body: response.body ?? new Response("").body!,
        size: Number(response.headers.get("content-length") ?? 0),
        contentType: response.headers.get("content-type") ?? undefined,
      };
    },

    async delete(key) {
      const response = await client.fetch(objectUrl(key), { method: "DELETE" });
      if (response.status !== 404) await ensureOk(response, "delete");
    },

    async presignGet(key, expiresSec = 900) {
      const signed = await client.sign(new Request(`${objectUrl(key)}?X-Amz-Expires=${expiresSec}`, { method: "GET" }), {
        aws: { signQuery: true },
      });
      return signed.url;
    },
  };
}
