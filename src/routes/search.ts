import { createRoute, z } from "@hono/zod-openapi";
import { lectureKey, ownerOf } from "../auth/authenticate.ts";
import { requireJsonObjectBody } from "../lib/json-body.ts";
import { createRouter, jsonContent, problemResponses } from "../lib/openapi.ts";
import { pagination } from "../lib/pagination.ts";
import { ID_PATTERN, ID_RULE, intQuery, MAX_OFFSET, optionalId, pathId, safeText } from "../lib/params.ts";
import { ApiError, validationFailed } from "../lib/problem.ts";
import { ask, HYBRID_DEPTH, search } from "../pipeline/search.ts";
import { PaginationSchema } from "./schemas.ts";

const tags = ["search"];
const KINDS = ["transcript", "artifact"] as const;
const RANKING = z.enum(["fulltext", "hybrid"]).openapi({
  description: "`fulltext`: Postgres full-text ranking only (no OpenAI key). `hybrid`: full-text and semantic (embeddings) rankings merged by reciprocal rank fusion.",
});

const moment = {
  startSec: z.number().nullable(),
  endSec: z.number().nullable(),
  link: z.string().nullable().openapi({
    example: "/lectures/lec-001/audio#t=312.4,327.9",
    description: "Plays this moment: the authenticated audio route with a Media Fragments `#t=start,end` suffix.",
  }),
};

const SearchHitSchema = z
  .object({
    lectureId: z.string(),
    lectureTitle: z.string(),
    kind: z.enum(KINDS),
    artifactType: z.string().nullable().openapi({ description: "For artifact hits: summary, outline, key-terms, flashcards or exam-questions." }),
    segmentIndex: z.number().int().nullable().openapi({ description: "The transcript segment (for an artifact hit, the one it is grounded in)." }),
    ...moment,
    snippet: z.string().openapi({ description: "The matching passage with the query's words between `**`." }),
    score: z.number(),
  })
  .openapi("SearchHit");

const SearchResultsSchema = z
  .object({ results: z.array(SearchHitSchema), pagination: PaginationSchema, ranking: RANKING })
  .openapi("SearchResults");

// A `%XX` left in a decoded value is an escape that was not UTF-8 (the router keeps it as sent).
const UNDECODED_ESCAPE = /%[0-9A-Fa-f]{2}/;

/**
 * Required, but checked in the handler after the course or lecture: an unknown one is a 404
 * whatever the query, like every other route's unknown id.
 */
const query = safeText({ max: 500 })
  .refine((value) => !UNDECODED_ESCAPE.test(value), { message: "String should be valid Unicode text without control characters", params: { type: "string_unicode" } })
  .optional()
  .openapi({
    description: 'Required. Web-search syntax: words are all required, `"a phrase"` in order, `or` between alternatives, `-word` excludes. English stemming.',
    example: "price elasticity",
  });

/** The 422 of a missing or blank `q`. */
const queryRequired = () => validationFailed([{ loc: ["query", "q"], msg: "Field required", type: "missing" }]);

const searchQuery = {
  q: query,
  kind: z.enum(KINDS).optional().openapi({ description: "Only transcript segments, or only study-material items." }),
  limit: intQuery({ min: 0, max: 100, default: 20, description: "Page size (0–100)." }),
  offset: intQuery({ min: 0, max: MAX_OFFSET, default: 0, description: `Results to skip (with hybrid ranking, results past ${HYBRID_DEPTH} are not served).` }),
};

const courseParams = z.object({ course_id: pathId("course_not_found", "econ101") });
const lectureParams = z.object({ lecture_id: pathId("lecture_not_found", "lec-001") });

const courseSearch = createRoute({
  method: "get",
  path: "/courses/{course_id}/search",
  tags,
  summary: "Search a course's transcripts and study material",
  description: "Ranked hits over transcript segments and artifact items, each with the moment of the recording it comes from. One database round trip.",
  request: { params: courseParams, query: z.object({ ...searchQuery, lecture_id: optionalId("Only this lecture of the course.") }) },
  responses: { 200: jsonContent(SearchResultsSchema, "A page of hits, best first."), ...problemResponses(404, 422) },
});

const lectureSearch = createRoute({
  method: "get",
  path: "/lectures/{lecture_id}/search",
  tags,
  summary: "Search one lecture's transcript and study material",
  request: { params: lectureParams, query: z.object(searchQuery) },
  responses: { 200: jsonContent(SearchResultsSchema, "A page of hits, best first."), ...problemResponses(404, 422) },
});

const CitationSchema = z
  .object({
    lectureId: z.string(),
    segmentIndex: z.number().int(),
    startSec: z.number(),
    endSec: z.number(),
    quote: z.string().openapi({ description: "The words of the transcript the claim rests on." }),
    link: z.string().openapi({ example: "/lectures/lec-001/audio#t=312.4,327.9" }),
  })
  .openapi("Citation");

const AskRequestSchema = z
  .object({
    // Required, but checked after the course (an unknown course is a 404 whatever the body).
    question: safeText({ max: 1000 }).optional().openapi({ description: "Required.", example: "What did the lecturer say about price elasticity?" }),
    lecture_ids: z
      .array(z.string().regex(ID_PATTERN, `String should be ${ID_RULE}`))
      .max(100)
      .optional()
      .openapi({ description: "Only these lectures of the course." }),
  })
  .openapi("AskRequest");

const AskResponseSchema = z
  .object({
    answer: z.string(),
    citations: z.array(CitationSchema),
    grounded: z.boolean().openapi({ description: "false when the lectures do not cover the question (the answer says so, and cites nothing)." }),
    ranking: RANKING,
  })
  .openapi("AskResponse");

const askRoute = createRoute({
  method: "post",
  path: "/courses/{course_id}/ask",
  tags,
  summary: "Ask a question; the answer cites the moments of the lectures it rests on",
  description:
    "With an OpenAI key the model answers from the retrieved passages, every sentence citing them (citations of anything not retrieved are refused); without one the answer is the best matching sentences of the transcripts, in lecture order.",
  middleware: [requireJsonObjectBody()] as const,
  request: { params: courseParams, body: { content: { "application/json": { schema: AskRequestSchema } }, required: true } },
  responses: { 200: jsonContent(AskResponseSchema, "The answer and its citations."), ...problemResponses(400, 404, 413, 422) },
});

export const searchRoutes = createRouter()
  .openapi(courseSearch, async (c) => {
    const { course_id } = c.req.valid("param");
    const { q, kind, limit, offset, lecture_id } = c.req.valid("query");
    const scope = { owner: ownerOf(c), courseId: course_id, ...(lecture_id ? { lectureIds: [lecture_id] } : {}) };
    const outcome = await search(c.var.services(), scope, { query: q?.trim() ?? "", kinds: kind ? [kind] : KINDS, limit, offset });
    if (!outcome.found) throw new ApiError("course_not_found");
    if (!q?.trim()) throw queryRequired();
    return c.json({ results: outcome.hits, pagination: pagination({ limit, offset }, outcome.hits.length, outcome.total), ranking: outcome.ranking }, 200);
  })
  .openapi(lectureSearch, async (c) => {
    const { lecture_id } = c.req.valid("param");
    const { q, kind, limit, offset } = c.req.valid("query");
    const outcome = await search(c.var.services(), lectureKey(c, lecture_id), { query: q?.trim() ?? "", kinds: kind ? [kind] : KINDS, limit, offset });
    if (!outcome.found) throw new ApiError("lecture_not_found");
    if (!q?.trim()) throw queryRequired();
    return c.json({ results: outcome.hits, pagination: pagination({ limit, offset }, outcome.hits.length, outcome.total), ranking: outcome.ranking }, 200);
  })
  .openapi(askRoute, async (c) => {
    const { course_id } = c.req.valid("param");
    const { question, lecture_ids } = c.req.valid("json");
    const scope = { owner: ownerOf(c), courseId: course_id, ...(lecture_ids?.length ? { lectureIds: lecture_ids } : {}) };
    const outcome = await ask(c.var.services(), scope, question?.trim() ?? "");
    if (!outcome.found) throw new ApiError("course_not_found");
    if (!question?.trim()) throw validationFailed([{ loc: ["body", "question"], msg: "Field required", type: "missing" }]);
    return c.json({ ...outcome.answer, ranking: outcome.ranking }, 200);
  });
