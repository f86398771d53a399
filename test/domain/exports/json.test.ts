import { describe, expect, it } from "vitest";
import { EXPORT_FORMATS, isExportFormat, renderJsonBundle } from "../../../src/domain/exports/index.ts";
import { lectureFixture } from "./fixture.ts";

describe("renderJsonBundle", () => {
  it("holds every artifact and thread, pretty printed", () => {
    const bundle = lectureFixture();
    const text = renderJsonBundle(bundle);
    expect(text).toMatch(/^\{\n {2}"format": "pegasus\.lecture-export",\n {2}"version": 1,/);
    const doc = JSON.parse(text);
    expect(doc.artifacts).toEqual(bundle.artifacts);
    expect(doc.threads).toEqual(bundle.threads);
    expect(doc.lecture).toEqual(bundle.lecture);
    expect(doc.generatedAt).toBe(bundle.generatedAt);
  });
});

describe("EXPORT_FORMATS", () => {
  it("maps each format to an extension, a content type and a renderer", async () => {
    const bundle = lectureFixture();
    expect(Object.keys(EXPORT_FORMATS)).toEqual(["markdown", "anki", "pdf", "json"]);
    expect(EXPORT_FORMATS.markdown).toMatchObject({ extension: "md", contentType: "text/markdown; charset=utf-8" });
    expect(EXPORT_FORMATS.anki).toMatchObject({ extension: "csv", contentType: "text/csv; charset=utf-8" });
    expect(EXPORT_FORMATS.pdf).toMatchObject({ extension: "pdf", contentType: "application/pdf" });
    expect(EXPORT_FORMATS.json).toMatchObject({ extension: "json", contentType: "application/json" });
    expect(typeof (await EXPORT_FORMATS.markdown.render(bundle))).toBe("string");
    expect(typeof (await EXPORT_FORMATS.anki.render(bundle))).toBe("string");
    expect(typeof (await EXPORT_FORMATS.json.render(bundle))).toBe("string");
    expect(await EXPORT_FORMATS.pdf.render(bundle)).toBeInstanceOf(Uint8Array);
    expect(isExportFormat("pdf")).toBe(true);
    expect(isExportFormat("docx")).toBe(false);
    expect(isExportFormat("toString")).toBe(false);
  });
});
