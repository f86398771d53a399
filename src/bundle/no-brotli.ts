// Stands in for brotli's decompressor (wrangler.toml [alias]), which fontkit needs only for WOFF2
// fonts: the exports embed a TrueType font, and the decompressor was 89 KB of the deployed bundle.
export default function decompress(): never {
  throw new Error("WOFF2 fonts are not supported in this build; use a TrueType font.");
}
