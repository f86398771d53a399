/**
 * Hand-made multipart/form-data bodies, for what FormData cannot send: text in a declared charset
 * (FormData sends UTF-8 only) and a body that stops in the middle of the file part.
 */
export interface RawPart {
  name: string;
  /** Bytes are sent as they are; strings as UTF-8. */
  value: string | Uint8Array;
  /** The whole Content-Disposition parameter list after `form-data; name="…"`, e.g. `filename="a.txt"`. */
  disposition?: string;
  contentType?: string;
}

const encoder = new TextEncoder();

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function part(boundary: string, p: RawPart, withValue = true): Uint8Array[] {
  const headers = [`--${boundary}`, `Content-Disposition: form-data; name="${p.name}"${p.disposition ? `; ${p.disposition}` : ""}`];
  if (p.contentType) headers.push(`Content-Type: ${p.contentType}`);
  const head = encoder.encode(`${headers.join("\r\n")}\r\n\r\n`);
  if (!withValue) return [head];
  return [head, typeof p.value === "string" ? encoder.encode(p.value) : p.value, encoder.encode("\r\n")];
}

/** A complete body and its Content-Type. */
export function multipartBody(parts: RawPart[]) {
  const boundary = `pegasus-${crypto.randomUUID()}`;
  const body = concat([...parts.flatMap((p) => part(boundary, p)), encoder.encode(`--${boundary}--\r\n`)]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The text fields and the headers of the file part `file`, whose bytes the caller streams after. */
export function multipartHead(fields: Record<string, string>, file: Omit<RawPart, "value">) {
  const boundary = `pegasus-${crypto.randomUUID()}`;
  const head = concat([
    ...Object.entries(fields).flatMap(([name, value]) => part(boundary, { name, value })),
    ...part(boundary, { ...file, value: "" }, false),
  ]);
  return { head, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** UTF-16LE bytes of `text`, code unit by code unit (so an unpaired surrogate stays one). */
export function utf16le(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    bytes[2 * i] = unit & 0xff;
    bytes[2 * i + 1] = unit >> 8;
  }
  return bytes;
}
