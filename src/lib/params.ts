/**
 * Query and form parameter schemas with FastAPI's validation vocabulary (the original API was a
 * FastAPI service, and clients match on it; decisions.md), documented as
 * the types a client sends (integer, boolean) although they arrive as strings.
 */
import { z } from "@hono/zod-openapi";
import type { ProblemCode } from "./problem.ts";

const INT = /^[+-]?\d+$/;

/**
 * An optional integer in a query string, with bounds, a default, and FastAPI-style messages. Both
 * bounds are required: the value ends up in SQL, where an unbounded one becomes a 500.
 */
export function intQuery(options: { min: number; max: number; default: number; description: string; example?: number }) {
  return z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      const text = value.trim();
      if (!INT.test(text)) {
        ctx.addIssue({ code: "custom", message: "Input should be a valid integer, unable to parse string as an integer", params: { type: "int_parsing" } });
        return;
      }
      const n = Number(text);
      if (n < options.min)
        ctx.addIssue({ code: "custom", message: `Input should be greater than or equal to ${options.min}`, params: { type: "greater_than_equal" } });
      if (n > options.max)
        ctx.addIssue({ code: "custom", message: `Input should be less than or equal to ${options.max}`, params: { type: "less_than_equal" } });
    })
    .transform((value) => (value === undefined ? options.default : Number(value.trim())))
    .openapi({
      type: "integer",
      minimum: options.min,
      maximum: options.max,
      default: options.default,
      description: options.description,
      example: options.example,
    });
}

export const MAX_PAGE_SIZE = 500;
/** Far beyond any list, and well inside Postgres' bigint and JavaScript's safe integers. */
export const MAX_OFFSET = 2 ** 31 - 1;

export const pageQuery = {
  limit: intQuery({ min: 0, max: MAX_PAGE_SIZE, default: 100, description: `Page size (0–${MAX_PAGE_SIZE}).` }),
  offset: intQuery({ min: 0, max: MAX_OFFSET, default: 0, description: "Items to skip." }),
};

const TRUE = new Set(["true", "1", "yes", "on", "t", "y"]);
const FALSE = new Set(["false", "0", "no", "off", "f", "n"]);

/** The boolean spellings FastAPI accepts (any case), as existing clients send them; anything else is a 422. */
export function boolQuery(defaultValue: boolean, description: string) {
  return z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      const v = value.trim().toLowerCase();
      if (!TRUE.has(v) && !FALSE.has(v))
        ctx.addIssue({ code: "custom", message: "Input should be a valid boolean, unable to interpret input", params: { type: "bool_parsing" } });
    })
    .transform((value) => (value === undefined ? defaultValue : TRUE.has(value.trim().toLowerCase())))
    .openapi({ type: "boolean", default: defaultValue, description });
}

/** Ids become storage keys, so they are kept to a safe alphabet. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const ID_RULE = "1–128 characters: letters, digits, '.', '_', ':' or '-', starting with a letter or digit";
const ID_OR_EMPTY = new RegExp(`^(?:${ID_PATTERN.source.slice(1, -1)})?$`);

/**
 * A path id. One that breaks ID_PATTERN cannot name a stored row, so it fails with the resource's
 * own 404 (the issue's message carries its problem code; createRouter answers with it) and never
 * reaches the database.
 */
export function pathId(notFound: ProblemCode, example: string) {
  return z.string().regex(ID_PATTERN, notFound).openapi({ example });
}

/** An optional id in a query string or body; empty means "not given", as existing clients expect. */
export function optionalId(description?: string, example?: string) {
  return z.string().regex(ID_OR_EMPTY, `String should be empty or ${ID_RULE}`).optional().openapi({ description, example });
}

// C0 and C1 controls other than tab, line feed and carriage return: NUL is refused by Postgres,
// the rest is never meant as text.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** Free text that is stored: valid Unicode (no lone surrogates) without control characters. */
export function safeText(options: { max: number }) {
  return z
    .string()
    .max(options.max)
    .refine((value) => value.isWellFormed() && !CONTROL.test(value), {
      message: "String should be valid Unicode text without control characters",
      params: { type: "string_unicode" },
    });
}
