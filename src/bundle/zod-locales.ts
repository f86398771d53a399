// Stands in for zod's `locales` (wrangler.toml [alias]): the API speaks English only, and the
// forty-odd other locales were a quarter of a megabyte of the deployed bundle.
export { default as en } from "zod/v4/locales/en.js";
