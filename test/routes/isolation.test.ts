/**
 * Isolation between owners, route by route: owner B gets exactly the 404 of a missing id for
 * owner A's course, lecture, job, artifacts and exports, sees none of them in lists, and can
 * neither start, replay, overwrite nor delete them; an admin sees both owners' jobs, and reads one
 * owner's data by acting as it (Pegasus-Owner).
 *
 * Every refusal is compared with the answer to the same request for an id that does not exist
 * (status, content type and problem body but its requestId and instance), and every resource B
 * is refused is first shown to exist for A: a leak shows up as a 200, a 304, a 409, a 400 or a
 * different detail.
 *
 * The students are JWTs signed by a key published to a JWKS set of this file's own (the `default`
 * set is test/auth/jwt.test.ts's), so their requests go through `callWith` with AUTH_JWKS_URL.
 * The suites below run in order and share the fixture built in the first beforeAll.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createJobOrGetActive } from "../../src/db/jobs.ts";
import { ownerPrefix } from "../../src/pipeline/keys.ts";
import hashTables from "../fixtures/lectures/hash-tables.txt?raw";
import membranes from "../fixtures/lectures/cell-membranes.txt?raw";
import { callWith, uid } from "../support/http.ts";
import { execSql, sql, testServices } from "../support/jobs.ts";
import { jwksUrl, publish, sign, signingKey } from "../support/jwt.ts";
import { ingest, post, waitForJob, type IngestOptions } from "../support/lectures.ts";

const bucket = env.BUCKET as R2Bucket;

const JWKS_SET = `isolation-${crypto.randomUUID().slice(0, 8)}`;
const settings = { AUTH_JWKS_URL: jwksUrl(JWKS_SET) };
const inline = { ...settings, PLC_INLINE_JOBS: "1" };

const STAGES = ["transcribe", "generate", "export"] as const;
const EXPORT_TYPES = ["markdown", "anki", "pdf", "json"] as const;

/** Someone calling the API with one credential (and maybe more headers). */
interface Actor {
  label: string;
  /** The owner whose data the credential reads and writes. */
  owner: string;
  headers: Record<string, string>;
}

const actor = (label: string, owner: string, headers: Record<string, string> = {}): Actor => ({ label, owner, headers });
/** The admin token (added by `withCredential` when no Authorization is given), acting as no one. */
const admin = actor("admin", "local");
const actingAs = (owner: string) => actor(`admin as ${owner}`, owner, { "Pegasus-Owner": owner });
const withHeaders = (who: Actor, headers: Record<string, string>, label = who.label): Actor => ({ ...who, label, headers: { ...who.headers, ...headers } });

function request(who: Actor, method: string, path: string, headers: Record<string, string> = {}) {
  return callWith(settings, path, { method, headers: { ...who.headers, ...headers } });
}
const get = (who: Actor, path: string, headers?: Record<string, string>) => request(who, "GET", path, headers);
const postAs = (who: Actor, path: string, body?: unknown, overrides: Record<string, unknown> = settings) => post(path, body, overrides, who.headers);
const ingestAs = (who: Actor, o: Omit<IngestOptions, "overrides" | "headers">) => ingest({ ...o, overrides: settings, headers: who.headers });

async function ingestOkAs(who: Actor, o: Omit<IngestOptions, "overrides" | "headers">) {
  const res = await ingestAs(who, o);
  if (res.status !== 200) throw new Error(`${who.label}: ingest failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { lectureId: string; metadataPath: string; audioPath: string };
}

async function body<T = any>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as T;
  }
}

/** A 200's JSON body. */
async function read<T = any>(who: Actor, path: string): Promise<T> {
  const res = await get(who, path);
  const data = await body<T>(res);
  expect(res.status, `${who.label} GET ${path}: ${JSON.stringify(data)}`).toBe(200);
  return data;
}

/** Runs a stage in inline mode; the response carries the job's final status. */
async function stage(who: Actor, lectureId: string, name: (typeof STAGES)[number]) {
  const res = await postAs(who, `/lectures/${lectureId}/${name}`, name === "generate" ? {} : undefined, inline);
  const data = await body(res);
  if (res.status !== 200) throw new Error(`${who.label}: ${name} of ${lectureId}: ${res.status} ${JSON.stringify(data)}`);
  return data as { jobId: string; status: string; jobType: string; deduplicated?: boolean };
}

async function pipeline(who: Actor, lectureId: string) {
  const jobIds: string[] = [];
  for (const name of STAGES) {
    const started = await stage(who, lectureId, name);
    if (started.status !== "completed") throw new Error(`${who.label}: ${name} of ${lectureId} ${started.status}`);
    jobIds.push(started.jobId);
  }
  return jobIds;
}

/** What a client can tell about a response: everything but the request's own id and path. */
async function answer(res: Response) {
  const data = await body(res);
  if (data && typeof data === "object") {
    delete (data as Record<string, unknown>).requestId;
    delete (data as Record<string, unknown>).instance;
  }
  return { status: res.status, contentType: res.headers.get("content-type"), body: data };
}

/**
 * `who` gets for `path` exactly what it gets for `missingPath` (the same request naming ids that
 * do not exist), and that is a 404 with `code`.
 */
async function expectLikeMissing(send: (path: string) => Promise<Response>, path: string, missingPath: string, code: string, label: string) {
  const [theirs, missing] = [await answer(await send(path)), await answer(await send(missingPath))];
  expect(theirs, `${label} ${path}`).toEqual(missing);
  expect(missing.status, `${label} ${missingPath}`).toBe(404);
  expect(missing.body.code, `${label} ${missingPath}`).toBe(code);
}

interface Ids {
  course: string;
  lecture: string;
  job: string;
}

/** Every GET route that names a course, a lecture, a job or an export, with its not-found code. */
const readRoutes = ({ course, lecture, job }: Ids): [string, string][] => [
  [`/courses/${course}`, "course_not_found"],
  [`/courses/${course}/lectures`, "course_not_found"],
  [`/courses/${course}/threads`, "course_not_found"],
  [`/courses/${course}/progress`, "course_not_found"],
  [`/courses/${course}/progress?include_lectures=false`, "course_not_found"],
  [`/lectures/${lecture}`, "lecture_not_found"],
  [`/lectures/${lecture}/progress`, "lecture_not_found"],
  [`/lectures/${lecture}/summary`, "lecture_not_found"],
  [`/lectures/${lecture}/jobs`, "lecture_not_found"],
  [`/lectures/${lecture}/artifacts`, "lecture_not_found"],
  [`/lectures/${lecture}/artifacts?artifact_type=summary`, "lecture_not_found"],
  [`/jobs/${job}`, "job_not_found"],
  ...EXPORT_TYPES.map((type): [string, string] => [`/exports/${lecture}/${type}`, "lecture_not_found"]),
];

const missingIds = (): Ids => ({ course: uid("missing-course"), lecture: uid("missing-lec"), job: crypto.randomUUID() });

/** An owner's lecture as its reads show it: compared whole before and after another owner acts. */
async function snapshot(who: Actor, courseId: string, lectureId: string) {
  const paths = [
    `/courses/${courseId}`,
    `/courses/${courseId}/lectures`,
    `/courses/${courseId}/threads`,
    `/courses/${courseId}/progress`,
    `/courses/${courseId}/progress?include_lectures=false`,
    `/lectures/${lectureId}`,
    `/lectures/${lectureId}/progress`,
    `/lectures/${lectureId}/summary`,
    `/lectures/${lectureId}/jobs`,
    `/lectures/${lectureId}/artifacts`,
    `/jobs?lecture_id=${lectureId}`,
    ...EXPORT_TYPES.map((type) => `/exports/${lectureId}/${type}`),
  ];
  const views: Record<string, unknown> = {};
  for (const path of paths) {
    const res = await get(who, path);
    expect(res.status, `${who.label} GET ${path}`).toBe(200);
    views[path] = path.startsWith("/exports/") ? await sha256(await res.arrayBuffer()) : await res.json();
  }
  return views;
}

async function sha256(data: ArrayBuffer | string) {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The owner's stored objects: key → etag (the content's MD5). */
async function storedObjects(owner: string): Promise<Record<string, string>> {
  const objects: Record<string, string> = {};
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: `${ownerPrefix(owner)}/`, cursor });
    for (const o of page.objects) objects[o.key] = o.etag;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return objects;
}

const jobIdsOf = (page: { jobs: { id: string }[] }) => page.jobs.map((j) => j.id).sort();

// ---------------------------------------------------------------------------------------------
// The fixture: students A and B (JWTs with distinct random subs). A's lecture went through every
// stage, after a failed export (a failed job to replay); B has a transcribed lecture of its own.

let A: Actor;
let B: Actor;
const a = { course: uid("course-a"), lecture: uid("lec-a"), jobs: [] as string[], failedJob: "" };
const b = { course: uid("course-b"), lecture: uid("lec-b"), jobs: [] as string[] };
/** A's course and lecture, and one of A's jobs (the failed one unless named). */
const aIds = (job = a.jobs[0]!): Ids => ({ course: a.course, lecture: a.lecture, job });

/** Every read route on these ids (and these more jobs), paired with the same route on missing ids. */
function routePairs(ids: Ids, moreJobs: string[] = []): { path: string; missingPath: string; code: string }[] {
  const missing = readRoutes(missingIds());
  const pairs = readRoutes(ids).map(([path, code], i) => ({ path, code, missingPath: missing[i]![0] }));
  for (const job of moreJobs) pairs.push({ path: `/jobs/${job}`, code: "job_not_found", missingPath: `/jobs/${crypto.randomUUID()}` });
  return pairs;
}

/** Every read route on A's data, each of A's jobs included. */
const aReadRoutes = () => routePairs(aIds(), a.jobs.slice(1));
/** Every read route on B's data. */
const bReadRoutes = () => routePairs({ course: b.course, lecture: b.lecture, job: b.jobs[0]! });

beforeAll(async () => {
  const key = await signingKey("ES256");
  await publish(JWKS_SET, [key]);
  const student = async (label: string, sub: string) => actor(label, sub, { Authorization: `Bearer ${await sign(key, { sub })}` });
  A = await student("student A", `auth0|a-${crypto.randomUUID()}`);
  B = await student("student B", `google-oauth2|b-${crypto.randomUUID()}`);
  expect(A.owner).not.toBe(B.owner);

  await ingestOkAs(A, { courseId: a.course, lectureId: a.lecture, courseTitle: "Cell Biology", file: new Blob([membranes]), filename: "membranes.txt" });
  const failed = await stage(A, a.lecture, "export"); // before generation: fails (no artifacts)
  expect(failed.status).toBe("failed");
  a.failedJob = failed.jobId;
  a.jobs = [failed.jobId, ...(await pipeline(A, a.lecture))];

  await ingestOkAs(B, { courseId: b.course, lectureId: b.lecture, courseTitle: "Algorithms", file: new Blob([hashTables]), filename: "hashing.txt" });
  const transcribed = await stage(B, b.lecture, "transcribe");
  expect(transcribed.status).toBe("completed");
  b.jobs = [transcribed.jobId];
});

describe("owner A's data, as owner A sees it (the resources B is refused exist)", () => {
  it("every read route answers A with 200, the exports with their files", async () => {
    for (const { path } of aReadRoutes()) {
      expect((await get(A, path)).status, `A GET ${path}`).toBe(200);
      expect((await request(A, "HEAD", path)).status, `A HEAD ${path}`).toBe(200);
    }
    const lecture = await read(A, `/lectures/${a.lecture}`);
    expect(lecture).toMatchObject({ id: a.lecture, course_id: a.course, status: "transcribed" });
    expect(lecture.audio_path).toContain(`/${ownerPrefix(A.owner)}/audio/`);
    const summary = await read(A, `/lectures/${a.lecture}/summary`);
    expect(summary).toMatchObject({ artifactCount: 5, exportCount: 4, overallStatus: "completed" });
    expect((await read(A, `/jobs/${a.failedJob}`)).status).toBe("failed");
    expect((await read(A, `/courses/${a.course}/threads`)).threads.length).toBeGreaterThan(0);
  });
});

describe("owner B on owner A's data", () => {
  it("gets, on every GET route, the 404 of an id that does not exist (GET and HEAD)", async () => {
    for (const { path, missingPath, code } of aReadRoutes()) {
      await expectLikeMissing((p) => get(B, p), path, missingPath, code, "B GET");
      const [head, missingHead] = [await request(B, "HEAD", path), await request(B, "HEAD", missingPath)];
      expect(head.status, `B HEAD ${path}`).toBe(404);
      expect(missingHead.status).toBe(404);
    }
    // An export type that does not exist answers the same whoever owns the lecture.
    await expectLikeMissing((p) => get(B, p), `/exports/${a.lecture}/docx`, `/exports/${uid("missing-lec")}/docx`, "export_not_found", "B GET");
  });

  it("gets a 404, not a 304, when it sends the ETag A was given (no existence or freshness oracle)", async () => {
    const missing = missingIds();
    for (const [path, missingPath, code] of [
      [`/lectures/${a.lecture}/progress`, `/lectures/${missing.lecture}/progress`, "lecture_not_found"],
      [`/courses/${a.course}/progress`, `/courses/${missing.course}/progress`, "course_not_found"],
      [`/jobs/${a.jobs[1]}`, `/jobs/${missing.job}`, "job_not_found"],
    ] as const) {
      const etag = (await get(A, path)).headers.get("etag");
      expect(etag, path).toBeTruthy();
      expect((await get(A, path, { "If-None-Match": etag! })).status, `A revalidates ${path}`).toBe(304);
      await expectLikeMissing((p) => get(B, p, { "If-None-Match": etag! }), path, missingPath, code, "B GET If-None-Match");
    }
  });

  it("lists none of A's courses, lectures or jobs, its own ones only", async () => {
    const [aCourses, aLectures, aJobs] = [await read(A, "/courses?limit=500"), await read(A, "/lectures?limit=500"), await read(A, "/jobs?limit=500")];
    expect(aCourses.courses.map((c: { id: string }) => c.id)).toContain(a.course);
    expect(aLectures.lectures.map((l: { id: string }) => l.id)).toContain(a.lecture);
    expect(jobIdsOf(aJobs)).toEqual(expect.arrayContaining(a.jobs));

    const courses = await read(B, "/courses?limit=500");
    expect(courses.courses.map((c: { id: string }) => c.id)).toContain(b.course);
    expect(courses.courses.map((c: { id: string }) => c.id)).not.toContain(a.course);
    for (const course of aCourses.courses) expect(courses.courses).not.toContainEqual(course);

    const lectures = await read(B, "/lectures?limit=500");
    expect(lectures.lectures.map((l: { id: string }) => l.id)).toContain(b.lecture);
    expect(lectures.lectures.map((l: { id: string }) => l.id)).not.toContain(a.lecture);
    for (const lecture of aLectures.lectures) expect(lectures.lectures).not.toContainEqual(lecture);

    const jobs = await read(B, "/jobs?limit=500");
    expect(jobIdsOf(jobs)).toEqual(expect.arrayContaining(b.jobs));
    for (const id of jobIdsOf(aJobs)) expect(jobIdsOf(jobs)).not.toContain(id);
    expect(jobs.pagination.total).toBe(jobs.jobs.length);

    // Filtered by A's ids: A finds its items, B nothing at all (empty page, total 0).
    for (const [path, items, expected] of [
      [`/lectures?course_id=${a.course}`, "lectures", [a.lecture]],
      [`/jobs?lecture_id=${a.lecture}`, "jobs", a.jobs],
      [`/jobs?course_id=${a.course}`, "jobs", a.jobs],
      [`/jobs?lecture_id=${a.lecture}&status=failed`, "jobs", [a.failedJob]],
    ] as const) {
      const own = await read(A, path);
      expect(own[items].map((x: { id: string }) => x.id).sort(), `A ${path}`).toEqual([...expected].sort());
      const other = await read(B, path);
      expect(other[items], `B ${path}`).toEqual([]);
      expect(other.pagination.total, `B ${path}`).toBe(0);
    }
  });

  it("cannot start a stage of A's lecture: the 404 of a missing lecture, and no job is made", async () => {
    const before = await snapshot(A, a.course, a.lecture);
    const missing = uid("missing-lec");
    const cases: [string, unknown][] = [
      ["transcribe", undefined],
      ["transcribe?model=base", undefined],
      ["generate", {}],
      // Were the lecture visible, these would be 400 course_mismatch / preset_mismatch.
      ["generate", { course_id: "another-course" }],
      ["generate", { course_id: a.course, preset_id: "beginner-mode" }],
      ["export", undefined],
    ];
    for (const overrides of [settings, inline])
      for (const [action, payload] of cases) {
        const send = (path: string) => postAs(B, path, payload, overrides);
        await expectLikeMissing(send, `/lectures/${a.lecture}/${action}`, `/lectures/${missing}/${action}`, "lecture_not_found", `B POST ${JSON.stringify(payload)}`);
      }
    expect(await snapshot(A, a.course, a.lecture)).toEqual(before);
    // No job for that lecture id under any owner but A's.
    expect(jobIdsOf(await read(admin, `/jobs?lecture_id=${a.lecture}&limit=500`))).toEqual([...a.jobs].sort());
  });

  it("cannot replay A's jobs, failed or not: the 404 of a missing job (not a 409), and nothing runs", async () => {
    const before = await snapshot(A, a.course, a.lecture);
    for (const job of a.jobs)
      await expectLikeMissing((p) => postAs(B, p), `/jobs/${job}/replay`, `/jobs/${crypto.randomUUID()}/replay`, "job_not_found", "B POST");
    // Replaying it is what A may do: the failed job is replayable, a completed one a 409.
    expect((await postAs(A, `/jobs/${a.jobs[1]}/replay`)).status).toBe(409);
    expect(await snapshot(A, a.course, a.lecture)).toEqual(before);
    expect(jobIdsOf(await read(admin, `/jobs?lecture_id=${a.lecture}&limit=500`))).toEqual([...a.jobs].sort());
  });

  it("cannot upload into A's namespace with Pegasus-Owner, nor act as anyone: 403 whether the target exists or not", async () => {
    const before = await snapshot(A, a.course, a.lecture);
    const objects = await storedObjects(A.owner);
    const detail = "Only an admin credential may act as another owner (Pegasus-Owner).";
    for (const owner of [A.owner, B.owner]) {
      const asOwner = withHeaders(B, { "Pegasus-Owner": owner }, `B as ${owner}`);
      for (const { path, missingPath } of aReadRoutes()) {
        const [theirs, absent] = [await answer(await get(asOwner, path)), await answer(await get(asOwner, missingPath))];
        expect(theirs, `${asOwner.label} GET ${path}`).toEqual(absent);
        expect(theirs.status).toBe(403);
        expect(theirs.body).toMatchObject({ code: "insufficient_scope", detail });
      }
      for (const path of ["/courses", "/lectures", "/jobs", `/lectures/${b.lecture}`]) expect((await get(asOwner, path)).status, path).toBe(403);
      const upload = await ingestAs(asOwner, { courseId: a.course, lectureId: a.lecture, file: new Blob(["Overwritten by B."]) });
      expect(upload.status).toBe(403);
      expect((await postAs(asOwner, `/lectures/${a.lecture}/transcribe`)).status).toBe(403);
    }
    expect(await snapshot(A, a.course, a.lecture)).toEqual(before);
    expect(await storedObjects(A.owner)).toEqual(objects);
  });
});

describe("API keys", () => {
  let key: { id: string; key: string; owner: string; scopes: string[] };
  let reader: Actor;

  beforeAll(async () => {
    const res = await postAs(A, "/api-keys", { name: "A's dashboard", scopes: ["read"] });
    key = await body(res);
    expect(res.status, JSON.stringify(key)).toBe(201);
    reader = actor("A's read key", A.owner, { Authorization: `Bearer ${key.key}` });
  });

  it("a read key made by A belongs to A: it reads A's lecture and lists only A's data", async () => {
    expect(key).toMatchObject({ owner: A.owner, scopes: ["read"] });
    for (const path of [`/lectures/${a.lecture}`, `/courses/${a.course}`, `/lectures/${a.lecture}/artifacts`, `/jobs/${a.failedJob}`])
      expect(await read(reader, path), path).toEqual(await read(A, path));
    for (const path of ["/courses?limit=500", "/lectures?limit=500", "/jobs?limit=500"]) expect(await read(reader, path), path).toEqual(await read(A, path));
    const lectures = (await read(reader, "/lectures?limit=500")).lectures.map((l: { id: string }) => l.id);
    expect(lectures).toContain(a.lecture);
    expect(lectures).not.toContain(b.lecture);
    // B's data is as missing to it as to A.
    for (const { path, missingPath, code } of bReadRoutes()) await expectLikeMissing((p) => get(reader, p), path, missingPath, code, "A's read key GET");
  });

  it("a read key cannot start a stage, upload or make keys: 403, and nothing changes", async () => {
    const before = await snapshot(A, a.course, a.lecture);
    for (const [action, payload] of [["transcribe", undefined], ["generate", {}], ["export", undefined]] as const) {
      const res = await postAs(reader, `/lectures/${a.lecture}/${action}`, payload, inline);
      expect(res.status, action).toBe(403);
      expect(await body(res)).toMatchObject({ code: "insufficient_scope", detail: "This request needs the `write` scope." });
    }
    expect((await postAs(reader, `/jobs/${a.failedJob}/replay`)).status).toBe(403);
    expect((await ingestAs(reader, { courseId: a.course, lectureId: a.lecture })).status).toBe(403);
    expect((await postAs(reader, "/api-keys", { name: "x", scopes: ["read"] })).status).toBe(403);
    expect((await get(withHeaders(reader, { "Pegasus-Owner": A.owner }), `/lectures/${a.lecture}`)).status).toBe(403);
    expect(await snapshot(A, a.course, a.lecture)).toEqual(before);
  });

  it("B neither lists A's key nor revokes it (the 404 of a missing key), nor makes one for A", async () => {
    const listed = await read(B, "/api-keys");
    expect(listed.apiKeys.map((k: { id: string }) => k.id)).not.toContain(key.id);
    const remove = (path: string) => request(B, "DELETE", path);
    await expectLikeMissing(remove, `/api-keys/${key.id}`, `/api-keys/${crypto.randomUUID()}`, "api_key_not_found", "B DELETE");
    expect((await get(reader, `/lectures/${a.lecture}`)).status).toBe(200);
    expect((await read(A, "/api-keys")).apiKeys.map((k: { id: string }) => k.id)).toEqual([key.id]);

    const forA = await postAs(B, "/api-keys", { name: "for A", scopes: ["read"], owner: A.owner });
    expect(forA.status).toBe(403);
    expect((await read(A, "/api-keys")).apiKeys.map((k: { id: string }) => k.id)).toEqual([key.id]);
  });
});

describe("admin", () => {
  it("sees A's and B's jobs (GET /jobs, GET /jobs/{id}) when acting as no one", async () => {
    expect(jobIdsOf(await read(admin, `/jobs?lecture_id=${a.lecture}&limit=500`))).toEqual([...a.jobs].sort());
    expect(jobIdsOf(await read(admin, `/jobs?lecture_id=${b.lecture}&limit=500`))).toEqual([...b.jobs].sort());
    expect(jobIdsOf(await read(admin, `/jobs?course_id=${a.course}&limit=500`))).toEqual([...a.jobs].sort());
    for (const [owner, job] of [[A, a.jobs[0]!], [A, a.jobs[3]!], [B, b.jobs[0]!]] as const) expect(await read(admin, `/jobs/${job}`)).toEqual(await read(owner, `/jobs/${job}`));
  });

  it("with Pegasus-Owner reads that owner's lecture and course, and only that owner's", async () => {
    const asA = actingAs(A.owner);
    for (const path of [`/lectures/${a.lecture}`, `/courses/${a.course}`, `/lectures/${a.lecture}/artifacts`, "/lectures?limit=500", "/courses?limit=500"])
      expect(await read(asA, path), path).toEqual(await read(A, path));
    expect(await read(actingAs(B.owner), `/lectures/${b.lecture}`)).toEqual(await read(B, `/lectures/${b.lecture}`));
    // Acting as A, B's data (jobs included) is missing.
    for (const { path, missingPath, code } of bReadRoutes()) await expectLikeMissing((p) => get(asA, p), path, missingPath, code, "admin as A GET");
    expect((await read(asA, `/jobs?lecture_id=${b.lecture}`)).jobs).toEqual([]);
  });

  it("may replay A's failed job; the new job is A's", async () => {
    const res = await postAs(admin, `/jobs/${a.failedJob}/replay`);
    const replay = await body(res);
    expect(res.status, JSON.stringify(replay)).toBe(200);
    expect(replay).toMatchObject({ jobType: "export", replayedFromJobId: a.failedJob });
    expect((await waitForJob(replay.jobId)).status).toBe("completed");
    expect(await read(A, `/jobs/${replay.jobId}`)).toMatchObject({ lectureId: a.lecture, replayedFromJobId: a.failedJob });
    await expectLikeMissing((p) => get(B, p), `/jobs/${replay.jobId}`, `/jobs/${crypto.randomUUID()}`, "job_not_found", "B GET");
    a.jobs.push(replay.jobId);
  });
});

describe("two owners, one lecture id: B's upload of A's lecture_id and course_id makes B's own lecture", () => {
  // Literal ids, as two students would both pick them: the owners are fresh, so nothing else has them.
  const courseId = "course-bio";
  const lectureId = "lec-001";
  let aBefore: Record<string, unknown>;
  let aObjects: Record<string, string>;
  let aJobs: string[];
  let bJobs: string[];
  let bUpload: { lectureId: string; metadataPath: string; audioPath: string };
  let bTranscribe: { jobId: string; deduplicated?: boolean };
  let strayJobId: string;

  beforeAll(async () => {
    await ingestOkAs(A, { courseId, lectureId, courseTitle: "A's Biology", file: new Blob([membranes]), filename: "membranes.txt" });
    aJobs = await pipeline(A, lectureId);
    aBefore = await snapshot(A, courseId, lectureId);
    aObjects = await storedObjects(A.owner);

    bUpload = await ingestOkAs(B, {
      courseId,
      lectureId,
      courseTitle: "B's Algorithms",
      presetId: "beginner-mode",
      title: "Hash Tables",
      file: new Blob([hashTables]),
      filename: "hashing.txt",
    });
    // A has an active transcription of lec-001 (a row with no queue message): B's must not be
    // deduplicated against it.
    strayJobId = crypto.randomUUID();
    await createJobOrGetActive(testServices().db, { id: strayJobId, ownerId: A.owner, lectureId, jobType: "transcription", params: { model: "base" }, maxAttempts: 4, enqueued: true });
    try {
      bTranscribe = await stage(B, lectureId, "transcribe");
    } finally {
      await execSql(sql`delete from jobs where id = ${strayJobId}`);
    }
    bJobs = [bTranscribe.jobId];
    for (const name of ["generate", "export"] as const) {
      const started = await stage(B, lectureId, name);
      if (started.status !== "completed") throw new Error(`B: ${name} of ${lectureId} ${started.status}`);
      bJobs.push(started.jobId);
    }
  });

  it("B's upload and stages are B's: own storage keys, own jobs, never deduplicated against A's", async () => {
    const prefix = `r2://pegasus-media/${ownerPrefix(B.owner)}/`;
    expect(bUpload.audioPath.startsWith(`${prefix}audio/`)).toBe(true);
    expect(bUpload.metadataPath).toBe(`${prefix}metadata/${lectureId}.json`);
    expect(bTranscribe.jobId).not.toBe(strayJobId);
    expect(bTranscribe.deduplicated).toBeUndefined();
    expect(bTranscribe).toMatchObject({ status: "completed", jobType: "transcription" });
    for (const id of bJobs) expect(aJobs).not.toContain(id);
  });

  it("both have lec-001 at once, with different content", async () => {
    const [lectureA, lectureB] = [await read(A, `/lectures/${lectureId}`), await read(B, `/lectures/${lectureId}`)];
    expect(lectureA).toMatchObject({ id: lectureId, course_id: courseId, preset_id: "exam-mode", title: "Cell Membranes", checksum_sha256: await sha256(membranes) });
    expect(lectureB).toMatchObject({ id: lectureId, course_id: courseId, preset_id: "beginner-mode", title: "Hash Tables", checksum_sha256: await sha256(hashTables) });
    expect((await read(A, `/courses/${courseId}`)).title).toBe("A's Biology");
    expect((await read(B, `/courses/${courseId}`)).title).toBe("B's Algorithms");

    const summaryOf = async (who: Actor) => JSON.stringify((await read(who, `/lectures/${lectureId}/artifacts?artifact_type=summary`)).artifacts.summary).toLowerCase();
    const [summaryA, summaryB] = [await summaryOf(A), await summaryOf(B)];
    expect(summaryA).toContain("membrane");
    expect(summaryA).not.toContain("hash");
    expect(summaryB).toContain("hash");
    expect(summaryB).not.toContain("membrane");
    expect(await (await get(A, `/exports/${lectureId}/markdown`)).text()).not.toBe(await (await get(B, `/exports/${lectureId}/markdown`)).text());

    const threads = async (who: Actor) => (await read(who, `/courses/${courseId}/threads`)).threads.map((t: { id: string }) => t.id);
    const [threadsA, threadsB] = [await threads(A), await threads(B)];
    expect(threadsA.length).toBeGreaterThan(0);
    expect(threadsB.length).toBeGreaterThan(0);
    for (const id of threadsB) expect(threadsA).not.toContain(id);
    // Filters naming the shared ids find each owner's own items only.
    for (const [who, jobs, lecture] of [[A, aJobs, lectureA], [B, bJobs, lectureB]] as const) {
      expect(jobIdsOf(await read(who, `/jobs?lecture_id=${lectureId}`)), who.label).toEqual([...jobs].sort());
      expect(jobIdsOf(await read(who, `/jobs?course_id=${courseId}`)), who.label).toEqual([...jobs].sort());
      expect((await read(who, `/lectures?course_id=${courseId}`)).lectures, who.label).toEqual([lecture]);
      expect((await read(who, `/courses/${courseId}/lectures`)).lectures, who.label).toEqual([lecture]);
    }
  });

  it("A's lecture, transcript, artifacts, exports and jobs read as before B's upload and stages", async () => {
    expect(await snapshot(A, courseId, lectureId)).toEqual(aBefore);
  });

  it("A's stored objects under owners/<A>/ are all still there, unchanged", async () => {
    const after = await storedObjects(A.owner);
    expect(after).toEqual(aObjects);
    const root = `${ownerPrefix(A.owner)}/`;
    const keys = Object.keys(after);
    for (const expected of [`metadata/${lectureId}.json`, `transcripts/${lectureId}.json`, `artifacts/${lectureId}/summary.json`, `exports/${lectureId}.json`])
      expect(keys, expected).toContain(root + expected);
    expect(keys.filter((k) => k.startsWith(`${root}exports/${lectureId}/`))).toHaveLength(EXPORT_TYPES.length);
    const lecture = await read(A, `/lectures/${lectureId}`);
    expect(keys).toContain(lecture.audio_path.replace("r2://pegasus-media/", ""));
    // B's objects are B's own.
    for (const key of Object.keys(await storedObjects(B.owner))) expect(key.startsWith(`${ownerPrefix(B.owner)}/`)).toBe(true);
  });

  it("an upload of A's lecture_id into another course is B's new lecture, not a 409 that reveals A's course", async () => {
    const other = "lec-002";
    await ingestOkAs(A, { courseId: "course-physics", lectureId: other });
    const res = await ingestAs(B, { courseId: "course-chem", lectureId: other });
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await read(B, `/lectures/${other}`)).course_id).toBe("course-chem");
    expect((await read(A, `/lectures/${other}`)).course_id).toBe("course-physics");
    expect(await snapshot(A, courseId, lectureId)).toEqual(aBefore);
  });

  it("admin sees both owners' jobs of lec-001; acting as one owner, only that owner's", async () => {
    const all = jobIdsOf(await read(admin, `/jobs?lecture_id=${lectureId}&limit=500`));
    expect(all).toEqual(expect.arrayContaining([...aJobs, ...bJobs]));
    for (const [owner, job] of [...aJobs.map((j) => [A, j] as const), ...bJobs.map((j) => [B, j] as const)])
      expect(await read(admin, `/jobs/${job}`)).toEqual(await read(owner, `/jobs/${job}`));
    expect(jobIdsOf(await read(actingAs(A.owner), `/jobs?lecture_id=${lectureId}`))).toEqual([...aJobs].sort());
    expect(jobIdsOf(await read(actingAs(B.owner), `/jobs?lecture_id=${lectureId}`))).toEqual([...bJobs].sort());
    expect(await read(actingAs(A.owner), `/lectures/${lectureId}`)).toEqual(await read(A, `/lectures/${lectureId}`));
    expect(await read(actingAs(A.owner), `/courses/${courseId}`)).toEqual(await read(A, `/courses/${courseId}`));
    expect(await read(actingAs(B.owner), `/lectures/${lectureId}`)).toEqual(await read(B, `/lectures/${lectureId}`));
  });
});

// ---------------------------------------------------------------------------------------------
// Deletion: B cannot delete A's data (the 404 of a missing id, nothing removed); an admin acting
// as A can; A's own DELETE removes A's data and leaves B's, even under the same ids. Last, as it
// removes A's fixture.
describe("DELETE /lectures/{id} and /courses/{id} across owners", () => {
  const remove = (who: Actor, path: string) => request(who, "DELETE", path);

  it("B's DELETE of A's lecture or course is the 404 of a missing one and removes nothing", async () => {
    const before = await snapshot(A, a.course, a.lecture);
    const objects = await storedObjects(A.owner);
    const missing = missingIds();
    await expectLikeMissing((path) => remove(B, path), `/lectures/${a.lecture}`, `/lectures/${missing.lecture}`, "lecture_not_found", "B DELETE");
    await expectLikeMissing((path) => remove(B, path), `/courses/${a.course}`, `/courses/${missing.course}`, "course_not_found", "B DELETE");
    expect(await snapshot(A, a.course, a.lecture)).toEqual(before);
    expect(await storedObjects(A.owner)).toEqual(objects);
  });

  it("a read-scope key of A cannot delete; an admin acting as A can, and then it is gone for A", async () => {
    const created = await postAs(A, "/api-keys", { name: "viewer", scopes: ["read"] });
    expect(created.status).toBe(201);
    const viewer = actor("A's read key", A.owner, { Authorization: `Bearer ${(await body(created)).key}` });
    expect((await remove(viewer, `/lectures/${a.lecture}`)).status).toBe(403);

    const lectureId = uid("lec-a-del");
    await ingestOkAs(A, { courseId: a.course, lectureId, file: new Blob([membranes]), filename: "membranes.txt" });
    expect((await remove(actingAs(A.owner), `/lectures/${lectureId}`)).status).toBe(204);
    expect((await get(A, `/lectures/${lectureId}`)).status).toBe(404);
  });

  it("A deletes A's course: A's objects are gone, B's data under its own ids is untouched", async () => {
    const bLecture = await read(B, `/lectures/${b.lecture}`);
    const bObjects = await storedObjects(B.owner);
    expect(Object.keys(await storedObjects(A.owner)).length).toBeGreaterThan(0);
    expect((await remove(A, `/courses/${a.course}`)).status).toBe(204);
    expect((await get(A, `/lectures/${a.lecture}`)).status).toBe(404);
    expect((await get(A, `/courses/${a.course}`)).status).toBe(404);
    expect(Object.keys(await storedObjects(A.owner)).filter((key) => key.includes(a.lecture))).toEqual([]);
    expect(await storedObjects(B.owner)).toEqual(bObjects);
    expect(await read(B, `/lectures/${b.lecture}`)).toEqual(bLecture);
    expect((await remove(A, `/courses/${a.course}`)).status).toBe(404);
  });
});
