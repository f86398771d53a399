/**
 * Grounded answers with a model: the retrieved passages are numbered, the model answers in
 * sentences that cite them by number (a strict structured output), and the citations are checked
 * against what was retrieved (src/domain/search/answer.ts); an answer citing anything else gets
 * one repair, then is refused.
 */
import type OpenAI from "openai";
import { z } from "zod";
import { checkModelAnswer, citable, NOT_GROUNDED, notCovered, type GroundedAnswer, type ModelAnswer } from "../../domain/search/answer.ts";
import type { Passage } from "../../domain/search/passages.ts";
import { PermanentJobError } from "../errors.ts";
import { numberedLine, openAIChat, requestStructured } from "./structured.ts";

export const GROUNDED_ANSWER_FORMAT = "grounded_answer";

export const GroundedAnswerModelSchema = z
  .object({
    covered: z.boolean().describe("false when the passages do not answer the question"),
    sentences: z
      .array(
        z
          .object({
            text: z.string().describe("one sentence of the answer"),
            citations: z.array(z.number().int()).describe("the [n] numbers of the passages this sentence rests on"),
          })
          .strict(),
      )
      .describe("the answer, sentence by sentence; empty when covered is false"),
  })
  .strict();

const SYSTEM = [
  "You answer a student's question about their lectures using only the numbered transcript passages given.",
  "Write a short answer (one to four sentences). Every sentence must cite, in `citations`, the [n] numbers of the passages it is based on; cite only numbers that appear in the list.",
  "Do not add facts that are not in the passages. If the passages do not answer the question, set covered to false and leave sentences empty.",
].join("\n");

export async function answerWithOpenAI(client: OpenAI, input: { model: string; question: string; passages: readonly Passage[] }): Promise<GroundedAnswer> {
  const sources = citable(input.passages);
  if (sources.length === 0) return notCovered();
  const numbered = sources.map((p, i) => `${numberedLine(i, { startSec: p.startSec, endSec: p.endSec, text: p.text })}`).join("\n");
  const user = `Question: ${input.question.trim()}\n\nPassages:\n${numbered}`;
  try {
    return await requestStructured(openAIChat(client), {
      model: input.model,
      name: GROUNDED_ANSWER_FORMAT,
      schema: GroundedAnswerModelSchema,
      messages: [
        { role: "system", content: SYSTEM },
        { role: "user", content: user },
      ],
      accept: (parsed: ModelAnswer) => checkModelAnswer(parsed, sources),
      task: "answer the question",
      invalidLabel: "The model's answer could not be grounded",
    });
  } catch (error) {
    // Still ungrounded after the repair, or refused: say so rather than pass it on.
    if (error instanceof PermanentJobError) return notCovered(NOT_GROUNDED);
    throw error;
  }
}
