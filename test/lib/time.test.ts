import { describe, expect, it } from "vitest";
import { toRfc3339 } from "../../src/lib/time.ts";

describe("toRfc3339", () => {
  it.each([
    ["2026-11-26 02:38:20.101644+00", "2026-11-26T02:38:20.101644Z"],
    ["2026-11-26 02:38:20+00", "2026-11-26T02:38:20Z"],
    ["2026-11-26 04:38:20.5+02", "2026-11-26T02:38:20.5Z"],
    ["2026-11-25 21:08:20.000001-05:30", "2026-11-26T02:38:20.000001Z"],
    ["2026-01-01 00:30:00+01", "2025-12-31T23:30:00Z"],
    ["2026-11-26T02:38:20.101644Z", "2026-11-26T02:38:20.101644Z"],
    ["2026-11-26 02:38:20.101644", "2026-11-26T02:38:20.101644Z"],
  ])("%s → %s (microseconds kept, any offset to UTC)", (input, expected) => {
    expect(toRfc3339(input)).toBe(expected);
  });

  it("passes null and undefined through, and normalises other date strings via Date", () => {
    expect(toRfc3339(null)).toBeNull();
    expect(toRfc3339(undefined)).toBeNull();
    expect(toRfc3339("Thu, 26 Nov 2026 02:38:20 GMT")).toBe("2026-11-26T02:38:20.000Z");
  });
});
