import { describe, expect, it } from "vitest";
import { CONTENT_SCHEMAS, type GeneratedContent, type SourceRef } from "../../../src/domain/artifacts.ts";
import { findPreset, PRESETS, type Preset } from "../../../src/domain/presets.ts";
import type { TranscriptSegment } from "../../../src/domain/transcript.ts";
import { classifyError, PermanentJobError } from "../../../src/pipeline/errors.ts";
import { createOpenAI, generateWithOpenAI, MERGE_CAPS } from "../../../src/pipeline/openai/index.ts";
import { chunkSegments, numberedLine } from "../../../src/pipeline/openai/structured.ts";
import { fakeBaseUrl, fakeClient, rejectionOf, requestsWith } from "./fake.ts";

const MODEL = "gpt-4o-mini-2024-07-18";
const exam = findPreset("exam-mode") as Preset;

const SENTENCES = [
  "Today we look at how the heart moves blood around the body.",
  "The heart has four chambers: two atria on top and two ventricles below.",
  "Deoxygenated blood enters the right atrium through the venae cavae.",
  "The right ventricle pumps blood to the lungs through the pulmonary artery.",
  "In the lungs, blood releases carbon dioxide and picks up oxygen.",
  "Oxygenated blood returns to the left atrium through the pulmonary veins.",
  "The left ventricle has the thickest wall because it pumps blood to the whole body.",
  "Valves stop blood flowing backwards between the chambers.",
];

/** A timed transcript whose text carries a unique tag (and optional fake-server markers). */
function lecture(extra = "", sentences = SENTENCES): { tag: string; segments: TranscriptSegment[] } {
  const tag = `lec-${crypto.randomUUID().slice(0, 8)}`;
  const segments = sentences.map((text, i) => ({ startSec: i * 7.5, endSec: i * 7.5 + 7, text: i === 0 ? `${text} (${tag}) ${extra}`.trim() : text }));
  return { tag, segments };
}

function expectValid(content: GeneratedContent) {
  for (const [type, schema] of Object.entries(CONTENT_SCHEMAS)) {
    const result = schema.safeParse(content[type as keyof GeneratedContent]);
    expect(result.success, `${type}: ${result.success ? "" : result.error.message}`).toBe(true);
  }
}

function allSources(content: GeneratedContent): SourceRef[] {
  return [
    ...content.summary.sections.flatMap((s) => s.sources ?? []),
    ...content["key-terms"].terms.flatMap((t) => t.sources ?? []),
    ...content.flashcards.cards.flatMap((c) => c.sources ?? []),
    ...content["exam-questions"].questions.flatMap((q) => q.sources ?? []),
  ];
}

describe("generateWithOpenAI", () => {
  it("returns schema-valid content whose sources point at real segments, from a prompt shaped by the preset", async () => {
    const { tag, segments } = lecture();
    const content = await generateWithOpenAI(fakeClient(), { segments, preset: exam, title: "The heart", model: MODEL });

    expectValid(content);
    expect(content.summary.sections.map((s) => s.title)).toEqual(["Overview", "Examinable points", "Definitions", "Likely questions"]);
    const sources = allSources(content);
    expect(sources.length).toBeGreaterThan(5);
    for (const s of sources) {
      const segment = segments[s.segmentIndex];
      expect(segment, `segment ${s.segmentIndex}`).toBeDefined();
      expect(s).toEqual({ segmentIndex: s.segmentIndex, startSec: segment!.startSec, endSec: segment!.endSec });
    }
    // The fake cites a marker that does not exist ([99999]); it must not survive.
    expect(sources.some((s) => s.segmentIndex >= segments.length)).toBe(false);
    expect(content.summary.sections[0]!.bullets[0]).toBe(SENTENCES[0] + ` (${tag})`);

    const sent = await requestsWith(tag);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ path: "/v1/chat/completions", model: MODEL, responseFormat: "study_material", status: 200 });
    const system = sent[0]!.messages!.find((m) => m.role === "system")!.content;
    const user = sent[0]!.messages!.find((m) => m.role === "user")!.content;
    expect(system).toContain('"Overview", "Examinable points", "Definitions", "Likely questions"');
    expect(system).toMatch(/academic/i);
    expect(system).toMatch(/8 to 12 exam questions/);
    expect(system).toMatch(/only the lecture's content/i);
    expect(user).toContain("Lecture title: The heart");
    expect(user).toContain(`[1] ${SENTENCES[1]}`);
    expect(user).toContain(`[7] ${SENTENCES[7]}`);
  });

  it("asks each preset for its own sections, style, granularity and question load", async () => {
    const systems = new Map<string, string>();
    for (const preset of PRESETS) {
      const { tag, segments } = lecture();
      const content = await generateWithOpenAI(fakeClient(), { segments, preset, model: MODEL });
      expectValid(content);
      const [sent] = await requestsWith(tag);
      systems.set(preset.id, sent!.messages!.find((m) => m.role === "system")!.content);
    }
    expect(systems.get("concept-map-mode")).toContain('"Core concepts", "Relationships", "Dependencies", "Misconceptions"');
    expect(systems.get("beginner-mode")).toContain('"Overview", "Key ideas", "Examples", "Analogy bank"');
    expect(systems.get("neurodivergent-friendly-mode")).toContain('"Overview", "Micro chunks", "Key terms", "Recall prompts"');
    expect(systems.get("research-mode")).toContain('"Claims", "Arguments", "Evidence", "Open questions"');
    expect(systems.get("beginner-mode")).toMatch(/plain, everyday language/);
    expect(systems.get("neurodivergent-friendly-mode")).toMatch(/about 10 words at most/);
    expect(systems.get("concept-map-mode")).toMatch(/general to specific/);
    expect(systems.get("beginner-mode")).toMatch(/4 to 6 exam questions/);
    expect(systems.get("research-mode")).toMatch(/8 to 12 exam questions/);
    expect(new Set(systems.values()).size).toBe(PRESETS.length);
  });

  it("repairs one invalid answer with a second request that quotes it and the validation messages", async () => {
    const { tag, segments } = lecture("[[fake:invalid-once]]");
    const content = await generateWithOpenAI(fakeClient(), { segments, preset: exam, model: MODEL });
    expectValid(content);
    expect(content.summary.overview.length).toBeGreaterThan(0);

    const sent = await requestsWith(tag);
    expect(sent).toHaveLength(2);
    const repair = sent[1]!.messages!;
    expect(repair.map((m) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(JSON.parse(repair[2]!.content).overview).toBe("");
    expect(repair[3]!.content).toMatch(/failed validation/);
    expect(repair[3]!.content).toMatch(/^- overview: /m);
    expect(repair[3]!.content).toMatch(/^- sections\[0\]\.bullets: /m);
  });

  it("repairs an answer that is not JSON at all, quoting the raw text", async () => {
    const { tag, segments } = lecture("[[fake:malformed-once]]");
    expectValid(await generateWithOpenAI(fakeClient(), { segments, preset: exam, model: MODEL }));
    const sent = await requestsWith(tag);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.messages![2]).toEqual({ role: "assistant", content: "Here is your study material: {" });
    expect(sent[1]!.messages![3]!.content).toMatch(/not valid JSON/);
  });

  it("fails permanently, with a readable message, when the repaired answer is still invalid", async () => {
    const { tag, segments } = lecture("[[fake:invalid-always]]");
    const error = await rejectionOf(generateWithOpenAI(fakeClient(), { segments, preset: exam, model: MODEL }));
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error.message).toMatch(/^Generated study material failed validation: overview: .+; sections\[0\]\.bullets: /);
    expect(classifyError(error).transient).toBe(false);
    expect(await requestsWith(tag)).toHaveLength(2);
  });

  it("turns a refusal into a permanent error carrying the model's words", async () => {
    const { segments } = lecture("[[fake:refuse]]");
    const error = await rejectionOf(generateWithOpenAI(fakeClient(), { segments, preset: exam, model: MODEL }));
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error.message).toBe("The model refused to generate study material: I'm sorry, but I can't help with that request.");
  });

  it("turns a truncated answer into a permanent error, without a repair attempt", async () => {
    const { tag, segments } = lecture("[[fake:truncate]]");
    const error = await rejectionOf(generateWithOpenAI(fakeClient(), { segments, preset: exam, model: MODEL }));
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error.message).toMatch(/truncated at the model's token limit/);
    expect(await requestsWith(tag)).toHaveLength(1);
  });

  it("lets a 429 through unchanged, classified transient", async () => {
    const { tag, segments } = lecture("[[fake:status=429]]");
    const error = await rejectionOf(generateWithOpenAI(fakeClient(), { segments, preset: exam, model: MODEL }));
    expect(error).not.toBeInstanceOf(PermanentJobError);
    expect(error.status).toBe(429);
    expect(classifyError(error).transient).toBe(true);
    expect(await requestsWith(tag)).toHaveLength(1); // no SDK retries
  });

  it("lets a 400 through unchanged, classified permanent", async () => {
    const { segments } = lecture("[[fake:status=400]]");
    const error = await rejectionOf(generateWithOpenAI(fakeClient(), { segments, preset: exam, model: MODEL }));
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/Simulated HTTP 400/);
    expect(classifyError(error).transient).toBe(false);
  });

  it("lets timeouts and connection failures through, classified transient", async () => {
    const { segments } = lecture("[[fake:delay=3000]]");
    const slow = createOpenAI({ apiKey: "sk-test", baseUrl: fakeBaseUrl, timeoutMs: 200 });
    const timeout = await rejectionOf(generateWithOpenAI(slow, { segments, preset: exam, model: MODEL }));
    expect(timeout).not.toBeInstanceOf(PermanentJobError);
    expect(classifyError(timeout).transient).toBe(true);

    const nowhere = createOpenAI({ apiKey: "sk-test", baseUrl: "http://127.0.0.1:9/v1" });
    const refused = await rejectionOf(generateWithOpenAI(nowhere, { segments: lecture().segments, preset: exam, model: MODEL }));
    expect(refused).not.toBeInstanceOf(PermanentJobError);
    expect(classifyError(refused).transient).toBe(true);
  });

  it("rejects an empty transcript without calling the model", async () => {
    const error = await rejectionOf(generateWithOpenAI(fakeClient(), { segments: [{ startSec: 0, endSec: 1, text: "  " }], preset: exam, model: MODEL }));
    expect(error).toBeInstanceOf(PermanentJobError);
    expect(error.message).toBe("Transcript text is empty.");
  });
});

describe("long transcripts", () => {
  const many = Array.from({ length: 24 }, (_, i) => `${SENTENCES[i % SENTENCES.length]!.replace(/\.$/, "")}, point ${i + 1}.`);

  it("chunks on segment boundaries within the budget, covering every segment once", () => {
    const segments = many.map((text, i) => ({ startSec: i, endSec: i + 1, text }));
    const budget = 400;
    const ranges = chunkSegments(segments, budget);
    expect(ranges.length).toBeGreaterThan(3);
    expect(ranges[0]!.start).toBe(0);
    expect(ranges.at(-1)!.end).toBe(segments.length);
    ranges.forEach((r, i) => {
      if (i > 0) expect(r.start).toBe(ranges[i - 1]!.end);
      const size = segments.slice(r.start, r.end).reduce((n, s, k) => n + numberedLine(r.start + k, s).length + 1, 0);
      expect(size).toBeLessThanOrEqual(budget);
    });
    // A segment longer than the budget is kept whole, never cut.
    const long = [{ startSec: 0, endSec: 1, text: "x".repeat(1000) }, ...segments.slice(0, 2)];
    expect(chunkSegments(long, budget)[0]).toEqual({ start: 0, end: 1 });
  });

  it("maps over chunks, then reduces the overview with one extra call, and merges a valid result", async () => {
    const tag = `lec-${crypto.randomUUID().slice(0, 8)}`;
    const segments = many.map((text, i) => ({ startSec: i * 5, endSec: i * 5 + 4.5, text: `${text} (${tag})` }));
    const budget = 900;
    const chunkCount = chunkSegments(segments, budget).length;
    expect(chunkCount).toBeGreaterThan(2);

    const content = await generateWithOpenAI(fakeClient(), { segments, preset: exam, model: MODEL, charBudget: budget });
    expectValid(content);

    const sent = await requestsWith(tag);
    const parts = sent.filter((r) => r.responseFormat === "study_material");
    const reduce = sent.filter((r) => r.responseFormat === "lecture_overview");
    expect(parts).toHaveLength(chunkCount);
    expect(reduce).toHaveLength(1);
    // Each part sees only its own segments, each within the budget, and together all of them.
    const seen = parts.flatMap((r) => {
      const user = r.messages!.find((m) => m.role === "user")!.content;
      expect(user).toMatch(new RegExp(`This is part \\d+ of ${chunkCount} of the lecture`));
      const lines = user.split("\n").filter((l) => /^\[\d+\] /.test(l));
      expect(lines.join("\n").length).toBeLessThanOrEqual(budget);
      return lines.map((l) => Number(/^\[(\d+)\]/.exec(l)![1]));
    });
    expect(seen.sort((a, b) => a - b)).toEqual(segments.map((_, i) => i));
    const reduceUser = reduce[0]!.messages!.find((m) => m.role === "user")!.content;
    expect(reduceUser.match(/^Part \d+: /gm)).toHaveLength(chunkCount);
    expect(content.summary.overview).toContain(`The lecture moves through ${chunkCount} parts.`);

    // Every part contributed: sources span the whole lecture, all of them real.
    const cited = new Set(allSources(content).map((s) => s.segmentIndex));
    expect(Math.max(...cited)).toBeGreaterThanOrEqual(segments.length - 3);
    expect(Math.min(...cited)).toBe(0);
    for (const s of allSources(content)) expect(s.startSec).toBe(segments[s.segmentIndex]!.startSec);
    // Sections are merged by title, in the preset's order; lists respect the caps.
    const titles = content.summary.sections.map((s) => s.title);
    expect(new Set(titles).size).toBe(titles.length);
    expect(titles[0]).toBe("Overview");
    for (const s of content.summary.sections) expect(s.bullets.length).toBeLessThanOrEqual(MERGE_CAPS.bulletsPerSection);
    const terms = content["key-terms"].terms.map((t) => t.term.toLowerCase());
    expect(new Set(terms).size).toBe(terms.length);
    expect(content["exam-questions"].questions.length).toBeLessThanOrEqual(MERGE_CAPS.questions);
  });
});
