/**
 * Section I: search. The seeded course's 1,000 lectures get 150 transcript segments each (150,000
 * in all) and a second course gets 100 lectures × 150, each course in one bulk statement (the
 * stored tsvector column and its GIN index are maintained by Postgres as the rows go in). Then
 * GET /courses/{id}/search is timed on both courses for queries from rare to common: database
 * round trips per request, median and p95. A rare term planted in the same number of segments of
 * each course shows the index at work: its latency should not grow with the course (sub-linear),
 * while a common term's grows with the number of matches it has to rank.
 */
import { neon } from "@neondatabase/serverless";
import { api, databaseUrl, gateway, quiet } from "./client.ts";
import { lectureText } from "./lecture-text.ts";
import { ms, problems, quantile, section, table } from "./report.ts";
import { COURSE, FEATURED, OWNER } from "./seed.ts";
import { REQUESTS } from "./settings.ts";

type SqlClient = { query: (text: string, params?: unknown[]) => Promise<unknown> };

const SEGMENTS_PER_LECTURE = 150;
const SMALL_COURSE = "bench-search-100";
const SMALL_LECTURES = 100;
/** Planted in segment 7 of this many lectures of each course, whatever its size. */
const RARE_TERM = "zygomorphic";
const RARE_LECTURES = 10;
/** The rare term may cost at most this many times more on the large course than on the small one. */
const SUBLINEAR_RATIO = 3;

const QUERIES: [label: string, query: string][] = [
  ["rare term (10 segments)", RARE_TERM],
  ["two words (AND)", "membrane voltage"],
  ["phrase", '"water potential"'],
  ["word -word", "osmosis -water"],
  ["common term", "gradient"],
];

/** The bench lectures' sentences: the pool the seeded segments draw from. */
function sentencePool(): string[] {
  const pool = new Set<string>();
  for (let n = 0; n < 48; n++) for (const s of lectureText(n).split(/(?<=[.?!])\s+/)) if (s.trim().length > 20) pool.add(s.trim());
  return [...pool];
}

/** One statement: 150 segments for each lecture of the course that has none, drawn from the pool, the rare term planted. */
async function seedSegments(sql: SqlClient, courseId: string, pool: string[]) {
  await sql.query(
    `insert into transcript_segments (owner_id, lecture_id, segment_index, start_sec, end_sec, text)
     select l.owner_id, l.id, g.i, g.i * 20, g.i * 20 + 20,
       case when g.i = 7 and l.rn <= $5 then p.pool->>(abs(hashtext(l.id || g.i)) % $4) || ' The flower is ${RARE_TERM}.'
            else p.pool->>(abs(hashtext(l.id || g.i)) % $4) end
     from (select owner_id, id, row_number() over (order by id) as rn from lectures
           where owner_id = $1 and course_id = $2 and id <> $6
             and not exists (select 1 from transcript_segments s where s.owner_id = lectures.owner_id and s.lecture_id = lectures.id)) l
     cross join generate_series(0, ${SEGMENTS_PER_LECTURE - 1}) as g(i)
     cross join (select $3::jsonb as pool) p`,
    [OWNER, courseId, JSON.stringify(pool), pool.length, RARE_LECTURES, FEATURED],
  );
}

async function timedSearch(path: string) {
  const t0 = performance.now();
  const res = await api(path);
  const body = (await res.json()) as { pagination?: { total: number } };
  if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return { ms: performance.now() - t0, total: body.pagination?.total ?? 0 };
}

export async function searchBench() {
  section(`I. Search: ${REQUESTS} sequential GET /courses/{id}/search per query, on 1,000 and ${SMALL_LECTURES} lectures × ${SEGMENTS_PER_LECTURE} segments`);
  const sql = neon(databaseUrl);
  const pool = sentencePool();
  const t0 = Date.now();
  await sql.query(`insert into courses (owner_id, id, title) values ($1, $2, 'Search bench (100 lectures)') on conflict do nothing`, [OWNER, SMALL_COURSE]);
  await sql.query(
    `insert into lectures (owner_id, id, course_id, preset_id, title, status, duration_sec)
     select $1, 'small-' || lpad(i::text, 3, '0'), $2, 'exam-mode', 'Search bench lecture ' || i, 'transcribed', 3000
     from generate_series(1, ${SMALL_LECTURES}) as i on conflict do nothing`,
    [OWNER, SMALL_COURSE],
  );
  for (const course of [COURSE, SMALL_COURSE]) await seedSegments(sql, course, pool);
  const counts = (await sql.query(
    `select l.course_id, count(*)::int as segments from transcript_segments s join lectures l on l.owner_id = s.owner_id and l.id = s.lecture_id
     where s.owner_id = $1 and l.course_id in ($2, $3) group by l.course_id`,
    [OWNER, COURSE, SMALL_COURSE],
  )) as { course_id: string; segments: number }[];
  await sql.query("analyze transcript_segments");
  const segments = Object.fromEntries(counts.map((c) => [c.course_id, c.segments]));
  console.log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${segments[COURSE]} segments in ${COURSE}, ${segments[SMALL_COURSE]} in ${SMALL_COURSE} (one insert each)`);
  await quiet();

  const rows: (string | number)[][] = [];
  const medians = new Map<string, number>();
  for (const [label, query] of QUERIES) {
    for (const [course, size] of [[COURSE, 1000], [SMALL_COURSE, SMALL_LECTURES]] as const) {
      const path = `/courses/${course}/search?q=${encodeURIComponent(query)}&limit=20`;
      for (let i = 0; i < 3; i++) await timedSearch(path);
      const before = gateway.requestCount();
      const samples: number[] = [];
      let total = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const sample = await timedSearch(path);
        samples.push(sample.ms);
        total = sample.total;
      }
      const rt = (gateway.requestCount() - before) / REQUESTS;
      if (rt !== 1) problems.push(`search "${query}" on ${size} lectures costs ${rt} database round trips per request (expected 1)`);
      const median = quantile(samples, 0.5);
      medians.set(`${label}|${size}`, median);
      rows.push([label, `${size}`, total, rt, ms(median), ms(quantile(samples, 0.95))]);
    }
  }
  table(["query", "lectures", "hits", "round trips", "median ms", "p95 ms"], rows);
  for (const [label] of QUERIES) {
    const ratio = medians.get(`${label}|1000`)! / medians.get(`${label}|${SMALL_LECTURES}`)!;
    console.log(`${label}: 1,000 lectures take ${ratio.toFixed(2)}x the time of ${SMALL_LECTURES} (10x the segments)`);
  }
  const rare = medians.get(`${QUERIES[0]![0]}|1000`)! / medians.get(`${QUERIES[0]![0]}|${SMALL_LECTURES}`)!;
  if (rare > SUBLINEAR_RATIO) problems.push(`search for a rare term is ${rare.toFixed(1)}x slower on 1,000 lectures than on ${SMALL_LECTURES} (goal at most ${SUBLINEAR_RATIO}x: the GIN index should make it sub-linear)`);
  const at = (label: string, size: number) => ms(medians.get(`${label}|${size}`)!);
  const summary = `search (median ms, 1,000 vs ${SMALL_LECTURES} lectures, 1 round trip each): ${QUERIES.map(([label]) => `${label} ${at(label, 1000)}/${at(label, SMALL_LECTURES)}`).join(", ")}`;
  return { medians, summary };
}
