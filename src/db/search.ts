/**
 * Search over transcript segments and artifact items: one statement per request, whatever is
 * asked. Full-text matching uses the stored `search_vector` columns (GIN-indexed, computed by
 * Postgres on every write) with `websearch_to_tsquery`, ranked by `ts_rank_cd`, with
 * `ts_headline` snippets (computed for the page only). With a query embedding, the same statement
 * also ranks by cosine similarity (embeddings are unit length, so a dot product) over a bounded
 * candidate set and fuses the two rankings by reciprocal rank before paging.
 */
import { sql, type SQL } from "drizzle-orm";
import { RRF_K, type Passage, type PassageKind } from "../domain/search/passages.ts";
import type { Db } from "./client.ts";
import { jobGuard, type JobClaim } from "./job-guard.ts";
import type { LectureKey } from "./owner.ts";
import { SEARCH_CONFIG } from "./schema.ts";

export type SearchScope = { owner: string; courseId: string; lectureIds?: string[] } | { owner: string; lectureId: string };

export interface SearchRequest {
  scope: SearchScope;
  query: string;
  /**
   * `all`: web-search syntax (quoted phrases, `or`, `-word`), every other word required. `any`:
   * passages matching any word of the query, best first (for natural-language questions).
   */
  match: "all" | "any";
  kinds: readonly PassageKind[];
  limit: number;
  offset: number;
  /** Semantic ranking too: the query's embedding (unit length) and how deep both rankings go before fusion. */
  semantic?: { embedding: number[]; depth: number };
}

export interface SearchResult {
  /** The course (or lecture) of the scope exists for this owner. */
  found: boolean;
  /** Matches in all (not only this page); with hybrid ranking, what the fused list holds (both rankings' depth at most). */
  total: number;
  /** The page, best first. */
  passages: Passage[];
  ranking: "fulltext" | "hybrid";
}

/**
 * Semantic candidates in a course: segments sharing at least one word with the query (found
 * through the GIN index), at most this many. A single lecture's segments are all candidates.
 * Without pgvector there is no index over embeddings, so this bound is what keeps the cosine
 * work finite on a large course.
 */
export const SEMANTIC_CANDIDATES = 2000;

const HEADLINE_OPTIONS = 'MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … ", StartSel=**, StopSel=**';

const config = sql.raw(`'${SEARCH_CONFIG}'::regconfig`);

/**
 * The scope as a condition on a row's `lecture_id`, checked after the full-text match: each
 * statement below first collects the owner's matches through the GIN index (a MATERIALIZED CTE,
 * so the planner cannot turn it around), then keeps those of the scope by primary key. Driven
 * from the course's lectures instead, a plan would read every segment of the course (it did, on
 * a course of 1,000 lectures whose lecture statistics were missing: 150,000 rows for 10 hits).
 */
function scopeOf(scope: SearchScope): { inScope: (alias: string) => SQL; narrow: (alias: string) => SQL; found: SQL } {
  if ("lectureId" in scope) {
    const inScope = (alias: string) => sql`${sql.raw(alias)}.lecture_id = ${scope.lectureId}`;
    return {
      inScope,
      // One lecture: its primary-key range is as good as the index, so the condition goes inside.
      narrow: (alias) => sql` and ${inScope(alias)}`,
      found: sql`exists (select 1 from lectures where owner_id = ${scope.owner} and id = ${scope.lectureId})`,
    };
  }
  const only = scope.lectureIds?.length ? sql` and l.id in (select jsonb_array_elements_text(${JSON.stringify(scope.lectureIds)}::jsonb))` : sql``;
  return {
    inScope: (alias) =>
      sql`exists (select 1 from lectures l where l.owner_id = ${scope.owner} and l.id = ${sql.raw(alias)}.lecture_id and l.course_id = ${scope.courseId}${only})`,
    narrow: () => sql``,
    found: sql`exists (select 1 from courses where owner_id = ${scope.owner} and id = ${scope.courseId})`,
  };
}

/** A passage as JSON, built in SQL so the whole answer is one row. */
const passageJson = (p: string, score: string) =>
  sql.raw(`json_build_object('kind', ${p}.kind, 'lectureId', ${p}.lecture_id, 'lectureTitle', l.title,
    'lectureCreatedAt', to_char(l.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'artifactType', ${p}.artifact_type, 'itemIndex', ${p}.item_index, 'segmentIndex', ${p}.segment_index,
    'startSec', ${p}.start_sec, 'endSec', ${p}.end_sec, 'text', ${p}.text,
    'snippet', ts_headline(${`'${SEARCH_CONFIG}'::regconfig`}, ${p}.text, q.query, '${HEADLINE_OPTIONS}'), 'score', ${score})`);

const COLUMNS = "kind, lecture_id, artifact_type, item_index, segment_index, start_sec, end_sec, text";
const TIE_BREAK = "lecture_id, kind desc, segment_index nulls last, artifact_type, item_index";

export async function searchPassages(db: Db, request: SearchRequest): Promise<SearchResult> {
  const { scope, query, kinds, limit, offset, semantic } = request;
  const { inScope, narrow, found } = scopeOf(scope);
  // `any`: the query's words joined by OR (plainto_tsquery joins them by AND; its text form is
  // quoted lexemes, so swapping the operator is safe).
  const anyWord = sql`replace(plainto_tsquery(${config}, ${query})::text, '&', '|')::tsquery`;
  const tsquery = request.match === "all" ? sql`websearch_to_tsquery(${config}, ${query})` : anyWord;
  const transcripts = kinds.includes("transcript");
  const artifactsToo = kinds.includes("artifact");
  const hybrid = Boolean(semantic && transcripts);

  const ctes: SQL[] = [sql`q as (select ${tsquery} as query)`];
  const hits: SQL[] = [];
  if (transcripts) {
    ctes.push(sql`segment_matches as materialized (
      select s.lecture_id, s.segment_index from transcript_segments s, q where s.owner_id = ${scope.owner} and s.search_vector @@ q.query${narrow("s")})`);
    hits.push(sql`select 'transcript'::text as kind, s.lecture_id, null::text as artifact_type, null::int as item_index, s.segment_index,
        s.start_sec, s.end_sec, s.text, ts_rank_cd(s.search_vector, q.query) as rank
      from segment_matches m join transcript_segments s on s.owner_id = ${scope.owner} and s.lecture_id = m.lecture_id and s.segment_index = m.segment_index, q
      where ${inScope("m")}`);
  }
  if (artifactsToo) {
    ctes.push(sql`item_matches as materialized (
      select a.lecture_id, a.artifact_type, a.item_index, a.segment_index, a.start_sec, a.end_sec, a.text, a.search_vector
      from artifact_items a, q where a.owner_id = ${scope.owner} and a.search_vector @@ q.query${narrow("a")})`);
    hits.push(sql`select 'artifact'::text as kind, m.lecture_id, m.artifact_type, m.item_index, m.segment_index,
        m.start_sec, m.end_sec, m.text, ts_rank_cd(m.search_vector, q.query) as rank from item_matches m, q where ${inScope("m")}`);
  }
  if (hits.length === 0)
    hits.push(sql`select null::text as kind, null::text as lecture_id, null::text as artifact_type, null::int as item_index, null::int as segment_index,
      null::float8 as start_sec, null::float8 as end_sec, null::text as text, null::real as rank where false`);
  ctes.push(sql`hits as (${sql.join(hits, sql` union all `)})`);

  if (semantic && hybrid) {
    // Hybrid: both rankings to a fixed depth, fused by reciprocal rank (src/domain/search/passages.ts
    // says why), then paged, so every page cuts the same fused order.
    const vector = `{${semantic.embedding.map((x) => (Number.isFinite(x) ? x : 0)).join(",")}}`;
    const candidates =
      "lectureId" in scope
        ? sql`select s.lecture_id, s.segment_index from transcript_segments s where s.owner_id = ${scope.owner} and ${inScope("s")}`
        : sql`select s.lecture_id, s.segment_index from transcript_segments s, (select ${anyWord} as query) a
            where s.owner_id = ${scope.owner} and s.search_vector @@ a.query`;
    ctes.push(
      sql`candidate_keys as materialized (${candidates})`,
      sql`nearest as (
      select 'transcript'::text as kind, s.lecture_id, null::text as artifact_type, null::int as item_index, s.segment_index,
        s.start_sec, s.end_sec, s.text,
        (select sum(x * y) from unnest(e.embedding, ${vector}::real[]) as v(x, y)) as similarity
      from (select * from candidate_keys c where ${inScope("c")} limit ${SEMANTIC_CANDIDATES}) c
        join transcript_segments s on s.owner_id = ${scope.owner} and s.lecture_id = c.lecture_id and s.segment_index = c.segment_index
        join segment_embeddings e on e.owner_id = ${scope.owner} and e.lecture_id = c.lecture_id and e.segment_index = c.segment_index
      order by similarity desc, s.lecture_id, s.segment_index
      limit ${semantic.depth})`,
      sql`both_rankings as (
      (select ${sql.raw(COLUMNS)}, row_number() over (order by rank desc, ${sql.raw(TIE_BREAK)}) as position, 1 as ranking
        from hits order by rank desc, ${sql.raw(TIE_BREAK)} limit ${semantic.depth})
      union all
      select ${sql.raw(COLUMNS)}, row_number() over (order by similarity desc, lecture_id, segment_index), 2 from nearest)`,
      sql`fused as (
      select ${sql.raw(COLUMNS)}, sum(1.0 / (${sql.raw(String(RRF_K))} + position))::float8 as score, min(ranking * 1000000 + position) as first_seen
      from both_rankings group by ${sql.raw(COLUMNS)})`,
      sql`page as materialized (select * from fused order by score desc, first_seen limit ${limit} offset ${offset})`,
    );
  } else {
    ctes.push(sql`page as materialized (select *, rank::float8 as score, 0 as first_seen from hits order by rank desc, ${sql.raw(TIE_BREAK)} limit ${limit} offset ${offset})`);
  }
  const counted = hybrid ? sql`(select count(*) from fused)` : sql`(select count(*) from hits)`;
  const pageOrder = sql.raw(`p.score desc, p.first_seen, ${TIE_BREAK.split(", ").map((c) => `p.${c}`).join(", ")}`);

  const statement = sql`
    with ${sql.join(ctes, sql`,
    `)}
    select ${found} as found,
      ${counted}::int as total,
      coalesce((select json_agg(${passageJson("p", "p.score")} order by ${pageOrder})
        from page p join lectures l on l.owner_id = ${scope.owner} and l.id = p.lecture_id, q), '[]'::json) as passages`;
  const result = await db.execute(statement);
  const row = result.rows[0] as { found: boolean; total: number; passages: Passage[] } | undefined;
  if (!row) return { found: false, total: 0, passages: [], ranking: "fulltext" };
  return { found: row.found, total: Number(row.total), passages: row.passages ?? [], ranking: hybrid ? "hybrid" : "fulltext" };
}

/**
 * Stores the lecture's segment embeddings (vector i belongs to segment i), replacing earlier ones.
 * Only segments that still exist get one, and, given the generation job, nothing is written
 * unless that job still runs under the same attempt (see job-guard.ts).
 */
export async function saveSegmentEmbeddings(db: Db, key: LectureKey, model: string, vectors: readonly number[][], job?: JobClaim) {
  if (vectors.length === 0) return;
  const { lock, owned } = jobGuard(db, job);
  const rows = JSON.stringify(vectors.map((v, i) => ({ i, v })));
  await db.batch([
    ...lock,
    db.execute(sql`
      insert into segment_embeddings (owner_id, lecture_id, segment_index, model, embedding)
      select s.owner_id, s.lecture_id, s.segment_index, ${model}::text, array(select e.x::real from jsonb_array_elements_text(r.v) with ordinality as e(x, n) order by e.n)
      from jsonb_to_recordset(${rows}::jsonb) as r(i int, v jsonb)
      join transcript_segments s on s.owner_id = ${key.owner} and s.lecture_id = ${key.lectureId} and s.segment_index = r.i
      where ${owned}
      on conflict (owner_id, lecture_id, segment_index) do update set model = excluded.model, embedding = excluded.embedding`),
  ] as unknown as Parameters<Db["batch"]>[0]);
}
