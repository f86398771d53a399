/**
 * Where the OpenAI SDK is pointed: an explicit base URL, else the AI Gateway's OpenAI endpoint.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config.ts";
import { openAIBaseUrl } from "../../../src/pipeline/providers/openai.ts";

function configOf(overrides: Record<string, unknown>) {
  const result = loadConfig({ ...env, OPENAI_API_KEY: "sk-x", OPENAI_BASE_URL: "", ...overrides });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

describe("openAIBaseUrl", () => {
  it("is OpenAI's own without a gateway, and OPENAI_BASE_URL when set", async () => {
    expect(await openAIBaseUrl(configOf({}))).toBeUndefined();
    expect(await openAIBaseUrl(configOf({ OPENAI_BASE_URL: "http://127.0.0.1:9/v1", AI_GATEWAY_ID: "gw" }))).toBe("http://127.0.0.1:9/v1");
  });

  it("is the gateway's OpenAI endpoint, from the account id or from the AI binding", async () => {
    const account = "0123456789abcdef0123456789abcdef";
    expect(await openAIBaseUrl(configOf({ AI_GATEWAY_ID: "gw", AI_GATEWAY_ACCOUNT_ID: account }))).toBe(`https://gateway.ai.cloudflare.com/v1/${account}/gw/openai`);
    const asked: string[] = [];
    const AI = {
      run: async () => ({}),
      gateway: (id: string) => ({ getUrl: async (provider: string) => (asked.push(`${id}/${provider}`), `https://gateway.example/${id}/${provider}`) }),
    };
    expect(await openAIBaseUrl(configOf({ AI_GATEWAY_ID: "gw", AI, PLC_WORKERS_AI: "on" }))).toBe("https://gateway.example/gw/openai");
    expect(asked).toEqual(["gw/openai"]);
  });
});
