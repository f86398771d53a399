/**
 * Idempotency-Key on POST (src/lib/idempotency.ts): a retry of the same request gets the first
 * answer back without the work being done again, per owner; another request with the key is a
 * 422, a retry while the first is in flight a 409; server errors and cut-off uploads are not kept;
 * expired keys are treated as absent and swept by the cron. Against the real database (PGlite, or
 * PostgreSQL with TEST_DATABASE_URL, where the concurrent requests really race).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import type { AppEnv } from "../../src/context.ts";
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  idempotencyStore,
  releaseIdempotencyKey,
  sweepIdempotencyKeys,
} from "../../src/db/idempotency.ts";
import worker from "../../src/index.ts";
import { idempotency, requestFingerprint, type ClaimRequest } from "../../src/lib/idempotency.ts";
import { runMaintenance } from "../../src/maintenance.ts";
import { BASE, call, callWith, json, uid } from "../support/http.ts";
import { execSql, sql, testServices } from "../support/jobs.ts";
import { ingestForm, type IngestOptions } from "../support/lectures.ts";
import { cutOffIngest } from "../support/uploads.ts";

const bucket = env.BUCKET as R2Bucket;
const INLINE = { PLC_INLINE_JOBS: "1" };

/** A fresh key, and the header value in the draft's form: a quoted Structured Field string. */
const newKey = () => crypto.randomUUID();
const quoted = (key: string) => `"${key}"`;

/** Each test acts as an owner of its own (the admin token with Pegasus-Owner). */
const newOwner = () => uid("idem-owner");

function headersFor(owner: string, key?: string, extra: Record<string, string> = {}) {
  return { "Pegasus-Owner": owner, ...(key === undefined ? {} : { "Idempotency-Key": quoted(key) }), ...extra };
}

/** A POST with no body (transcribe, export), optionally in inline mode (the job runs in the request). */
function postAs(owner: string, path: string, key?: string, options: { inline?: boolean; headers?: Record<string, string> } = {}) {
  const init = { method: "POST", headers: headersFor(owner, key, options.headers) };
  return options.inline ? callWith(INLINE, path, init) : call(path, init);
}

function postJsonAs(owner: string, path: string, body: unknown, key?: string) {
  return call(path, { method: "POST", body: JSON.stringify(body), headers: headersFor(owner, key, { "content-type": "application/json" }) });
}

/**
 * An ingest form as the bytes a client sends, with the Content-Length a client's fetch declares.
 * Each call makes a new multipart boundary (of the same length), as a client's retry does.
 */
async function ingestBytes(o: IngestOptions) {
  const encoded = new Response(ingestForm(o));
  const body = new Uint8Array(await encoded.arrayBuffer());
  return { body, headers: { "content-type": encoded.headers.get("content-type")!, "content-length": String(body.byteLength) } };
}

async function ingestAs(owner: string, o: IngestOptions, key?: string, overrides?: Record<string, unknown>) {
  const { body, headers } = await ingestBytes(o);
  const init = { method: "POST", body, headers: { ...headers, ...headersFor(owner, key) } };
  return overrides ? callWith(overrides, "/lectures/ingest", init) : call("/lectures/ingest", init);
}

async function lectureAs(owner: string) {
  const lectureId = uid("lec");
  const res = await ingestAs(owner, { courseId: uid("c"), lectureId });
  expect(res.status, await res.clone().text()).toBe(200);
  return lectureId;
}

async function jobsOf(owner: string, lectureId: string): Promise<{ jobId: string; jobType: string }[]> {
  const res = await call(`/lectures/${lectureId}/jobs`, { headers: headersFor(owner) });
  expect(res.status).toBe(200);
  return (await json(res)).jobs;
}

async function audioObjects(owner: string) {
  return (await bucket.list({ prefix: `owners/${owner}/audio/` })).objects.map((o) => o.key);
}

async function keyRow(owner: string, key: string) {
  const result = await execSql(sql`select fingerprint, response_status, response_body, created_at, expires_at from idempotency_keys where owner_id = ${owner} and key = ${key}`);
  return (result as unknown as { rows: { fingerprint: string; response_status: number | null; response_body: string | null }[] }).rows[0];
}

const replayed = (res: Response) => res.headers.get("Idempotent-Replayed");

describe("Idempotency-Key: replay", () => {
  it("replays the first answer to a retry of the same request, without doing the work again", async () => {
    const owner = newOwner();
    const lectureId = await lectureAs(owner);
    const key = newKey();
    const path = `/lectures/${lectureId}/transcribe`;

    // Inline mode: the job completes within the request, so without the key a second POST would
    // start a second job (only active jobs are deduplicated).
    const first = await postAs(owner, path, key, { inline: true });
    expect(first.status).toBe(200);
    expect(replayed(first)).toBeNull();
    const firstBody = await first.text();
    expect(JSON.parse(firstBody)).toMatchObject({ status: "completed", jobType: "transcription" });

    const retry = await postAs(owner, path, key, { inline: true, headers: { "X-Request-Id": "retry-of-transcribe" } });
    expect(retry.status).toBe(200);
    expect(await retry.text()).toBe(firstBody);
    expect(replayed(retry)).toBe("true");
    expect(retry.headers.get("content-type")).toMatch(/^application\/json/);
    // The retry's own request id, and the usual headers.
    expect(retry.headers.get("X-Request-Id")).toBe("retry-of-transcribe");
    expect(retry.headers.get("Cache-Control")).toBe("private, no-cache");

    // The bare form of the same key is the same key.
    const bare = await callWith(INLINE, path, { method: "POST", headers: { "Pegasus-Owner": owner, "Idempotency-Key": key } });
    expect(replayed(bare)).toBe("true");
    expect(await bare.text()).toBe(firstBody);

    expect(await jobsOf(owner, lectureId)).toHaveLength(1);
    // Without a key, the same request does the work again: what the key prevented.
    expect(replayed(await postAs(owner, path, undefined, { inline: true }))).toBeNull();
    expect(await jobsOf(owner, lectureId)).toHaveLength(2);
  });

  it("keys are per owner: another owner's use of the key does its own work", async () => {
    const [alice, bob] = [newOwner(), newOwner()];
    const key = newKey();
    const lectureId = uid("lec");
    for (const owner of [alice, bob]) expect((await ingestAs(owner, { courseId: uid("c"), lectureId })).status).toBe(200);
    const path = `/lectures/${lectureId}/transcribe`;

    const a = await json(await postAs(alice, path, key));
    const b = await postAs(bob, path, key);
    expect(b.status).toBe(200);
    expect(replayed(b)).toBeNull();
    expect((await json(b)).jobId).not.toBe(a.jobId);
    expect(await jobsOf(bob, lectureId)).toHaveLength(1);

    const again = await postAs(alice, path, key);
    expect(replayed(again)).toBe("true");
    expect((await json(again)).jobId).toBe(a.jobId);
  });

  it("a JSON body is part of the request: the same body replays, another one is a 422", async () => {
    const owner = newOwner();
    const lectureId = await lectureAs(owner);
    expect((await json(await postAs(owner, `/lectures/${lectureId}/transcribe`, undefined, { inline: true }))).status).toBe("completed");
    const key = newKey();
    const path = `/lectures/${lectureId}/generate`;

    const first = await postJsonAs(owner, path, {}, key);
    expect(first.status).toBe(200);
    const firstBody = await first.text();
    const retry = await postJsonAs(owner, path, {}, key);
    expect(replayed(retry)).toBe("true");
    expect(await retry.text()).toBe(firstBody);

    for (const other of [
      postJsonAs(owner, path, { preset_id: "exam-mode" }, key), // another body
      postAs(owner, `/lectures/${lectureId}/export`, key), // another path
      postAs(owner, `/lectures/${lectureId}/transcribe?model=whisper-1`, key), // another path and query
    ]) {
      const res = await other;
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await json(res)).toMatchObject({ code: "idempotency_key_reused", status: 422 });
    }
    expect((await jobsOf(owner, lectureId)).filter((j) => j.jobType === "generation")).toHaveLength(1);
  });

  it("a client error is kept and replayed too (the request was answered)", async () => {
    const owner = newOwner();
    const key = newKey();
    const first = await postAs(owner, "/lectures/no-such-lecture/transcribe", key);
    expect(first.status).toBe(404);
    const retry = await postAs(owner, "/lectures/no-such-lecture/transcribe", key);
    expect(retry.status).toBe(404);
    expect(replayed(retry)).toBe("true");
    expect(retry.headers.get("content-type")).toBe("application/problem+json");
    expect((await json(retry)).code).toBe("lecture_not_found");
  });
});

describe("Idempotency-Key: concurrent and in-flight retries", () => {
  it("16 concurrent identical POSTs with one key make one job; each gets the same answer or a 409", async () => {
    const owner = newOwner();
    const lectureId = await lectureAs(owner);
    const key = newKey();
    const path = `/lectures/${lectureId}/transcribe`;

    const results = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const res = await postAs(owner, path, key);
        return { status: res.status, replayed: replayed(res), retryAfter: res.headers.get("Retry-After"), body: await res.text() };
      }),
    );
    const ok = results.filter((r) => r.status === 200);
    const busy = results.filter((r) => r.status === 409);
    expect(ok.length + busy.length).toBe(16);
    // Exactly one request did the work; any other 200 is its answer replayed (the job's dedup
    // would have answered `deduplicated: true`, a different body).
    expect(ok.filter((r) => r.replayed === null)).toHaveLength(1);
    const [answer] = ok.filter((r) => r.replayed === null);
    for (const r of ok) expect(r.body).toBe(answer!.body);
    for (const r of busy) {
      expect(JSON.parse(r.body).code).toBe("idempotency_key_in_flight");
      expect(r.retryAfter).toBe("1");
    }
    expect(await jobsOf(owner, lectureId)).toHaveLength(1);

    // Once the first has answered, every retry is replayed.
    const later = await postAs(owner, path, key);
    expect(replayed(later)).toBe("true");
    expect(await later.text()).toBe(answer!.body);
  });

  it("a retry while the first request is still uploading is a 409; then it gets the first answer", async () => {
    const owner = newOwner();
    const key = newKey();
    const { body, headers } = await ingestBytes({ courseId: uid("c"), lectureId: uid("lec") });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let step = 0;
    // The first request sends all but the last bytes, and waits.
    const slowBody = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (step++ === 0) return controller.enqueue(body.slice(0, body.byteLength - 16));
        await held;
        controller.enqueue(body.slice(body.byteLength - 16));
        controller.close();
      },
    });
    const init = { method: "POST", headers: { ...headers, ...headersFor(owner, key) } };
    const first = call("/lectures/ingest", { ...init, body: slowBody, duplex: "half" } as RequestInit);
    await vi.waitFor(async () => expect(await keyRow(owner, key)).toMatchObject({ response_status: null }), { timeout: 10_000, interval: 50 });

    const duplicate = await call("/lectures/ingest", { ...init, body });
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get("Retry-After")).toBe("1");
    expect(await json(duplicate)).toMatchObject({ code: "idempotency_key_in_flight", status: 409 });

    release();
    const done = await first;
    expect(done.status).toBe(200);
    const answer = await done.text();
    const retry = await call("/lectures/ingest", { ...init, body });
    expect(replayed(retry)).toBe("true");
    expect(await retry.text()).toBe(answer);
    expect(await audioObjects(owner)).toHaveLength(1);
  });

  it("an in-flight claim left by a dead request is taken over once it is old enough", async () => {
    const owner = newOwner();
    const lectureId = await lectureAs(owner);
    const key = newKey();
    const path = `/lectures/${lectureId}/transcribe`;
    const fingerprint = await requestFingerprint(new Request(`${BASE}${path}`, { method: "POST" }));
    await execSql(sql`insert into idempotency_keys (owner_id, key, fingerprint, created_at, expires_at)
      values (${owner}, ${key}, ${fingerprint}, now(), now() + interval '1 day')`);

    const busy = await postAs(owner, path, key);
    expect(busy.status).toBe(409);
    expect(await jobsOf(owner, lectureId)).toHaveLength(0);

    await execSql(sql`update idempotency_keys set created_at = now() - interval '16 minutes' where owner_id = ${owner} and key = ${key}`);
    const taken = await postAs(owner, path, key);
    expect(taken.status).toBe(200);
    expect(replayed(taken)).toBeNull();
    const again = await postAs(owner, path, key);
    expect(replayed(again)).toBe("true");
    expect(await again.text()).toBe(await taken.text());
    expect(await jobsOf(owner, lectureId)).toHaveLength(1);
  });
});

describe("Idempotency-Key: uploads", () => {
  it("an ingest retried with its key is answered from the first and its upload stored once", async () => {
    const owner = newOwner();
    const key = newKey();
    const form = { courseId: uid("c"), lectureId: uid("lec") };

    const first = await ingestAs(owner, form, key);
    expect(first.status).toBe(200);
    const answer = await first.text();
    expect(await audioObjects(owner)).toHaveLength(1);

    // A retry's form has a new multipart boundary (of the same length): still the same request.
    const retry = await ingestAs(owner, form, key);
    expect(retry.status).toBe(200);
    expect(replayed(retry)).toBe("true");
    expect(await retry.text()).toBe(answer);
    expect(await audioObjects(owner)).toEqual([JSON.parse(answer).audioPath.replace("r2://pegasus-media/", "")]);

    // Another upload (another size) under the key is refused, and stores nothing.
    const other = await ingestAs(owner, { ...form, title: "Another title" }, key);
    expect(other.status).toBe(422);
    expect((await json(other)).code).toBe("idempotency_key_reused");
    expect(await audioObjects(owner)).toHaveLength(1);
  });

  it("an upload with a key must declare its Content-Length (its body is never read to identify it)", async () => {
    const owner = newOwner();
    const { body, headers } = await ingestBytes({ courseId: uid("c"), lectureId: uid("lec") });
    // A streamed body of unknown length (sent chunked).
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(body);
        controller.close();
      },
    });
    const res = await call("/lectures/ingest", {
      method: "POST",
      body: chunked,
      duplex: "half",
      headers: { "content-type": headers["content-type"], ...headersFor(owner, newKey()) },
    } as RequestInit);
    expect(res.status).toBe(422);
    const problem = await json(res);
    expect(problem.code).toBe("validation_failed");
    expect(problem.detail).toMatch(/Content-Length/);
    expect(await audioObjects(owner)).toEqual([]);
  });

  it("an upload cut off mid-body is not kept: the key is released for the retry", async () => {
    const key = newKey();
    const { request } = cutOffIngest(uid("lec"), `c${crypto.randomUUID().slice(0, 8)}`);
    const headers = new Headers(request.headers);
    headers.set("Idempotency-Key", quoted(key));
    headers.set("Content-Length", String(64 * 1024 * 1024)); // what the client meant to send
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(request, { headers }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe("upload_interrupted");
    expect(await keyRow("local", key)).toBeUndefined();
  });
});

describe("Idempotency-Key: what is not kept", () => {
  it("a server error is not kept: the retry does the work", async () => {
    const owner = newOwner();
    const key = newKey();
    const form = { courseId: uid("c"), lectureId: uid("lec") };
    const down = async () => {
      throw new Error("bucket down");
    };
    const brokenBucket = { put: down, get: down, head: down, delete: down, createMultipartUpload: down, resumeMultipartUpload: down, list: down };

    const failed = await ingestAs(owner, form, key, { BUCKET: brokenBucket });
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(await keyRow(owner, key)).toBeUndefined();

    const retry = await ingestAs(owner, form, key);
    expect(retry.status).toBe(200);
    expect(replayed(retry)).toBeNull();
    expect(await audioObjects(owner)).toHaveLength(1);
    expect((await keyRow(owner, key))?.response_status).toBe(200);
  });

  it("thrown errors and answers too large to keep release the key (any POST route, here a small app)", async () => {
    const owner = newOwner();
    let work = 0;
    const app = new Hono<AppEnv>();
    app.use("*", async (c, next) => {
      c.set("requestId", "test");
      c.set("services", () => testServices());
      c.set("principal", { owner, scopes: ["write"], via: "admin_token" });
      await next();
    });
    app.use("*", idempotency(idempotencyStore));
    app.post("/large", (c) => (work++, c.json({ padding: "x".repeat(300 * 1024) }, 201)));
    app.post("/throws", () => {
      work++;
      throw new Error("handler failed");
    });
    app.post("/small", (c) => (work++, c.json({ work }, 201, { Location: "/things/1", "X-Not-Kept": "1" })));
    app.onError((_error, c) => c.json({ error: "internal" }, 500));
    const send = (path: string, key: string) => app.request(path, { method: "POST", headers: { "Idempotency-Key": quoted(key) } });

    for (const path of ["/large", "/throws"]) {
      const key = newKey();
      const statuses = [(await send(path, key)).status, (await send(path, key)).status];
      expect(statuses).toEqual(path === "/large" ? [201, 201] : [500, 500]);
      expect(await keyRow(owner, key)).toBeUndefined();
    }
    expect(work).toBe(4);

    // A small answer is kept with its status and the allow-listed headers only.
    const key = newKey();
    const first = await send("/small", key);
    const retry = await send("/small", key);
    expect(work).toBe(5);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("Location")).toBe("/things/1");
    expect(retry.headers.get("X-Not-Kept")).toBeNull();
    expect(await retry.text()).toBe(await first.text());
  });
});

describe("Idempotency-Key: validation and scope", () => {
  it("a malformed key is a 422 that names the header, before any work", async () => {
    const owner = newOwner();
    const lectureId = await lectureAs(owner);
    const path = `/lectures/${lectureId}/transcribe`;
    for (const bad of ['""', '"unterminated', '"a"b"', "two words", "a, b", "x".repeat(256), `"${"x".repeat(256)}"`, '"tab\tinside"', "del\x7fchar"]) {
      const res = await call(path, { method: "POST", headers: { "Pegasus-Owner": owner, "Idempotency-Key": bad } });
      expect(res.status, bad).toBe(422);
      const problem = await json(res);
      expect(problem.code).toBe("validation_failed");
      expect(problem.errors).toEqual([expect.objectContaining({ loc: ["header", "Idempotency-Key"] })]);
    }
    expect(await jobsOf(owner, lectureId)).toHaveLength(0);
    // 255 characters, and escapes in the quoted form, are fine.
    for (const good of ["x".repeat(255), '"with \\"quotes\\" and spaces"']) {
      const res = await call(path, { method: "POST", headers: { "Pegasus-Owner": owner, "Idempotency-Key": good } });
      expect(res.status, good).toBe(200);
    }
  });

  it("other methods ignore the header", async () => {
    const owner = newOwner();
    const lectureId = await lectureAs(owner);
    const key = newKey();
    for (let i = 0; i < 2; i++) {
      const res = await call(`/lectures/${lectureId}`, { headers: headersFor(owner, key) });
      expect(res.status).toBe(200);
      expect(replayed(res)).toBeNull();
    }
    expect(await keyRow(owner, key)).toBeUndefined();
  });

  it("every POST in the OpenAPI document takes the header and documents the replay", async () => {
    const doc = await json(await call("/openapi.json"));
    const posts = Object.entries(doc.paths).flatMap(([path, ops]: [string, any]) => (ops.post ? [[path, ops.post]] : [])) as [string, any][];
    expect(posts.map(([path]) => path)).toEqual(expect.arrayContaining(["/lectures/ingest", "/lectures/{lecture_id}/transcribe", "/jobs/{job_id}/replay"]));
    for (const [path, op] of posts) {
      expect(op.parameters, path).toEqual(expect.arrayContaining([expect.objectContaining({ name: "Idempotency-Key", in: "header", required: false })]));
      const success = Object.keys(op.responses).find((status) => status.startsWith("2"))!;
      expect(op.responses[success].headers["Idempotent-Replayed"], path).toBeDefined();
      expect(Object.keys(op.responses), path).toEqual(expect.arrayContaining(["409", "422"]));
    }
    for (const op of [doc.paths["/lectures"].get, doc.paths["/jobs/{job_id}"].get])
      expect((op.parameters ?? []).some((p: any) => p.name === "Idempotency-Key")).toBe(false);
  });
});

describe("Idempotency-Key: the store", () => {
  const db = () => testServices().db;
  const request = (owner: string, key: string, fingerprint = "POST /x empty"): ClaimRequest => ({ owner, key, fingerprint, ttlSec: 3600, takeoverAfterSec: 600 });

  it("of 32 concurrent claims of a new key exactly one wins; the others see its record", async () => {
    const owner = newOwner();
    // Rounds, so that on PostgreSQL some claims start before the winner commits (their statement
    // cannot see its row yet and runs again).
    for (let round = 0; round < 5; round++) {
      const key = newKey();
      const outcomes = await Promise.all(Array.from({ length: 32 }, () => claimIdempotencyKey(db(), request(owner, key))));
      expect(outcomes.filter((o) => o.claimed)).toHaveLength(1);
      for (const o of outcomes.filter((o) => !o.claimed)) expect(o).toEqual({ claimed: false, record: { fingerprint: "POST /x empty", response: null } });
    }
  });

  it("a claim that was taken over can neither complete nor release its successor's record", async () => {
    const owner = newOwner();
    const key = newKey();
    const first = await claimIdempotencyKey(db(), request(owner, key));
    if (!first.claimed) throw new Error("not claimed");
    await execSql(sql`update idempotency_keys set created_at = now() - interval '11 minutes' where owner_id = ${owner} and key = ${key}`);
    const second = await claimIdempotencyKey(db(), request(owner, key));
    if (!second.claimed) throw new Error("not taken over");
    expect(second.token).not.toBe(first.token);

    const stale = { owner, key, token: first.token };
    await completeIdempotencyKey(db(), stale, { status: 200, headers: {}, body: "stale" });
    await releaseIdempotencyKey(db(), stale);
    expect(await keyRow(owner, key)).toMatchObject({ response_status: null });

    await completeIdempotencyKey(db(), { owner, key, token: second.token }, { status: 201, headers: { "content-type": "application/json" }, body: "{}" });
    expect(await claimIdempotencyKey(db(), request(owner, key))).toEqual({
      claimed: false,
      record: { fingerprint: "POST /x empty", response: { status: 201, headers: { "content-type": "application/json" }, body: "{}" } },
    });
  });
});

describe("Idempotency-Key: expiry", () => {
  it("an expired key is treated as absent: the request is done again", async () => {
    const owner = newOwner();
    const lectureId = await lectureAs(owner);
    const key = newKey();
    const path = `/lectures/${lectureId}/transcribe`;
    const first = await json(await postAs(owner, path, key, { inline: true }));
    await execSql(sql`update idempotency_keys set expires_at = now() - interval '1 second' where owner_id = ${owner} and key = ${key}`);
    const again = await postAs(owner, path, key, { inline: true });
    expect(replayed(again)).toBeNull();
    expect((await json(again)).jobId).not.toBe(first.jobId);
    expect(await jobsOf(owner, lectureId)).toHaveLength(2);
  });

  it("the sweep deletes expired keys and keeps the others; the cron runs it", async () => {
    const owner = newOwner();
    const insert = (key: string, expiresIn: string) =>
      execSql(sql`insert into idempotency_keys (owner_id, key, fingerprint, response_status, response_body, created_at, expires_at)
        values (${owner}, ${key}, 'POST /x empty', 200, '{}', now() - interval '2 days', now() + ${expiresIn}::interval)`);
    const keys = async () => {
      const result = await execSql(sql`select key from idempotency_keys where owner_id = ${owner} order by key`);
      return (result as unknown as { rows: { key: string }[] }).rows.map((r) => r.key);
    };
    await insert("expired-1", "-1 hour");
    await insert("expired-2", "-1 second");
    await insert("live", "1 hour");
    expect(await sweepIdempotencyKeys(testServices().db)).toBeGreaterThanOrEqual(2);
    expect(await keys()).toEqual(["live"]);

    // The cron's maintenance run sweeps too (own storage, so no activity marker says "idle").
    await insert("expired-3", "-1 minute");
    const result = await runMaintenance({
      ...env,
      STORAGE_MODE: "s3",
      S3_ENDPOINT_URL: `http://127.0.0.1:${env.TEST_S3_PORT}`,
      S3_BUCKET: "pegasus-test",
      S3_PREFIX: uid("idem-maintenance"),
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
    });
    expect(result?.idempotencyKeys).toBeGreaterThanOrEqual(1);
    expect(await keys()).toEqual(["live"]);
  });
});
