/**
 * Webhooks end to end: registration and its URL checks, signed deliveries verified with the
 * official `standardwebhooks` library, retries, permanent failures, disabling, rotation, events
 * raised by the pipeline through the real queue, and the OpenAPI `webhooks` section.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import { call as callAsLocal, callWith as callWithAsLocal, json, uid } from "../support/http.ts";
import { claimJob } from "../../src/db/jobs.ts";
import { runRecoverySweep } from "../../src/jobs/recovery.ts";
import { deliver, execSql, queuedJob, sql, testServices } from "../support/jobs.ts";
import { recordEvent } from "../../src/db/webhooks.ts";
import { publishEvent } from "../../src/push/index.ts";
import { runWebhookSweep } from "../../src/push/sweep.ts";
import { ingestOk, post, waitForJob } from "../support/lectures.ts";
import { deliveriesOf as deliveriesOfOwner, received, receiver, registerWebhook as registerFor, waitForReceived } from "../support/webhooks.ts";

// Endpoints here belong to an owner of their own unless a test names one: an endpoint of "local"
// would be sent the job events of every other test file sharing the database.
const HOOK_OWNER = { "Pegasus-Owner": "webhook-tests" };
const withOwner = (init: RequestInit = {}): RequestInit => ({ ...init, headers: { ...HOOK_OWNER, ...((init.headers as Record<string, string>) ?? {}) } });
const call = (path: string, init?: RequestInit) => callAsLocal(path, withOwner(init));
const callWith = (overrides: Record<string, unknown>, path: string, init?: RequestInit) => callWithAsLocal(overrides, path, withOwner(init));
const registerWebhook = (url: string, events: string[], headers: Record<string, string> = {}) => registerFor(url, events, { ...HOOK_OWNER, ...headers });
const deliveriesOf = (webhookId: string) => deliveriesOfOwner(webhookId, HOOK_OWNER);

const createBody = (url: string, events = ["job.completed"]) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ url, events }),
});

async function waitForDelivery(webhookId: string, status: string, timeout = 20_000) {
  return vi.waitFor(
    async () => {
      const [delivery] = await deliveriesOf(webhookId);
      if (delivery?.status !== status) throw new Error(`delivery is ${delivery?.status}`);
      return delivery;
    },
    { timeout, interval: 100 },
  );
}

describe("registering endpoints", () => {
  it("shows the secret once, in Standard Webhooks form, and never again", async () => {
    const { url } = await receiver();
    const created = await registerWebhook(url, ["lecture.ready", "job.failed"]);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created).toMatchObject({ url, events: ["lecture.ready", "job.failed"], enabled: true, disabledReason: null });
    const fetched = await json(await call(`/webhooks/${created.id}`));
    expect(fetched).not.toHaveProperty("secret");
    expect(JSON.stringify(fetched)).not.toContain(created.secret.slice(6, 20));
    const list = await json(await call("/webhooks?limit=500"));
    expect(list.webhooks.some((w: { id: string }) => w.id === created.id)).toBe(true);
    expect(JSON.stringify(list)).not.toContain("whsec_");
    // Stored sealed, not as the secret itself.
    const { rows } = await execSql(sql`select secret_sealed from webhook_endpoints where id = ${created.id}`);
    expect((rows[0] as { secret_sealed: string }).secret_sealed).toMatch(/^v1\./);
    expect((rows[0] as { secret_sealed: string }).secret_sealed).not.toContain(created.secret.slice(6));
  });

  it("refuses private, loopback, link-local and metadata targets, literal or resolved", async () => {
    const refused = [
      "https://10.1.2.3/hook",
      "https://192.168.1.10/hook",
      "https://[fd00::1]/hook",
      "https://[::ffff:10.0.0.1]/hook",
      "https://169.254.169.254/latest/meta-data",
      "http://169.254.169.254/latest/meta-data",
      "https://[fe80::1]/hook",
      "https://metadata.google.internal/computeMetadata/v1",
      "https://private.pegasus.test/hook",
      "https://mixed.pegasus.test/hook",
      "https://metadata-alias.pegasus.test/hook",
      "https://nowhere.pegasus.test/hook",
      "ftp://public.pegasus.test/hook",
    ];
    for (const url of refused) {
      const res = await call("/webhooks", createBody(url));
      expect(res.status, url).toBe(422);
      expect((await json(res)).code, url).toMatch(/webhook_url_refused|validation_failed/);
    }
    expect((await call("/webhooks", createBody("https://public.pegasus.test/hook"))).status).toBe(201);
  });

  it("allows http and loopback only in local mode", async () => {
    const off = { PLC_WEBHOOKS_ALLOW_LOCAL: "0", WEBHOOK_SECRET_KEY: "dGVzdC1rZXktbm90LWEtc2VjcmV0LTAxMjM0NTY3ODk=" };
    for (const url of ["http://public.pegasus.test/hook", "https://127.0.0.1/hook", "https://localhost/hook", "https://loopback.pegasus.test/x", "https://[::1]/x"]) {
      const res = await callWith(off, "/webhooks", createBody(url));
      expect(res.status, url).toBe(422);
    }
    expect((await call("/webhooks", createBody("http://127.0.0.1:9/hook"))).status).toBe(201);
    expect((await callWith(off, "/webhooks", createBody("https://public.pegasus.test/hook"))).status).toBe(201);
  });

  it("needs WEBHOOK_SECRET_KEY outside local mode", async () => {
    const res = await callWith({ PLC_WEBHOOKS_ALLOW_LOCAL: "0", WEBHOOK_SECRET_KEY: "" }, "/webhooks", createBody("https://public.pegasus.test/hook"));
    expect(res.status).toBe(500);
    expect((await json(res)).detail).toContain("WEBHOOK_SECRET_KEY");
  });

  it("is per owner: someone else's endpoint is a 404", async () => {
    const { url } = await receiver();
    const created = await registerWebhook(url, ["job.completed"]);
    const other = { "Pegasus-Owner": uid("owner") };
    for (const [path, method] of [[`/webhooks/${created.id}`, "GET"], [`/webhooks/${created.id}`, "DELETE"], [`/webhooks/${created.id}/deliveries`, "GET"], [`/webhooks/${created.id}/rotate-secret`, "POST"], [`/webhooks/${created.id}/test`, "POST"]] as const) {
      const res = await call(path, { method, headers: other });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await json(await call("/webhooks", { headers: other }))).webhooks).toEqual([]);
    expect((await call(`/webhooks/${created.id}`)).status).toBe(200);
  });
});

describe("deliveries", () => {
  it("signs per Standard Webhooks: the official library verifies the test event", async () => {
    const hook = await receiver();
    const created = await registerWebhook(hook.url, ["job.completed"]);
    const res = await call(`/webhooks/${created.id}/test`, { method: "POST" });
    expect(res.status).toBe(202);
    const { eventId } = await json(res);
    const [got] = await waitForReceived(hook.name, 1);
    expect(got!.headers["webhook-id"]).toBe(eventId);
    const payload = new Webhook(created.secret).verify(got!.body, got!.headers) as { type: string; data: { webhookId: string } };
    expect(payload).toMatchObject({ type: "webhook.test", data: { webhookId: created.id } });
    // A wrong secret or a changed body does not verify.
    expect(() => new Webhook(`whsec_${btoa("x".repeat(32))}`).verify(got!.body, got!.headers)).toThrow();
    expect(() => new Webhook(created.secret).verify(got!.body.replace("test", "tEst"), got!.headers)).toThrow();
    const delivery = await waitForDelivery(created.id, "succeeded");
    expect(delivery).toMatchObject({ attemptCount: 1, lastStatusCode: 204, eventType: "webhook.test" });
  });

  it("retries a receiver that fails twice, with the same webhook-id, and records each attempt", async () => {
    const hook = await receiver({ failFirst: 2, failStatus: 503 });
    const created = await registerWebhook(hook.url, ["job.completed"]);
    await call(`/webhooks/${created.id}/test`, { method: "POST" });
    const got = await waitForReceived(hook.name, 3);
    expect(new Set(got.map((g) => g.headers["webhook-id"])).size).toBe(1);
    for (const g of got) new Webhook(created.secret).verify(g.body, g.headers);
    const delivery = await waitForDelivery(created.id, "succeeded");
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 503, 204]);
    expect(delivery.attempts[0].error).toContain("HTTP 503");
    expect(delivery.attempts.every((a: { latencyMs: number }) => a.latencyMs >= 0)).toBe(true);
    expect(delivery.nextAttemptAt).toBeNull();
  });

  it("stops at a 4xx other than 408/429, and a manual retry sends it again", async () => {
    const hook = await receiver({ failFirst: 1, failStatus: 400 });
    const created = await registerWebhook(hook.url, ["job.completed"]);
    await call(`/webhooks/${created.id}/test`, { method: "POST" });
    const failed = await waitForDelivery(created.id, "failed");
    expect(failed).toMatchObject({ attemptCount: 1, lastStatusCode: 400 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(await received(hook.name)).toHaveLength(1); // not retried
    const retried = await call(`/webhooks/${created.id}/deliveries/${failed.id}/retry`, { method: "POST" });
    expect(retried.status).toBe(202);
    const done = await waitForDelivery(created.id, "succeeded");
    expect(done.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([400, 204]);
    const both = await received(hook.name);
    expect(both[1]!.headers["webhook-id"]).toBe(both[0]!.headers["webhook-id"]);
    expect((await call(`/webhooks/${created.id}/deliveries/nope/retry`, { method: "POST" })).status).toBe(404);
  });

  it("disables an endpoint that has failed every delivery for days, and says why", async () => {
    const hook = await receiver({ failFirst: 100, failStatus: 500 });
    const created = await registerWebhook(hook.url, ["job.completed"]);
    await execSql(sql`update webhook_endpoints set failing_since = now() - interval '6 days' where id = ${created.id}`);
    await call(`/webhooks/${created.id}/test`, { method: "POST" });
    const endpoint = await vi.waitFor(
      async () => {
        const e = await json(await call(`/webhooks/${created.id}`));
        if (e.enabled) throw new Error("still enabled");
        return e;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(endpoint.disabledReason).toMatch(/Every delivery failed since .*HTTP 500/);
    expect((await waitForDelivery(created.id, "failed")).lastError).toContain("disabled");
    const refused = await call(`/webhooks/${created.id}/test`, { method: "POST" });
    expect(refused.status).toBe(409);
    expect((await json(refused)).code).toBe("webhook_disabled");
    // Re-enabling forgets the failures.
    const enabled = await json(await call(`/webhooks/${created.id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ enabled: true }) }));
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
  });

  it("signs with both secrets for a day after a rotation", async () => {
    const hook = await receiver();
    const created = await registerWebhook(hook.url, ["job.completed"]);
    const rotated = await json(await call(`/webhooks/${created.id}/rotate-secret`, { method: "POST" }));
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
    await call(`/webhooks/${created.id}/test`, { method: "POST" });
    const [got] = await waitForReceived(hook.name, 1);
    expect(got!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    new Webhook(rotated.secret).verify(got!.body, got!.headers);
    new Webhook(created.secret).verify(got!.body, got!.headers);
  });
});

describe("events from the pipeline", () => {
  it("raises job.completed, lecture.transcribed, export.ready and lecture.ready, with a progress snapshot", async () => {
    const hook = await receiver();
    const owner = uid("owner");
    const as = { "Pegasus-Owner": owner };
    const created = await registerWebhook(hook.url, ["job.completed", "lecture.transcribed", "export.ready", "lecture.ready", "job.failed"], as);
    const lectureId = uid("lec");
    const courseId = uid("c");
    await ingestOk({ courseId, lectureId, headers: as });
    const ids = [];
    for (const stage of ["transcribe", "generate", "export"]) ids.push((await json(await post(`/lectures/${lectureId}/${stage}`, stage === "generate" ? {} : undefined, undefined, as))).jobId);
    const got = await waitForReceived(hook.name, 6, 30_000);
    const events = got.map((g) => new Webhook(created.secret).verify(g.body, g.headers) as { type: string; timestamp: string; data: any });
    expect(events.map((e) => e.type).sort()).toEqual(["export.ready", "job.completed", "job.completed", "job.completed", "lecture.ready", "lecture.transcribed"]);
    const ready = events.find((e) => e.type === "lecture.ready")!;
    expect(ready.data).toMatchObject({ lectureId, courseId, jobType: "export", status: "completed", progress: { overallStatus: "completed", progressPercent: 100 } });
    expect(ready.data.links).toMatchObject({ progress: `/lectures/${lectureId}/progress`, job: `/jobs/${ready.data.jobId}` });
    const transcribed = events.find((e) => e.type === "lecture.transcribed")!;
    expect(transcribed.data.progress.stages.transcription.status).toBe("completed");
    expect(events.find((e) => e.type === "export.ready")!.data.exportPaths).toHaveProperty("pdf");
    expect(new Set(got.map((g) => g.headers["webhook-id"])).size).toBe(6);
    for (const id of ids) await waitForJob(id);
  });

  it("raises job.failed for a job failed by the dead-letter queue or by the recovery sweep", async () => {
    const hook = await receiver();
    const owner = uid("owner");
    const as = { "Pegasus-Owner": owner };
    const created = await registerWebhook(hook.url, ["job.failed"], as);
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId, headers: as });

    // Its queue messages ran out: the dead-letter consumer fails it.
    const lettered = await queuedJob(lectureId, "transcription", {}, owner);
    await deliver([{ jobId: lettered.id }], { queue: "pegasus-jobs-dlq", attempts: 11 });
    const [first] = await waitForReceived(hook.name, 1);
    const letterEvent = new Webhook(created.secret).verify(first!.body, first!.headers) as { type: string; data: any };
    expect(letterEvent).toMatchObject({ type: "job.failed", data: { jobId: lettered.id, status: "failed" } });
    expect(letterEvent.data.error).toMatch(/exhausted/);

    // Its consumer died on the last attempt: the sweep fails it.
    const stuck = await queuedJob(lectureId, "generation", {}, owner);
    await claimJob(testServices().db, stuck.id, 60, false);
    await execSql(sql`update jobs set lease_expires_at = now() - interval '1 minute', attempt = max_attempts where id = ${stuck.id}`);
    await runRecoverySweep(testServices());
    const both = await waitForReceived(hook.name, 2);
    const sweptEvent = new Webhook(created.secret).verify(both[1]!.body, both[1]!.headers) as { type: string; data: any };
    expect(sweptEvent).toMatchObject({ type: "job.failed", data: { jobId: stuck.id, status: "failed" } });
    expect(sweptEvent.data.error).toMatch(/No attempts left/);

    // Delivered again, the dead letter raises nothing new.
    await deliver([{ jobId: lettered.id }], { queue: "pegasus-jobs-dlq", attempts: 11 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await received(hook.name)).toHaveLength(2);
  });

  it("raises nothing for an owner without endpoints (no outbox rows)", async () => {
    const owner = uid("owner");
    const as = { "Pegasus-Owner": owner };
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId, headers: as });
    const { jobId } = await json(await post(`/lectures/${lectureId}/transcribe`, undefined, undefined, as));
    await waitForJob(jobId);
    const { rows } = await execSql(sql`select count(*)::int as n from webhook_events where owner_id = ${owner}`);
    expect((rows[0] as { n: number }).n).toBe(0);
  });
});

describe("events raised elsewhere, and the outbox", () => {
  it("publishEvent raises upload.completed for the owner's subscribed endpoints", async () => {
    const hook = await receiver();
    const owner = uid("owner");
    const created = await registerWebhook(hook.url, ["upload.completed"], { "Pegasus-Owner": owner });
    const eventId = await publishEvent(testServices(), owner, "upload.completed", { lectureId: "lec-up", courseId: "c-up", uploadId: "u-1" });
    const [got] = await waitForReceived(hook.name, 1);
    expect(got!.headers["webhook-id"]).toBe(eventId);
    const payload = new Webhook(created.secret).verify(got!.body, got!.headers) as { type: string; data: any };
    expect(payload).toMatchObject({ type: "upload.completed", data: { lectureId: "lec-up", uploadId: "u-1", links: { progress: "/lectures/lec-up/progress" } } });
  });

  it("a delivery whose queue message was lost (the Worker died after the commit) is sent by the sweep", async () => {
    const hook = await receiver();
    const owner = uid("owner");
    const created = await registerWebhook(hook.url, ["upload.completed"], { "Pegasus-Owner": owner });
    // Committed to the outbox, never enqueued.
    const [deliveryId] = await recordEvent(testServices().db, { id: `msg_${uid("lost")}`, ownerId: owner, type: "upload.completed", data: { lectureId: "l" } });
    expect(deliveryId).toBeDefined();
    await execSql(sql`update webhook_deliveries set next_attempt_at = now() - interval '10 minutes' where id = ${deliveryId!}`);
    const swept = await runWebhookSweep(testServices());
    expect(swept!.resent).toBeGreaterThanOrEqual(1);
    const [got] = await waitForReceived(hook.name, 1);
    new Webhook(created.secret).verify(got!.body, got!.headers);
  });
});

describe("the OpenAPI document", () => {
  it("declares every event under the top-level webhooks", async () => {
    const doc = await json(await call("/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.webhooks).sort()).toEqual(["export.ready", "job.completed", "job.failed", "lecture.ready", "lecture.transcribed", "upload.completed", "webhook.test"]);
    const op = doc.webhooks["lecture.ready"].post;
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(["webhook-id", "webhook-signature", "webhook-timestamp"]);
    expect(op.requestBody.content["application/json"].schema.properties).toHaveProperty("data");
    expect(doc.paths).toHaveProperty("/webhooks/{id}/deliveries/{delivery_id}/retry");
    expect(doc.paths["/lectures/{lecture_id}/events"].get.responses["200"].content).toHaveProperty("text/event-stream");
  });
});
