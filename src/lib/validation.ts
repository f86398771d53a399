/**
 * zod issues → the API's validation problem. `loc` follows FastAPI, as clients of the original API
 * expect (`["query","limit"]`, `["body","title"]`), and so does `type` (`missing`, `int_parsing`, ...).
 */
import type { z } from "zod";
import type { ValidationIssue } from "./problem.ts";

const TARGET_LOC: Record<string, string> = { json: "body", form: "body", param: "path", query: "query", header: "header" };

/** Set as `params.type` on custom issues to name the failure precisely. */
export interface IssueParams {
  type?: string;
}

/** FastAPI's wording for a value of the wrong type, by what zod expected. */
const WRONG_TYPE: Record<string, { type: string; msg: string }> = {
  string: { type: "string_type", msg: "Input should be a valid string" },
  number: { type: "float_type", msg: "Input should be a valid number" },
  int: { type: "int_type", msg: "Input should be a valid integer" },
  boolean: { type: "bool_type", msg: "Input should be a valid boolean" },
  object: { type: "model_attributes_type", msg: "Input should be a valid dictionary or object" },
  array: { type: "list_type", msg: "Input should be a valid list" },
};

/**
 * The value an issue is about. zod 4 leaves `input` off issues unless asked, so it is read from
 * the validated input at the issue's path; an absent key is a missing field.
 */
function received(issue: z.core.$ZodIssue, input: unknown): unknown {
  if (issue.input !== undefined) return issue.input;
  let value = input;
  for (const key of issue.path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function isMissing(issue: z.core.$ZodIssue, input: unknown): boolean {
  return issue.code === "invalid_type" && received(issue, input) === undefined;
}

function issueType(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      if (isMissing(issue, input)) return "missing";
      return WRONG_TYPE[issue.expected]?.type ?? `${issue.expected}_type`;
    case "too_small":
      return issue.origin === "string" ? "string_too_short" : issue.origin === "array" ? "too_short" : "greater_than_equal";
    case "too_big":
      return issue.origin === "string" ? "string_too_long" : issue.origin === "array" ? "too_long" : "less_than_equal";
    case "invalid_value":
      return "enum";
    case "invalid_format":
      return "string_pattern_mismatch";
    case "custom":
      return (issue.params as IssueParams | undefined)?.type ?? "value_error";
    default:
      return issue.code;
  }
}

function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code !== "invalid_type") return issue.message;
  if (isMissing(issue, input)) return "Field required";
  return WRONG_TYPE[issue.expected]?.msg ?? issue.message;
}

/** `input` is what was validated (the query, the parsed body, ...), to tell missing from mistyped. */
export function toValidationIssues(error: z.ZodError, target: string, input?: unknown): ValidationIssue[] {
  const root = TARGET_LOC[target] ?? target;
  return error.issues.map((issue) => ({
    loc: [root, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
    msg: issueMessage(issue, input),
    type: issueType(issue, input),
  }));
}
