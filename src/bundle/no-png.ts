// Stands in for @pdf-lib/upng (wrangler.toml [alias]): the exports embed no PNG images.
const unavailable = (): never => {
  throw new Error("PNG images are not supported in this build.");
};

export default { decode: unavailable, toRGBA8: unavailable };
