/**
 * The S3 API (R2's S3 endpoint, AWS S3, or any compatible store), signed with SigV4 by aws4fetch.
 * Objects live under `<prefix>/` in the bucket. URLs are path-style (`<endpoint>/<bucket>/<key>`):
 * R2, MinIO and AWS all accept it, and the endpoint never has to carry the bucket in its host name.
 */
import { AwsClient } from "aws4fetch";
import type { StorageConfig } from "../config.ts";
import { fixedSizeParts } from "./parts.ts";
import { checkRange, RangeNotSatisfiableError, StorageError, type MultipartHooks, type Storage, type StoredRange } from "./types.ts";

type S3Config = Extract<StorageConfig, { mode: "s3" }>;

/** S3 refuses presigned URLs valid for longer than seven days. */
const MAX_PRESIGN_SEC = 7 * 24 * 60 * 60;

export class S3Error extends StorageError {
  /** The S3 error code (`NoSuchBucket`, `SignatureDoesNotMatch`, ...) when the service sent one. */
  readonly s3Code?: string;

  constructor(status: number, message: string, options: { s3Code?: string; cause?: unknown } = {}) {
    super(status, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "S3Error";
    this.s3Code = options.s3Code;
  }
}

/**
 * SigV4 wants every key segment URI-encoded with only A-Z a-z 0-9 - _ . ~ left as they are.
 * encodeURIComponent leaves ! ' ( ) * too, so those are escaped by hand. `+` becomes %2B, which
 * matters: aws4fetch (like S3 itself) would otherwise read a raw `+` in the path as a space.
 */
function encodeKey(key: string): string {
  return key
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");
}

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return XML_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/** Escaping for element text. Quotes stay literal, as AWS's own examples send ETags. */
function escapeXml(text: string): string {
  return text.replace(/[&<>]/g, (ch) => XML_ESCAPES[ch]!);
}

/** The text of the first `<tag>` element (S3 responses are small and flat enough for this). */
function xmlElement(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}(?:\\s[^>]*)?>([^<]*)</${tag}>`).exec(xml);
  return match ? decodeXml(match[1]!) : undefined;
}

function describeError(action: string, status: number, xml: string) {
  const s3Code = xmlElement(xml, "Code");
  const detail = xmlElement(xml, "Message")?.slice(0, 200);
  const message = `S3 ${action} failed with HTTP ${status}${s3Code ? ` (${s3Code}${detail ? `: ${detail}` : ""})` : ""}`;
  return { s3Code, message };
}

async function failure(response: Response, action: string): Promise<S3Error> {
  const text = await response.text().catch(() => "");
  const { s3Code, message } = describeError(action, response.status, text);
  return new S3Error(response.status, message, { s3Code });
}

/** Responses whose body we don't need are cancelled so the connection is released at once. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
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
  const uriPrefix = `s3://${config.bucket}/${config.prefix ? `${config.prefix}/` : ""}`;

  function objectUrl(key: string): string {
    const full = objectKey(key);
    // URL parsing resolves "." and ".." segments (even percent-encoded), which would address
    // another object than the one named, so such keys are refused.
    if (key === "" || full.split("/").some((segment) => segment === "." || segment === "..")) {
      throw new S3Error(400, `Unsupported S3 object key ${JSON.stringify(key)}: empty, or with "." or ".." segments.`);
    }
    return `${config.endpoint}/${encodeURIComponent(config.bucket)}/${encodeKey(full)}`;
  }

  /** A signed request; a network failure becomes an S3Error that keeps the cause (retried as transient). */
  async function send(url: string, init: RequestInit, action: string): Promise<Response> {
    try {
      return await client.fetch(url, init);
    } catch (error) {
      throw new S3Error(503, `S3 ${action} failed: the endpoint could not be reached (${(error as Error)?.message ?? error})`, {
        cause: error,
      });
    }
  }

  async function sendOk(url: string, init: RequestInit, action: string): Promise<Response> {
    const response = await send(url, init, action);
    if (!response.ok) throw await failure(response, action);
    return response;
  }

  async function put(key: string, data: string | Uint8Array, contentType?: string): Promise<void> {
    const headers = contentType ? { "content-type": contentType } : undefined;
    await discard(await sendOk(objectUrl(key), { method: "PUT", body: data, headers }, "put"));
  }

  async function createUpload(url: string, contentType?: string): Promise<string> {
    // The object's Content-Type is fixed here; parts and the completion carry none.
    const headers = contentType ? { "content-type": contentType } : undefined;
    const response = await sendOk(`${url}?uploads`, { method: "POST", headers }, "create multipart upload");
    const uploadId = xmlElement(await response.text(), "UploadId");
    if (!uploadId) throw new S3Error(502, "S3 create multipart upload returned no UploadId");
    return uploadId;
  }

  async function uploadPart(url: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<string> {
    const response = await sendOk(
      `${url}?partNumber=${partNumber}&uploadId=${encodeURIComponent(uploadId)}`,
      { method: "PUT", body },
      "upload part",
    );
    await discard(response);
    const etag = response.headers.get("etag");
    if (!etag) throw new S3Error(502, "S3 upload part returned no ETag");
    return etag;
  }

  async function completeUpload(url: string, uploadId: string, etags: string[]): Promise<void> {
    // ETags go back exactly as S3 sent them, surrounding quotes included.
    const parts = etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`);
    const manifest = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${parts.join("")}</CompleteMultipartUpload>`;
    const response = await sendOk(
      `${url}?uploadId=${encodeURIComponent(uploadId)}`,
      { method: "POST", body: manifest, headers: { "content-type": "application/xml" } },
      "complete multipart upload",
    );
    // S3 can report a failed completion inside a 200 response (the error arrives after the headers).
    const text = await response.text();
    if (/<Error[\s>]/.test(text)) {
      const { s3Code, message } = describeError("complete multipart upload", 200, text);
      throw new S3Error(500, message, { s3Code });
    }
  }

  /** An upload that no longer exists (NoSuchUpload: aborted or completed) counts as aborted. */
  async function abortUpload(url: string, uploadId: string): Promise<void> {
    const response = await send(`${url}?uploadId=${encodeURIComponent(uploadId)}`, { method: "DELETE" }, "abort multipart upload");
    if (response.ok) return discard(response);
    const error = await failure(response, "abort multipart upload");
    if (response.status === 404 && error.s3Code === "NoSuchUpload") return;
    throw error;
  }

  async function putStream(
    key: string,
    stream: ReadableStream<Uint8Array>,
    contentType?: string,
    hooks?: MultipartHooks,
  ): Promise<{ size: number }> {
    const url = objectUrl(key);
    const parts = fixedSizeParts(stream);
    try {
      const first = await parts.next();
      const firstBytes = first.done ? new Uint8Array(0) : first.value;
      const second = first.done ? first : await parts.next();
      if (second.done) {
        // One part or less: a plain PUT.
        await put(key, firstBytes, contentType);
        return { size: firstBytes.byteLength };
      }
      const uploadId = await createUpload(url, contentType);
      try {
        await hooks?.opened(uploadId);
        const etags: string[] = [];
        let size = 0;
        const pushPart = async (part: Uint8Array) => {
          etags.push(await uploadPart(url, uploadId, etags.length + 1, part));
          size += part.byteLength;
        };
        await pushPart(firstBytes);
        await pushPart(second.value);
        for await (const part of parts) await pushPart(part);
        await completeUpload(url, uploadId, etags);
        await hooks?.closed(uploadId, "completed").catch(() => {});
        return { size };
      } catch (error) {
        // Best effort: the original error is the one worth reporting. An upload whose abort
        // failed stays open for the caller's sweep (or a bucket lifecycle rule) to clean up.
        const aborted = await abortUpload(url, uploadId).then(
          () => true,
          () => false,
        );
        if (aborted) await hooks?.closed(uploadId, "aborted").catch(() => {});
        throw error;
      }
    } finally {
      // After a failure, cancel the source instead of leaving it half read: a producer such as
      // an upload being parsed would otherwise wait forever for us to pull again.
      await parts.return(undefined).catch(() => {});
    }
  }

  async function get(key: string) {
    const response = await send(objectUrl(key), { method: "GET" }, "get");
    if (response.status === 404) {
      const text = await response.text().catch(() => "");
      const { s3Code, message } = describeError("get", 404, text);
      // Only a missing key is "no object"; a missing bucket is a configuration error.
      if (s3Code && s3Code !== "NoSuchKey") throw new S3Error(404, message, { s3Code });
      return null;
    }
    if (!response.ok) throw await failure(response, "get");
    return {
      body: response.body ?? new Response(new Uint8Array(0)).body!,
      size: Number(response.headers.get("content-length") ?? 0),
      contentType: response.headers.get("content-type") ?? undefined,
    };
  }

  async function getRange(key: string, offset: number, length: number): Promise<StoredRange | null> {
    checkRange(offset, length);
    const response = await send(objectUrl(key), { method: "GET", headers: { range: `bytes=${offset}-${offset + length - 1}` } }, "get range");
    if (response.status === 416) {
      await discard(response);
      // S3 names the object's size in `Content-Range: bytes */<size>`.
      const size = Number(/\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1]);
      throw new RangeNotSatisfiableError(Number.isFinite(size) ? size : offset);
    }
    if (response.status === 404) {
      const text = await response.text().catch(() => "");
      const { s3Code, message } = describeError("get range", 404, text);
      if (s3Code && s3Code !== "NoSuchKey") throw new S3Error(404, message, { s3Code });
      return null;
    }
    if (!response.ok) throw await failure(response, "get range");
    const body = response.body ?? new Response(new Uint8Array(0)).body!;
    const contentLength = Number(response.headers.get("content-length") ?? 0);
    const contentType = response.headers.get("content-type") ?? undefined;
    if (response.status === 200) {
      // A store that ignores Range sends the whole object; small enough objects are fine to slice,
      // anything else is a store we cannot read in ranges.
      if (contentLength > 2 * length + 1024 * 1024) {
        await body.cancel();
        throw new S3Error(501, "S3 get range failed: the store ignored the Range header");
      }
      const bytes = new Uint8Array(await new Response(body).arrayBuffer());
      if (offset >= bytes.length) throw new RangeNotSatisfiableError(bytes.length);
      const slice = bytes.subarray(offset, Math.min(bytes.length, offset + length));
      return { body: new Response(slice).body!, size: bytes.length, contentType, offset, length: slice.length };
    }
    const total = Number(/\/(\d+)$/.exec(response.headers.get("content-range") ?? "")?.[1] ?? NaN);
    return { body, size: Number.isFinite(total) ? total : offset + contentLength, contentType, offset, length: contentLength };
  }

  async function remove(key: string): Promise<void> {
    const response = await send(objectUrl(key), { method: "DELETE" }, "delete");
    if (response.ok) return discard(response);
    const error = await failure(response, "delete");
    // S3 answers 204 for a missing key; some compatible stores answer 404 NoSuchKey instead.
    if (response.status === 404 && (error.s3Code === undefined || error.s3Code === "NoSuchKey")) return;
    throw error;
  }

  async function presignGet(key: string, expiresSec = 900): Promise<string> {
    if (!Number.isInteger(expiresSec) || expiresSec < 1 || expiresSec > MAX_PRESIGN_SEC) {
      throw new RangeError(`Presigned URL lifetime must be a whole number of seconds from 1 to ${MAX_PRESIGN_SEC}`);
    }
    const signed = await client.sign(new Request(`${objectUrl(key)}?X-Amz-Expires=${expiresSec}`, { method: "GET" }), {
      aws: { signQuery: true },
    });
    return signed.url;
  }

  return {
    mode: "s3",
    uri: (key) => uriPrefix + key,
    keyOf: (uri) => (uri.startsWith(uriPrefix) && uri.length > uriPrefix.length ? uri.slice(uriPrefix.length) : null),
    put,
    putStream,
    abortMultipart: (key, uploadId) => abortUpload(objectUrl(key), uploadId),
    createMultipart: (key, contentType) => createUpload(objectUrl(key), contentType),
    uploadPart: (key, uploadId, partNumber, data) => uploadPart(objectUrl(key), uploadId, partNumber, data),
    completeMultipart: (key, uploadId, etags) => completeUpload(objectUrl(key), uploadId, etags),
    get,
    getRange,
    delete: remove,
    presignGet,
  };
}
