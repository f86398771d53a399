/**
 * Every database round trip has a deadline (DATABASE_TIMEOUT_MS): a database that has gone
 * silent, rather than refusing, turns a request into a timely 503 and a stage into a retry.
 * The local fault proxy's /hang/ path accepts the request and never answers.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { callWith, json, uid } from "../support/http.ts";
import { ingestOk } from "../support/lectures.ts";
import { isDatabaseUnavailable, isTransientConflict } from "../../src/db/client.ts";
import { deliver, jobRow, queuedJob } from "../support/jobs.ts";

const silentDatabase = () => ({ NEON_FETCH_ENDPOINT: `${env.TEST_FAULT_PROXY}/hang/sql`, DATABASE_TIMEOUT_MS: "300" });

describe("database deadline", () => {
  it.each(["/courses", "/lectures/lec-1", "/jobs?status=failed", "/courses/c-1/progress"])(
    "GET %s answers 503 with Retry-After when the database does not answer",
    async (path) => {
      const started = Date.now();
      const res = await callWith(silentDatabase(), path);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect((await json(res)).detail).toMatch(/database is unavailable/);
    },
  );

  it("a stage whose database goes silent is retried, not left hanging", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const job = await queuedJob(lectureId, "transcription");
    const started = Date.now();
    const { ids, result } = await deliver([{ jobId: job.id }], { overrides: silentDatabase() });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(ids);
    expect(await jobRow(job.id)).toMatchObject({ status: "queued", attempt: 0 });
  });
});

describe("database error kinds", () => {
  const wrapped = (code: string) => Object.assign(new Error("Failed query: update ..."), { cause: Object.assign(new Error("x"), { code }) });

  it.each(["40001", "40P01"])("SQLSTATE %s is a transient conflict: the request may simply be retried", (code) => {
    expect(isTransientConflict(wrapped(code))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(code))).toBe(false);
  });

  it.each(["08006", "57P01"])("SQLSTATE %s means the database is unavailable", (code) => {
    expect(isDatabaseUnavailable(wrapped(code))).toBe(true);
    expect(isTransientConflict(wrapped(code))).toBe(false);
  });

  it("a constraint violation is neither", () => {
    expect(isDatabaseUnavailable(wrapped("23505"))).toBe(false);
    expect(isTransientConflict(wrapped("23505"))).toBe(false);
  });
});
