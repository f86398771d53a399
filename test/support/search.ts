/**
 * The search tests' course: the four example lectures of test/fixtures/lectures, transcribed and
 * generated inline, and a relevance set written from their text. A relevant segment is named by
 * words it contains (a needle), and found by parsing the fixture as the server does.
 */
import cellMembranes from "../fixtures/lectures/cell-membranes.txt?raw";
import hashTables from "../fixtures/lectures/hash-tables.txt?raw";
import membraneTransport from "../fixtures/lectures/membrane-transport-2.txt?raw";
import supplyAndDemand from "../fixtures/lectures/supply-and-demand.txt?raw";
import { parseTranscriptUpload } from "../../src/domain/transcripts/parse.ts";
import { json } from "./http.ts";
import { ingestOk, post } from "./lectures.ts";

export const DURATION_SEC = 900;

export const LECTURES = {
  supply: { text: supplyAndDemand, title: "Supply and demand" },
  hashing: { text: hashTables, title: "Hash tables" },
  membranes: { text: cellMembranes, title: "The cell membrane" },
  transport: { text: membraneTransport, title: "Membrane transport" },
} as const;
export type LectureName = keyof typeof LECTURES;

export function segmentsOf(name: LectureName) {
  return parseTranscriptUpload("txt", LECTURES[name].text, { durationSec: DURATION_SEC }).segments;
}

/** Indexes of the lecture's segments containing `needle` (case-insensitive). */
export function segmentsWith(name: LectureName, needle: string): number[] {
  const lower = needle.toLowerCase();
  return segmentsOf(name)
    .map((s, i) => (s.text.toLowerCase().includes(lower) ? i : -1))
    .filter((i) => i >= 0);
}

/** Search queries and the segment that answers each (written from the fixtures). */
export const SEARCH_RELEVANCE: { q: string; lecture: LectureName; needle: string }[] = [
  { q: "price elasticity of demand", lecture: "supply", needle: "price elasticity of demand measures" },
  { q: "substitution effect", lecture: "supply", needle: "The first is the substitution effect" },
  { q: "market equilibrium", lecture: "supply", needle: "Market equilibrium is the point" },
  { q: "shortage of concert tickets", lecture: "supply", needle: "That is a shortage of three hundred tickets" },
  { q: "elastic demand total revenue", lecture: "supply", needle: "If demand is elastic, raising the price lowers total revenue" },
  { q: "pigeonhole principle", lecture: "hashing", needle: "pigeonhole principle" },
  { q: "separate chaining linked list", lecture: "hashing", needle: "each bucket holds a short linked list" },
  { q: "load factor", lecture: "hashing", needle: "The load factor is the number of stored pairs" },
  { q: "cryptographic hash SHA-256", lecture: "hashing", needle: "A cryptographic hash function, such as SHA-256" },
  { q: "fluid mosaic model Singer Nicolson", lecture: "membranes", needle: "proposed by Singer and Nicolson" },
  { q: "cholesterol membrane fluidity", lecture: "membranes", needle: "regulates membrane fluidity" },
  { q: "resting neuron membrane potential", lecture: "transport", needle: "In a resting neuron" },
  { q: "oral rehydration solution", lecture: "transport", needle: "Oral rehydration solution" },
  { q: "endocytosis vesicle", lecture: "membranes", needle: "In endocytosis the membrane folds inward" },
];

/** Questions, the lecture words that a correct citation's segment contains, and the answerable ones. */
export const ASK_RELEVANCE: { question: string; lecture: LectureName; needles: string[] }[] = [
  { question: "What does the price elasticity of demand measure?", lecture: "supply", needles: ["elasticity"] },
  { question: "What is a collision in a hash table?", lecture: "hashing", needles: ["collision"] },
  { question: "What is the load factor of a hash table?", lecture: "hashing", needles: ["load factor"] },
  { question: "What does cholesterol do in the cell membrane?", lecture: "membranes", needles: ["cholesterol"] },
  { question: "What is the membrane potential of a resting neuron?", lecture: "transport", needles: ["membrane potential", "resting neuron"] },
  { question: "Why does the demand curve slope downward?", lecture: "supply", needles: ["slope", "substitution", "income effect"] },
];

export const UNANSWERABLE = ["Who won the football world cup in 1998?", "How do volcanoes erupt?"];

const inline = { PLC_INLINE_JOBS: "1" };

/** Ingests, transcribes and generates the lectures (inline); returns their ids by name. */
export async function seedCourse(courseId: string, names: readonly LectureName[] = Object.keys(LECTURES) as LectureName[], headers?: HeadersInit) {
  const ids = {} as Record<LectureName, string>;
  for (const name of names) {
    const lectureId = `${courseId}-${name}`;
    ids[name] = lectureId;
    const { text, title } = LECTURES[name];
    await ingestOk({
      courseId,
      lectureId,
      title,
      courseTitle: "Mixed course",
      durationSec: String(DURATION_SEC),
      file: new Blob([text], { type: "text/plain" }),
      filename: `${name}.txt`,
      ...(headers ? { headers } : {}),
    });
    for (const stage of ["transcribe", "generate"] as const) {
      const body = await json(await post(`/lectures/${lectureId}/${stage}`, stage === "generate" ? {} : undefined, inline, headers));
      if (body.status !== "completed") throw new Error(`${stage} of ${lectureId}: ${body.status}`);
    }
  }
  return ids;
}
