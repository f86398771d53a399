/**
 * Test-side access to the local OpenAI-protocol server (test/support/fake-openai.ts): a real SDK
 * client pointed at it, and the requests it recorded.
 */
import { env } from "cloudflare:workers";
import type OpenAI from "openai";
import { createOpenAI } from "../../../src/pipeline/openai/index.ts";
import type { RecordedRequest } from "../../support/fake-openai.ts";

export const fakeBaseUrl = (env as unknown as { OPENAI_BASE_URL: string }).OPENAI_BASE_URL;
const baseUrl = fakeBaseUrl;

export function fakeClient(): OpenAI {
  return createOpenAI({ apiKey: "sk-test", baseUrl });
}

/** Requests whose recorded form (messages, file name, ...) contains `marker`, in arrival order. */
export async function requestsWith(marker: string): Promise<RecordedRequest[]> {
  const res = await fetch(`${baseUrl.replace(/\/v1\/?$/, "")}/__requests?contains=${encodeURIComponent(marker)}`);
  if (!res.ok) throw new Error(`fake server answered ${res.status}`);
  return ((await res.json()) as RecordedRequest[]).sort((a, b) => a.seq - b.seq);
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}
