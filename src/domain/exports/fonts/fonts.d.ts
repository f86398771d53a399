// Bundled as a "Data" module (wrangler `[[rules]] type = "Data" globs = ["**/*.ttf"]`), so the
// default import is the file's bytes. Declared per file rather than as `*.ttf`: `wrangler types`
// emits a `*.ttf` declaration once the rule exists, and two of those would clash.
declare module "*/DejaVuSans.ttf" {
  const bytes: ArrayBuffer;
  export default bytes;
}
