/**
 * The ingest form's fields, defined once: this schema validates what the streaming parser
 * collected and documents the multipart body in /openapi.json (where the route adds the file
 * part). Whitespace-only fields count as missing, as they did for the original API.
 */
import { z } from "@hono/zod-openapi";
import { ID_PATTERN, ID_RULE } from "../lib/params.ts";
import type { ValidationIssue } from "../lib/problem.ts";
import { toValidationIssues } from "../lib/validation.ts";

/** Postgres text cannot hold NUL, and an unpaired surrogate is not text: refused before storing. */
const storable = (value: string) => !value.includes("\u0000") && value.isWellFormed();
const NOT_TEXT = "String must not contain NUL characters or unpaired surrogates";

/** Text that can be stored; nothing else is checked on a value that is not. */
const text = () => z.string().refine(storable, { message: NOT_TEXT, params: { type: "value_error" }, abort: true });

const id = (example: string, description?: string) =>
  text()
    .regex(ID_PATTERN, `String should be ${ID_RULE}`)
    .openapi({ example, description, pattern: ID_PATTERN.source });

const MAX_DURATION_SEC = 86_400;

export const IngestFieldsSchema = z.object({
  course_id: id("course-bio"),
  lecture_id: id("lec-001", "Client-chosen; an existing id re-ingests that lecture."),
  preset_id: text().openapi({ example: "exam-mode", description: "One of /presets (an unknown one is a 400)." }),
  title: text().max(500, "String should have at most 500 characters").openapi({ example: "Cell Membranes" }),
  course_title: text()
    .max(500, "String should have at most 500 characters")
    .optional()
    .openapi({ description: "Sets the course title; omitted keeps the existing one." }),
  duration_sec: text()
    .superRefine((value, ctx) => {
      if (!/^[+-]?\d+$/.test(value))
        ctx.addIssue({ code: "custom", message: "Input should be a valid integer, unable to parse string as an integer", params: { type: "int_parsing" } });
      else if (Number(value) < 0 || Number(value) > MAX_DURATION_SEC)
        ctx.addIssue({ code: "custom", message: `Input should be between 0 and ${MAX_DURATION_SEC} seconds`, params: { type: "value_error" } });
    })
    .transform(Number)
    .optional()
    .openapi({ type: "integer", minimum: 0, maximum: MAX_DURATION_SEC, description: "Recording length in seconds (default 0)." }),
  source_type: text()
    .max(32, "String should have at most 32 characters")
    .optional()
    .openapi({ example: "upload", description: "upload or record (default upload)." }),
});

export type IngestFields = z.output<typeof IngestFieldsSchema>;

/** The file part, as far as the fields are concerned: whether it came, and its file name. */
export interface IngestFile {
  seen: boolean;
  filename?: string | null;
}

/**
 * Validates the collected text fields (and that a file came, with a storable name). Issues are
 * the API's 422 vocabulary, located in the body.
 */
export function parseIngestFields(raw: Record<string, string>, file: IngestFile): { fields?: IngestFields; issues: ValidationIssue[] } {
  const input: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) if (value.trim() !== "") input[name] = value.trim();
  const parsed = IngestFieldsSchema.safeParse(input);
  const issues = parsed.success ? [] : toValidationIssues(parsed.error, "form", input);
  if (!file.seen) issues.push({ loc: ["body", "audio"], msg: "Field required", type: "missing" });
  else if (file.filename && !storable(file.filename))
    issues.push({ loc: ["body", "audio"], msg: "Filename must not contain NUL characters or unpaired surrogates", type: "value_error" });
  return parsed.success && issues.length === 0 ? { fields: parsed.data, issues } : { issues };
}
