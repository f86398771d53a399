/// <reference types="vite/client" />
import { expect, it } from "vitest";
import { generateOffline } from "../../../src/domain/generation/offline.ts";
import { PRESETS } from "../../../src/domain/presets.ts";
import { detectConceptsOffline } from "../../../src/domain/threads/detect.ts";
import { parseTranscriptUpload } from "../../../src/domain/transcripts/parse.ts";

// Pins the offline generator's and thread detector's exact output (SHA-256 of the JSON) on every
// fixture lecture and preset, so a refactor cannot change it unnoticed. When output changes on
// purpose, check the change in the other tests, then regenerate golden.json with
//   npx vitest run test/domain/generation/golden.test.ts -u

const lectures = import.meta.glob<string>("../../fixtures/lectures/*.txt", { query: "?raw", import: "default", eager: true });

async function sha256(value: unknown): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(value)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

it("generates byte-identical output for every fixture lecture and preset", async () => {
  const hashes: Record<string, string> = {};
  for (const [path, text] of Object.entries(lectures).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const name = (path.split("/").pop() as string).replace(/\.txt$/, "");
    const segments = parseTranscriptUpload("txt", text, { durationSec: 900 }).segments;
    for (const preset of PRESETS) {
      // With a title too: it steers key-phrase ranking.
      for (const title of [undefined, name.replace(/-/g, " ")]) {
        hashes[`${name}/${preset.id}${title ? "/titled" : ""}`] = await sha256(generateOffline({ segments, preset, title }));
      }
    }
    hashes[`${name}/threads`] = await sha256(detectConceptsOffline({ lectureId: name, segments, existing: [] }));
  }
  expect(Object.keys(hashes).length).toBe(Object.keys(lectures).length * (PRESETS.length * 2 + 1));
  await expect(`${JSON.stringify(hashes, null, 2)}\n`).toMatchFileSnapshot("./golden.json");
});
