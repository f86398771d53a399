import { expect, it } from "vitest";
import { momentLink } from "../../../src/domain/search/links.ts";

it("links the audio route with a Media Fragments time range in seconds", () => {
  expect(momentLink("lec-001", 305.052, 316.54)).toBe("/lectures/lec-001/audio#t=305.05,316.54");
  expect(momentLink("lec-001", 12, 12)).toBe("/lectures/lec-001/audio#t=12");
  expect(momentLink("lec-001", 0, null)).toBe("/lectures/lec-001/audio#t=0");
  expect(momentLink("a:b.c", 1.5, 2)).toBe("/lectures/a%3Ab.c/audio#t=1.5,2");
});
