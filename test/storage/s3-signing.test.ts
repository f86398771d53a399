/**
 * SigV4 correctness of the URLs we hand out, checked against vectors AWS publishes rather than
 * against a server (the local one verifies signatures too, but with its own implementation).
 *
 * 1. aws4fetch, given a fixed time, must reproduce AWS's worked presigned-URL example
 *    (S3 API Reference, "Authenticating Requests: Using Query Parameters (AWS Signature
 *    Version 4)") and a case of the aws-sig-v4-test-suite.
 * 2. A small signer written here from the specification must reproduce the same vectors, which
 *    makes it a trustworthy referee for URLs whose signature AWS never published:
 * 3. presignGet's path-style URLs (prefix, unusual keys, 900 s default) are re-signed by that
 *    referee and must match.
 */
import { AwsClient } from "aws4fetch";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createStorage } from "../../src/storage/index.ts";

const encoder = new TextEncoder();

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
const sha256Hex = async (text: string) => hex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));

async function hmac(key: ArrayBuffer | Uint8Array, text: string): Promise<ArrayBuffer> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(text));
}

/** RFC 3986 percent-encoding: only A-Z a-z 0-9 - _ . ~ stay as they are. */
const rfc3986 = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

interface Scope {
  secretAccessKey: string;
  datetime: string; // yyyyMMddTHHmmssZ
  region: string;
  service: string;
}

/** The referee: canonical request → string to sign → signature, as the SigV4 specification lays out. */
async function referee(
  scope: Scope,
  request: { method: string; path: string; query: [string, string][]; headers: [string, string][]; payloadHash: string },
) {
  const query = request.query
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const headers = [...request.headers].map(([k, v]) => [k.toLowerCase(), v.trim()] as const).sort(([a], [b]) => (a < b ? -1 : 1));
  const canonicalRequest = [
    request.method,
    request.path,
    query,
    headers.map(([k, v]) => `${k}:${v}\n`).join(""),
    headers.map(([k]) => k).join(";"),
    request.payloadHash,
  ].join("\n");
  const date = scope.datetime.slice(0, 8);
  const credentialScope = `${date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", scope.datetime, credentialScope, await sha256Hex(canonicalRequest)].join("\n");
  let key = await hmac(encoder.encode(`AWS4${scope.secretAccessKey}`), date);
  for (const part of [scope.region, scope.service, "aws4_request"]) key = await hmac(key, part);
  return { canonicalRequest, stringToSign, signature: hex(await hmac(key, stringToSign)) };
}

/** Re-signs a presigned GET URL with the referee; returns the signature it should carry. */
async function expectedPresignedSignature(url: string, scope: Scope) {
  const parsed = new URL(url);
  const query = [...parsed.searchParams].filter(([k]) => k !== "X-Amz-Signature");
  const { signature } = await referee(scope, {
    method: "GET",
    path: parsed.pathname, // already encoded once, which is what S3 canonicalises
    query,
    headers: [["host", parsed.host]],
    payloadHash: "UNSIGNED-PAYLOAD",
  });
  return signature;
}

// The S3 documentation's worked example for a presigned GET.
const S3_EXAMPLE = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
  datetime: "20130524T000000Z",
  url: "https://examplebucket.s3.amazonaws.com/test.txt",
  expires: "86400",
  canonicalRequest: [
    "GET",
    "/test.txt",
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host",
    "host:examplebucket.s3.amazonaws.com",
    "",
    "host",
    "UNSIGNED-PAYLOAD",
  ].join("\n"),
  stringToSign: [
    "AWS4-HMAC-SHA256",
    "20130524T000000Z",
    "20130524/us-east-1/s3/aws4_request",
    "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04",
  ].join("\n"),
  signature: "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
};
/** The example's URL as published (parameter order aside, which S3 ignores). */
const S3_EXAMPLE_QUERY = {
  "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
  "X-Amz-Credential": "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request",
  "X-Amz-Date": "20130524T000000Z",
  "X-Amz-Expires": "86400",
  "X-Amz-SignedHeaders": "host",
  "X-Amz-Signature": "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
};

// aws-sig-v4-test-suite, case get-vanilla-query-order-key-case (header signing, service "service").
const SUITE = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  region: "us-east-1",
  service: "service",
  datetime: "20150830T123600Z",
  url: "https://example.amazonaws.com/?Param2=value2&Param1=value1",
  authorization:
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " +
    "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
};

describe("aws4fetch against AWS's published SigV4 vectors", () => {
  it("reproduces the S3 documentation's presigned GET URL", async () => {
    const client = new AwsClient({ accessKeyId: S3_EXAMPLE.accessKeyId, secretAccessKey: S3_EXAMPLE.secretAccessKey, service: "s3", region: S3_EXAMPLE.region });
    const signed = await client.sign(new Request(`${S3_EXAMPLE.url}?X-Amz-Expires=${S3_EXAMPLE.expires}`), {
      aws: { signQuery: true, datetime: S3_EXAMPLE.datetime },
    });
    const url = new URL(signed.url);
    expect(`${url.origin}${url.pathname}`).toBe(S3_EXAMPLE.url);
    expect(Object.fromEntries(url.searchParams)).toEqual(S3_EXAMPLE_QUERY);
    expect([...url.searchParams.keys()]).toHaveLength(6); // no parameter twice
    expect(url.search).toContain("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request");
  });

  it("reproduces the test suite's get-vanilla-query-order-key-case Authorization header", async () => {
    const client = new AwsClient({ accessKeyId: SUITE.accessKeyId, secretAccessKey: SUITE.secretAccessKey, service: SUITE.service, region: SUITE.region });
    const signed = await client.sign(new Request(SUITE.url), { aws: { datetime: SUITE.datetime } });
    expect(signed.headers.get("authorization")).toBe(SUITE.authorization);
    expect(signed.headers.get("x-amz-date")).toBe(SUITE.datetime);
  });
});

describe("the referee signer", () => {
  it("reproduces the S3 example's canonical request and signature", async () => {
    const result = await referee(
      { secretAccessKey: S3_EXAMPLE.secretAccessKey, datetime: S3_EXAMPLE.datetime, region: "us-east-1", service: "s3" },
      {
        method: "GET",
        path: "/test.txt",
        query: [
          ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
          ["X-Amz-Credential", `${S3_EXAMPLE.accessKeyId}/20130524/us-east-1/s3/aws4_request`],
          ["X-Amz-Date", S3_EXAMPLE.datetime],
          ["X-Amz-Expires", S3_EXAMPLE.expires],
          ["X-Amz-SignedHeaders", "host"],
        ],
        headers: [["Host", "examplebucket.s3.amazonaws.com"]],
        payloadHash: "UNSIGNED-PAYLOAD",
      },
    );
    expect(result.canonicalRequest).toBe(S3_EXAMPLE.canonicalRequest);
    expect(result.stringToSign).toBe(S3_EXAMPLE.stringToSign);
    expect(result.signature).toBe(S3_EXAMPLE.signature);
  });

  it("reproduces the test suite's signature (header signing, empty payload)", async () => {
    const { signature } = await referee(
      { secretAccessKey: SUITE.secretAccessKey, datetime: SUITE.datetime, region: SUITE.region, service: SUITE.service },
      {
        method: "GET",
        path: "/",
        query: [["Param2", "value2"], ["Param1", "value1"]],
        headers: [["Host", "example.amazonaws.com"], ["X-Amz-Date", SUITE.datetime]],
        payloadHash: await sha256Hex(""),
      },
    );
    expect(`Signature=${signature}`).toBe(SUITE.authorization.split(", ").pop());
  });
});

describe("presignGet", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const storageAt = (prefix: string) =>
    createStorage({
      mode: "s3",
      endpoint: "https://s3.amazonaws.com",
      bucket: "examplebucket",
      prefix,
      region: "us-east-1",
      accessKeyId: S3_EXAMPLE.accessKeyId,
      secretAccessKey: S3_EXAMPLE.secretAccessKey,
    });
  const scope = { secretAccessKey: S3_EXAMPLE.secretAccessKey, datetime: S3_EXAMPLE.datetime, region: "us-east-1", service: "s3" };

  /** aws4fetch reads the clock itself; pinning Date makes its URLs reproducible. */
  function atExampleTime() {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2013-05-24T00:00:00Z"));
  }

  it("signs a path-style GET valid 900 s by default, as the referee does", async () => {
    atExampleTime();
    const url = await storageAt("").presignGet("test.txt");
    const parsed = new URL(url!);
    expect(`${parsed.origin}${parsed.pathname}`).toBe("https://s3.amazonaws.com/examplebucket/test.txt");
    expect(Object.fromEntries(parsed.searchParams)).toEqual({
      "X-Amz-Expires": "900",
      "X-Amz-Date": "20130524T000000Z",
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request",
      "X-Amz-SignedHeaders": "host",
      "X-Amz-Signature": await expectedPresignedSignature(url!, scope),
    });
    // The same request with the vector's lifetime is the vector itself, moved to path style.
    const day = new URL((await storageAt("").presignGet("test.txt", 86_400))!);
    expect(day.searchParams.get("X-Amz-Expires")).toBe("86400");
    expect(day.searchParams.get("X-Amz-Signature")).toBe(await expectedPresignedSignature(day.href, scope));
    expect(day.searchParams.get("X-Amz-Signature")).not.toBe(S3_EXAMPLE.signature); // the host and path are signed
  });

  it("puts the prefix in the path and encodes unusual keys once, RFC 3986 style", async () => {
    atExampleTime();
    const url = await storageAt("pegasus").presignGet("exports/lec:1/Café notes+(1) *final*!~.md", 60);
    const parsed = new URL(url!);
    expect(parsed.pathname).toBe("/examplebucket/pegasus/exports/lec%3A1/Caf%C3%A9%20notes%2B%281%29%20%2Afinal%2A%21~.md");
    expect(parsed.searchParams.get("X-Amz-Expires")).toBe("60");
    expect(parsed.searchParams.get("X-Amz-Signature")).toBe(await expectedPresignedSignature(url!, scope));
  });

  it("takes the time of signing from the clock", async () => {
    const before = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
    const url = new URL((await storageAt("p").presignGet("a.txt"))!);
    const date = url.searchParams.get("X-Amz-Date")!;
    expect(date >= before).toBe(true);
    expect(url.searchParams.get("X-Amz-Credential")).toBe(`AKIAIOSFODNN7EXAMPLE/${date.slice(0, 8)}/us-east-1/s3/aws4_request`);
  });

  it("refuses lifetimes S3 would not honour", async () => {
    const storage = storageAt("p");
    for (const bad of [0, -1, 1.5, 604_801]) await expect(storage.presignGet("a.txt", bad)).rejects.toThrow(RangeError);
    expect(new URL((await storage.presignGet("a.txt", 604_800))!).searchParams.get("X-Amz-Expires")).toBe("604800");
  });
});
