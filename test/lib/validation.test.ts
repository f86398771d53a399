/**
 * zod issues in the API's 422 vocabulary: where (`loc`), what (`msg`) and which kind (`type`),
 * telling a missing field from one of the wrong type.
 */
import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { intQuery } from "../../src/lib/params.ts";
import { toValidationIssues } from "../../src/lib/validation.ts";

function issues(schema: z.ZodType, input: unknown, target = "json") {
  const result = schema.safeParse(input);
  if (result.success) throw new Error("expected a failure");
  return toValidationIssues(result.error, target, input);
}

describe("toValidationIssues", () => {
  const body = z.object({ name: z.string(), count: z.number().int(), tags: z.array(z.string()).max(2), nested: z.object({ on: z.boolean() }) });

  it("a missing field is 'Field required', located in the body", () => {
    expect(issues(body.pick({ name: true }), {})).toEqual([{ loc: ["body", "name"], msg: "Field required", type: "missing" }]);
  });

  it("a field of the wrong type says what was expected", () => {
    expect(issues(body.pick({ name: true, count: true }), { name: 1, count: "3" })).toEqual([
      { loc: ["body", "name"], msg: "Input should be a valid string", type: "string_type" },
      { loc: ["body", "count"], msg: "Input should be a valid number", type: "float_type" },
    ]);
    expect(issues(body.pick({ nested: true }), { nested: { on: "yes" } })).toEqual([
      { loc: ["body", "nested", "on"], msg: "Input should be a valid boolean", type: "bool_type" },
    ]);
  });

  it("null is a wrong type, not a missing field", () => {
    expect(issues(body.pick({ name: true }), { name: null })[0]).toMatchObject({ msg: "Input should be a valid string", type: "string_type" });
  });

  it("bounds and array lengths use FastAPI's types, indexes stay numbers", () => {
    expect(issues(body.pick({ tags: true }), { tags: ["a", "b", "c"] })[0]).toMatchObject({ loc: ["body", "tags"], type: "too_long" });
    expect(issues(z.object({ tags: z.array(z.string()) }), { tags: ["a", 2] })).toEqual([
      { loc: ["body", "tags", 1], msg: "Input should be a valid string", type: "string_type" },
    ]);
  });

  it("query integers: unparsable, below and above their bounds", () => {
    const q = z.object({ limit: intQuery({ min: 0, max: 10, default: 5, description: "" }) });
    expect(issues(q, { limit: "ten" }, "query")).toEqual([
      { loc: ["query", "limit"], msg: "Input should be a valid integer, unable to parse string as an integer", type: "int_parsing" },
    ]);
    expect(issues(q, { limit: "-1" }, "query")[0]).toMatchObject({ type: "greater_than_equal" });
    expect(issues(q, { limit: "11" }, "query")[0]).toMatchObject({ type: "less_than_equal", msg: "Input should be less than or equal to 10" });
    expect(q.parse({})).toEqual({ limit: 5 });
  });
});
