/**
 * A typed client for the Worker's own routes (hono's testClient over the app's route types): the
 * requests and the JSON bodies the tests read are checked against the route schemas.
 */
import { env } from "cloudflare:workers";
import { testClient } from "hono/testing";
import { createApp } from "../../src/app.ts";

import { ADMIN_TOKEN } from "./http.ts";

export const api = testClient(createApp(), env, undefined, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });

/** The body of a response that must be a 200. */
export async function ok<T extends { status: number; json(): Promise<unknown>; text(): Promise<string> }>(
  response: T,
): Promise<Awaited<ReturnType<Extract<T, { status: 200 }>["json"]>>> {
  if (response.status !== 200) throw new Error(`expected 200, got ${response.status}: ${await response.text()}`);
  return (await response.json()) as Awaited<ReturnType<Extract<T, { status: 200 }>["json"]>>;
}
