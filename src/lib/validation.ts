/**
 * zod issues → the API's validation problem. `loc` follows the reference (`["query","limit"]`,
 * `["body","title"]`) and `type` its vocabulary (`missing`, `int_parsing`, ...).
 */
import type { z } from "zod";
import type { ValidationIssue } from "./problem.ts";

const TARGET_LOC: Record<string, string> = { json: "body", form: "body", param: "path", query: "query", header: "header" };

/** Set as `params.type` on custom issues to name the failure precisely. */
export interface IssueParams {
  type?: string;
}

function issueType(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "missing";
      if (issue.expected === "number" || issue.expected === "int") return "int_parsing";
      if (issue.expected === "boolean") return "bool_parsing";
      if (issue.expected === "object") return "model_attributes_type";
      return `${issue.expected}_type`;
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

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && issue.input === undefined) return "Field required";
  return issue.message;
}

export function toValidationIssues(error: z.ZodError, target: string): ValidationIssue[] {
  const root = TARGET_LOC[target] ?? target;
  return error.issues.map((issue) => ({
    loc: [root, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
    msg: issueMessage(issue),
    type: issueType(issue),
  }));
}
