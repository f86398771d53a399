/**
 * Helpers for the chunker tests: fixtures are read in ranges from the local OpenAI-protocol
 * server (which serves test/fixtures/audio with Range), and every cut chunk is checked by its
 * /__probe endpoint (ffprobe + a full ffmpeg decode in Node).
 */
import { env } from "cloudflare:workers";
import type { ByteReader } from "../../../src/domain/audio/index.ts";
import type { ProbeResult } from "../../support/fake-openai.ts";
import manifestJson from "../../fixtures/audio/manifest.json";

const server = (env as unknown as { OPENAI_BASE_URL: string }).OPENAI_BASE_URL.replace(/\/v1\/?$/, "");

export interface Manifest {
  durationSec: number;
  files: Record<string, string>;
  sentences: { index: number; text: string; startSec: number; endSec: number }[];
}
export const manifest = manifestJson as Manifest;

/** A ByteReader that also records every read it served. */
export interface CountingReader extends ByteReader {
  reads: { offset: number; length: number }[];
}

export function countingReader(source: ByteReader): CountingReader {
  const reads: { offset: number; length: number }[] = [];
  return {
    size: source.size,
    reads,
    async read(offset, length) {
      const bytes = await source.read(offset, length);
      reads.push({ offset, length: bytes.length });
      return bytes;
    },
  };
}

export function memoryReader(bytes: Uint8Array): ByteReader {
  return { size: bytes.length, read: async (offset, length) => bytes.slice(offset, Math.min(offset + length, bytes.length)) };
}

/** A fixture as ranged HTTP reads, as the pipeline reads a stored recording. */
export async function fixtureReader(name: string): Promise<CountingReader> {
  const url = `${server}/__fixtures/audio/${name}`;
  const head = await fetch(url, { headers: { range: "bytes=0-0" } });
  await head.arrayBuffer();
  const size = Number(/\/(\d+)$/.exec(head.headers.get("content-range") ?? "")?.[1]);
  if (!(size > 0)) throw new Error(`fixture ${name} is missing`);
  return countingReader({
    size,
    async read(offset, length) {
      const end = Math.min(offset + length, size) - 1;
      if (end < offset) return new Uint8Array(0);
      const response = await fetch(url, { headers: { range: `bytes=${offset}-${end}` } });
      return new Uint8Array(await response.arrayBuffer());
    },
  });
}

export async function fixtureBytes(name: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(`${server}/__fixtures/audio/${name}`)).arrayBuffer());
}

export async function probe(bytes: Uint8Array, filename: string): Promise<ProbeResult> {
  const response = await fetch(`${server}/__probe?name=${encodeURIComponent(filename)}`, { method: "POST", body: bytes });
  if (!response.ok) throw new Error(`probe failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as ProbeResult;
}
