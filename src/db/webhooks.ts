/**
 * Webhook endpoints, the event outbox and deliveries. Events of a job's outcome are written in the
 * same batch (transaction) as the outcome itself, each with one pending delivery per subscribed
 * endpoint: once the outcome is committed nothing can lose its webhooks, since the sweep re-sends
 * any pending delivery whose queue message went missing.
 */
import { and, count, desc, eq, sql, type SQL } from "drizzle-orm";
import type { PageRequest } from "../lib/pagination.ts";
import type { Db } from "./client.ts";
import { completeJobStatement, deadLetterStatements, failJobStatement, type DeadLetter } from "./jobs.ts";
import type { JobRow } from "./rows.ts";
import { jobs, webhookDeliveries, webhookEndpoints, webhookEvents, type WebhookAttempt } from "./schema.ts";

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

/** What the API may show of an endpoint: never its secrets, not even sealed. */
export const endpointFields = {
  id: webhookEndpoints.id,
  owner_id: webhookEndpoints.owner_id,
  url: webhookEndpoints.url,
  description: webhookEndpoints.description,
  events: webhookEndpoints.events,
  previous_secret_expires_at: webhookEndpoints.previous_secret_expires_at,
  failing_since: webhookEndpoints.failing_since,
  disabled_at: webhookEndpoints.disabled_at,
  disabled_reason: webhookEndpoints.disabled_reason,
  created_at: webhookEndpoints.created_at,
  updated_at: webhookEndpoints.updated_at,
};
export type ListedEndpoint = Omit<WebhookEndpointRow, "secret_sealed" | "previous_secret_sealed">;

const endpointIs = (owner: string, id: string) => and(eq(webhookEndpoints.owner_id, owner), eq(webhookEndpoints.id, id))!;

export async function createEndpoint(
  db: Db,
  e: { id: string; ownerId: string; url: string; description: string | null; events: string[]; secretSealed: string },
): Promise<ListedEndpoint> {
  const [row] = await db
    .insert(webhookEndpoints)
    .values({ id: e.id, owner_id: e.ownerId, url: e.url, description: e.description, events: e.events, secret_sealed: e.secretSealed })
    .returning(endpointFields);
  return row!;
}

export async function listEndpoints(db: Db, owner: string, page: PageRequest) {
  const where = eq(webhookEndpoints.owner_id, owner);
  const [rows, [total]] = await db.batch([
    db.select(endpointFields).from(webhookEndpoints).where(where).orderBy(desc(webhookEndpoints.created_at), desc(webhookEndpoints.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(webhookEndpoints).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

export async function getEndpoint(db: Db, owner: string, id: string): Promise<ListedEndpoint | null> {
  const [row] = await db.select(endpointFields).from(webhookEndpoints).where(endpointIs(owner, id));
  return row ?? null;
}

export interface EndpointChange {
  url?: string;
  description?: string | null;
  events?: string[];
  /** true re-enables a disabled endpoint (and forgets its failures); false disables it by hand. */
  enabled?: boolean;
}

export async function updateEndpoint(db: Db, owner: string, id: string, change: EndpointChange): Promise<ListedEndpoint | null> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      ...(change.url !== undefined ? { url: change.url } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.events !== undefined ? { events: change.events } : {}),
      ...(change.enabled === true ? { disabled_at: null, disabled_reason: null, failing_since: null } : {}),
      ...(change.enabled === false
        ? { disabled_at: sql`coalesce(${webhookEndpoints.disabled_at}, now())`, disabled_reason: sql`coalesce(${webhookEndpoints.disabled_reason}, 'Disabled by its owner.')` }
        : {}),
      updated_at: sql`now()`,
    })
    .where(endpointIs(owner, id))
    .returning(endpointFields);
  return row ?? null;
}

export async function deleteEndpoint(db: Db, owner: string, id: string): Promise<boolean> {
  const rows = await db.delete(webhookEndpoints).where(endpointIs(owner, id)).returning({ id: webhookEndpoints.id });
  return rows.length > 0;
}

/** The new secret signs from now on; the current one keeps signing beside it for `graceSec`. */
export async function rotateEndpointSecret(db: Db, owner: string, id: string, secretSealed: string, graceSec: number) {
  const [row] = await db
    .update(webhookEndpoints)
    .set({
      previous_secret_sealed: sql`${webhookEndpoints.secret_sealed}`,
      previous_secret_expires_at: sql`now() + make_interval(secs => ${graceSec})`,
      secret_sealed: secretSealed,
      updated_at: sql`now()`,
    })
    .where(endpointIs(owner, id))
    .returning(endpointFields);
  return row ?? null;
}

/** An endpoint's deliveries, newest first, and whether the endpoint is the caller's: one batch. */
export async function listDeliveries(db: Db, owner: string, endpointId: string, page: PageRequest) {
  const where = and(eq(webhookDeliveries.owner_id, owner), eq(webhookDeliveries.endpoint_id, endpointId));
  const [endpoint, rows, [total]] = await db.batch([
    db.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(endpointIs(owner, endpointId)),
    db.select().from(webhookDeliveries).where(where).orderBy(desc(webhookDeliveries.created_at), desc(webhookDeliveries.id)).limit(page.limit).offset(page.offset),
    db.select({ n: count() }).from(webhookDeliveries).where(where),
  ]);
  return { exists: endpoint.length > 0, rows, total: total?.n ?? 0 };
}

/** Makes a delivery due now again (whatever became of it); null when it is not the caller's. */
export async function requeueDelivery(db: Db, owner: string, endpointId: string, deliveryId: string): Promise<WebhookDeliveryRow | null> {
  const [row] = await db
    .update(webhookDeliveries)
    .set({ status: "pending", next_attempt_at: sql`now()`, lease_expires_at: null, updated_at: sql`now()` })
    .where(and(eq(webhookDeliveries.owner_id, owner), eq(webhookDeliveries.endpoint_id, endpointId), eq(webhookDeliveries.id, deliveryId)))
    .returning();
  return row ?? null;
}

// ---- the outbox ---------------------------------------------------------------------------------

const subscribed = (owner: SQL, type: SQL) =>
  sql`select w.id from ${webhookEndpoints} w where w.owner_id = ${owner} and w.disabled_at is null and w.events @> jsonb_build_array(${type}::text)`;

/** Pending deliveries of these events to every endpoint subscribed to them (or to `onlyEndpoint`). */
function deliveriesFor(db: Db, eventIds: string[], onlyEndpoint?: string) {
  return db.execute(sql`
    insert into ${webhookDeliveries} (id, owner_id, endpoint_id, event_id, event_type, status, next_attempt_at)
    select gen_random_uuid()::text, e.owner_id, w.id, e.id, e.type, 'pending', now()
    from ${webhookEvents} e join ${webhookEndpoints} w on w.owner_id = e.owner_id and w.disabled_at is null
      and ${onlyEndpoint === undefined ? sql`w.events @> jsonb_build_array(e.type)` : sql`w.id = ${onlyEndpoint}`}
    where e.id in (${sql.join(eventIds.map((id) => sql`${id}`), sql`, `)})
    on conflict (endpoint_id, event_id) do nothing
    returning id`);
}

/** The event types a job outcome can raise, and their ids: fixed per job, so a rerun adds nothing. */
export const JOB_EVENT_TYPES = ["job.completed", "job.failed", "lecture.transcribed", "export.ready", "lecture.ready"] as const;
const jobEventId = (jobId: string, type: string) => `msg_${jobId}_${type.replace(".", "_")}`;

/**
 * The statements that record a job's final outcome as events (only those some endpoint of the
 * owner subscribes to) with their deliveries. To run in the same batch after the statement that
 * wrote the outcome: they see it, and they write nothing unless the job holds that outcome under
 * this attempt. `data` keeps the lecture's latest stage jobs as of this transaction (the payload's
 * progress snapshot is computed from them).
 */
export function jobOutcomeEventStatements(db: Db, job: { id: string; attempt?: number }, status: "completed" | "failed") {
  // Without an attempt (a failure recorded by the sweep or a dead letter), whichever attempt holds it.
  const attempt = job.attempt === undefined ? sql`j.attempt` : sql`${job.attempt}`;
  const insertEvents = db.execute(sql`
    with j as (
      select j.id, j.owner_id, j.lecture_id, j.job_type, j.status, j.error, j.attempt, j.result, l.course_id
      from ${jobs} j join lectures l on l.owner_id = j.owner_id and l.id = j.lecture_id
      where j.id = ${job.id} and j.attempt = ${attempt} and j.status = ${status}
    ), stage_jobs as (
      select distinct on (s.job_type) s.job_type, s.id, s.status, s.created_at, s.updated_at, s.error
      from ${jobs} s join j on s.owner_id = j.owner_id and s.lecture_id = j.lecture_id
      order by s.job_type, s.created_at desc, s.id desc
    ), types as (
      select t.type from j, unnest(array[
        case when j.status = 'completed' then 'job.completed' else 'job.failed' end,
        case when j.status = 'completed' and j.job_type = 'transcription' then 'lecture.transcribed' end,
        case when j.status = 'completed' and j.job_type = 'export' then 'export.ready' end,
        case when j.status = 'completed' and not exists (select 1 from stage_jobs where status <> 'completed') then 'lecture.ready' end
      ]::text[]) as t(type)
      where t.type is not null
    )
    insert into ${webhookEvents} (id, owner_id, type, data)
    select 'msg_' || j.id || '_' || replace(t.type, '.', '_'), j.owner_id, t.type,
      jsonb_build_object('lectureId', j.lecture_id, 'courseId', j.course_id, 'jobId', j.id, 'jobType', j.job_type,
        'jobStatus', j.status, 'attempt', j.attempt, 'error', j.error,
        'exportPaths', case when j.job_type = 'export' then j.result -> 'exportPaths' end,
        'stageJobs', (select coalesce(jsonb_agg(to_jsonb(s) order by s.job_type), '[]'::jsonb) from stage_jobs s))
    from j cross join types t
    where exists (${subscribed(sql`j.owner_id`, sql`t.type`)})
    on conflict (id) do nothing`);
  return [insertEvents, deliveriesFor(db, JOB_EVENT_TYPES.map((type) => jobEventId(job.id, type)))] as const;
}

export const deliveryIdsOf = (result: unknown): string[] =>
  ((result as { rows?: { id: string }[] }).rows ?? []).map((row) => row.id);

/** Completes the job and records its events in one transaction; the row is null when the claim was lost. */
export async function completeJobWithEvents(db: Db, job: JobRow, result: Record<string, unknown>) {
  const [[row], , deliveries] = await db.batch([completeJobStatement(db, job, result), ...jobOutcomeEventStatements(db, job, "completed")]);
  return { row: row ?? null, deliveryIds: deliveryIdsOf(deliveries) };
}

/** Fails the job for good and records `job.failed` in one transaction. */
export async function failJobWithEvents(db: Db, job: JobRow, error: string) {
  const [[row], , deliveries] = await db.batch([failJobStatement(db, job, error), ...jobOutcomeEventStatements(db, job, "failed")]);
  return { row: row ?? null, deliveryIds: deliveryIdsOf(deliveries) };
}

/**
 * Records a dead letter, fails its job if still active and records `job.failed`, in one transaction.
 * The row is the job as failed here (null when it had already finished).
 */
export async function recordDeadLetterWithEvents(db: Db, letter: DeadLetter, failure: string) {
  const events = letter.jobId ? jobOutcomeEventStatements(db, { id: letter.jobId }, "failed") : [];
  const [, failed, , deliveries] = await db.batch([...deadLetterStatements(db, letter, failure), ...events]);
  return { row: (failed[0] as JobRow | undefined) ?? null, deliveryIds: deliveries === undefined ? [] : deliveryIdsOf(deliveries) };
}

/**
 * Records `job.failed` for jobs the recovery sweep failed (a separate transaction after the sweep's:
 * event ids are fixed per job, so recording twice is harmless).
 */
export async function recordFailureEvents(db: Db, jobIds: string[]): Promise<string[]> {
  if (jobIds.length === 0) return [];
  const statements = jobIds.flatMap((id) => jobOutcomeEventStatements(db, { id }, "failed"));
  const results = await db.batch(statements as unknown as [(typeof statements)[number], ...(typeof statements)[number][]]);
  return results.filter((_, i) => i % 2 === 1).flatMap(deliveryIdsOf);
}

/**
 * Records an event outside a job outcome (an upload completed, a test ping): the event and its
 * deliveries in one batch. Nothing is stored when no endpoint wants it. Returns the deliveries.
 */
export async function recordEvent(
  db: Db,
  event: { id: string; ownerId: string; type: string; data: Record<string, unknown> },
  onlyEndpoint?: string,
): Promise<string[]> {
  const filter = onlyEndpoint === undefined ? subscribed(sql`${event.ownerId}`, sql`${event.type}`) : sql`select 1 from ${webhookEndpoints} w where w.id = ${onlyEndpoint} and w.owner_id = ${event.ownerId}`;
  const [, deliveries] = await db.batch([
    db.execute(sql`
      insert into ${webhookEvents} (id, owner_id, type, data)
      select ${event.id}, ${event.ownerId}, ${event.type}, ${JSON.stringify(event.data)}::jsonb
      where exists (${filter})
      on conflict (id) do nothing`),
    deliveriesFor(db, [event.id], onlyEndpoint),
  ]);
  return deliveryIdsOf(deliveries);
}

// ---- delivery -------------------------------------------------------------------------------------

export interface ClaimedDelivery {
  id: string;
  owner_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  attempt_count: number;
  data: Record<string, unknown>;
  event_created_at: string;
  url: string;
  secret_sealed: string;
  previous_secret_sealed: string | null;
  previous_valid: boolean | null;
  disabled_at: string | null;
}

/**
 * Takes a due, pending delivery for one attempt (a lease, so a duplicate message does not attempt
 * it at the same time) with its event and endpoint. Null when it is not pending, not due yet (a
 * stale message: the due one follows) or being attempted.
 */
export async function claimDelivery(db: Db, deliveryId: string, leaseSec: number): Promise<ClaimedDelivery | null> {
  const { rows } = (await db.execute(sql`
    with claimed as (
      update ${webhookDeliveries} set lease_expires_at = now() + make_interval(secs => ${leaseSec}), updated_at = now()
      where id = ${deliveryId} and status = 'pending' and next_attempt_at <= now() + interval '5 seconds'
        and (lease_expires_at is null or lease_expires_at < now())
      returning id, owner_id, endpoint_id, event_id, event_type, attempt_count
    )
    select c.*, e.data, e.created_at as event_created_at, w.url, w.secret_sealed, w.previous_secret_sealed,
      (w.previous_secret_expires_at > now()) as previous_valid, w.disabled_at
    from claimed c join ${webhookEvents} e on e.id = c.event_id join ${webhookEndpoints} w on w.id = c.endpoint_id`)) as unknown as {
    rows: ClaimedDelivery[];
  };
  return rows[0] ?? null;
}

export type AttemptOutcome = { kind: "succeeded" } | { kind: "retry"; delaySec: number } | { kind: "failed" };

/**
 * Records one attempt and its consequence in one batch: the delivery's new state, and the
 * endpoint's health: a success clears `failing_since`; a failure sets it, and disables the endpoint
 * once it has failed without a success for `disableAfterSec`. Returns whether the endpoint is now disabled.
 */
export async function recordAttempt(db: Db, delivery: Pick<ClaimedDelivery, "id" | "endpoint_id">, attempt: WebhookAttempt, outcome: AttemptOutcome, disableAfterSec: number) {
  const ok = outcome.kind === "succeeded";
  const [, [endpoint]] = await db.batch([
    db
      .update(webhookDeliveries)
      .set({
        status: outcome.kind === "retry" ? "pending" : outcome.kind,
        attempt_count: sql`${webhookDeliveries.attempt_count} + 1`,
        next_attempt_at: outcome.kind === "retry" ? sql`now() + make_interval(secs => ${outcome.delaySec})` : null,
        lease_expires_at: null,
        last_status_code: attempt.statusCode,
        last_error: attempt.error,
        last_latency_ms: attempt.latencyMs,
        attempts: sql`${webhookDeliveries.attempts} || ${JSON.stringify([attempt])}::jsonb`,
        updated_at: sql`now()`,
      })
      .where(eq(webhookDeliveries.id, delivery.id)),
    db
      .update(webhookEndpoints)
      .set(
        ok
          ? { failing_since: null }
          : {
              failing_since: sql`coalesce(${webhookEndpoints.failing_since}, now())`,
              disabled_at: sql`case when ${webhookEndpoints.failing_since} < now() - make_interval(secs => ${disableAfterSec}) then coalesce(${webhookEndpoints.disabled_at}, now()) else ${webhookEndpoints.disabled_at} end`,
              disabled_reason: sql`case when ${webhookEndpoints.failing_since} < now() - make_interval(secs => ${disableAfterSec})
                then coalesce(${webhookEndpoints.disabled_reason}, 'Every delivery failed since ' || to_char(${webhookEndpoints.failing_since} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || '; last error: ' || ${attempt.error ?? `HTTP ${attempt.statusCode}`}::text)
                else ${webhookEndpoints.disabled_reason} end`,
            },
      )
      .where(eq(webhookEndpoints.id, delivery.endpoint_id))
      .returning({ disabled_at: webhookEndpoints.disabled_at }),
  ]);
  return { endpointDisabled: Boolean(endpoint?.disabled_at) };
}

/** A delivery that will not be attempted (its endpoint is disabled): failed, with the reason. */
export async function abandonDelivery(db: Db, deliveryId: string, reason: string) {
  await db
    .update(webhookDeliveries)
    .set({ status: "failed", next_attempt_at: null, lease_expires_at: null, last_error: reason, updated_at: sql`now()` })
    .where(eq(webhookDeliveries.id, deliveryId));
}

/**
 * The sweep: pending deliveries overdue by `lostAfterSec` lost their queue message (the Worker
 * died between commit and send, or the send failed); they are made due again and returned for
 * sending. Events (and their deliveries) older than `retainDays` are removed.
 */
export async function sweepDeliveries(db: Db, lostAfterSec: number, retainDays: number) {
  const [overdue, , [pending]] = await db.batch([
    db
      .update(webhookDeliveries)
      .set({ next_attempt_at: sql`now()` })
      .where(
        and(
          eq(webhookDeliveries.status, "pending"),
          sql`${webhookDeliveries.next_attempt_at} < now() - make_interval(secs => ${lostAfterSec})`,
          sql`(${webhookDeliveries.lease_expires_at} is null or ${webhookDeliveries.lease_expires_at} < now())`,
        ),
      )
      .returning({ id: webhookDeliveries.id }),
    db.delete(webhookEvents).where(sql`${webhookEvents.created_at} < now() - make_interval(days => ${retainDays})`),
    db.select({ n: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.status, "pending")),
  ]);
  return { resend: overdue.map((r) => r.id), pending: pending?.n ?? 0 };
}
