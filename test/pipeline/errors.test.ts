/**
 * What a job's error says: the classification decides retry or fail, and the message is shown to
 * clients, so a database's own text (which can quote data, SQL or the schema) never reaches it.
 */
import { describe, expect, it } from "vitest";
import { classifyError, PermanentJobError, TransientJobError, workersAiJobError } from "../../src/pipeline/errors.ts";

/** How drizzle wraps a Postgres error from the Neon driver. */
function databaseError(code: string, text: string) {
  const cause = Object.assign(new Error(text), { name: "NeonDbError", code });
  return Object.assign(new Error(`Failed query: insert into "transcript_segments" values ($1)\nparams: secret`), { cause });
}

describe("classifyError", () => {
  it.each([
    ["22021", 'invalid byte sequence for encoding "UTF8": 0x00', false],
    ["23505", 'duplicate key value violates unique constraint "jobs_pkey"', false],
    ["42P01", 'relation "jobs" does not exist', false],
    ["08006", "connection failure", true],
    ["53300", "too many connections for role", true],
    ["57P01", "terminating connection due to administrator command", true],
    ["40001", "could not serialize access", true],
    ["40P01", "deadlock detected", true],
  ])("SQLSTATE %s is %s, and the message names only the state", (code, text, transient) => {
    const classified = classifyError(databaseError(code, text));
    expect(classified.transient).toBe(transient);
    expect(classified.message).toContain(code);
    expect(classified.message).not.toContain(text);
    expect(classified.message).not.toMatch(/insert|params|secret/);
  });

  it("a database that cannot be reached is transient, without the endpoint's words", () => {
    const unreachable = new Error("Error connecting to database: TypeError: fetch failed (http://10.0.0.5/sql)");
    expect(classifyError(unreachable)).toEqual({ transient: true, message: "The database was unavailable." });
    const gateway = new Error("Server error (HTTP status 503): upstream pool exhausted");
    expect(classifyError(gateway)).toEqual({ transient: true, message: "The database was unavailable." });
  });

  it.each([
    [Object.assign(new Error("Rate limit reached"), { status: 429 }), true],
    [Object.assign(new Error("Bad gateway"), { status: 502 }), true],
    [Object.assign(new Error("Invalid file format"), { status: 400 }), false],
    [Object.assign(new Error("Incorrect API key provided"), { status: 401 }), false],
    [Object.assign(new Error("timed out"), { name: "TimeoutError" }), true],
    [new TransientJobError("provider busy"), true],
    [new PermanentJobError("Transcript not found. Run transcription first."), false],
  ])("provider and stage errors keep their words: %s", (error, transient) => {
    expect(classifyError(error)).toEqual({ transient, message: (error as Error).message });
  });
});

/** What the AI binding throws: workerd's InferenceUpstreamError, "<code>: <description>". */
function aiError(code: number, description: string, name = "InferenceUpstreamError") {
  return Object.assign(new Error(`${code}: ${description}`), { name });
}

describe("Workers AI errors", () => {
  it.each([
    [3040, "No more data centers to forward the request to", true],
    [3007, "Request timeout", true],
    [3008, "Request was aborted", true],
    [5007, "No such model @cf/x or task", false],
    [5004, "Invalid data type for base64 input: number", false],
    [3006, "Request is too large", false],
    // Its words would pass for an outage; its code says the account is blocked.
    [3023, "Service unavailable for account", false],
    [3036, "You have used up your daily free allocation of 10,000 neurons.", false],
  ])("code %i (%s) is transient: %s", (code, description, transient) => {
    expect(classifyError(aiError(code, description))).toEqual({ transient, message: `${code}: ${description}` });
  });

  it("names the model and keeps the classification when wrapped as a job error", () => {
    const busy = workersAiJobError(aiError(3040, "No more data centers to forward the request to"), "@cf/m");
    expect(busy).toBeInstanceOf(TransientJobError);
    expect(classifyError(busy)).toEqual({ transient: true, message: "Workers AI (@cf/m): 3040: No more data centers to forward the request to" });
    const missing = workersAiJobError(aiError(5007, "No such model @cf/m or task"), "@cf/m");
    expect(missing).toBeInstanceOf(PermanentJobError);
    expect(classifyError(missing).transient).toBe(false);
  });

  it("the binding of `wrangler dev` without a login fails for good, saying why", () => {
    const local = workersAiJobError(new Error("Binding AI needs to be run remotely"), "@cf/m");
    expect(local).toBeInstanceOf(PermanentJobError);
    expect(local.message).toMatch(/local development without a Cloudflare account/);
  });
});
