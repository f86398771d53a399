/**
 * The interactive API reference: a static page that loads Scalar's browser bundle from jsDelivr,
 * pinned to one version and checked by Subresource Integrity, and points it at /openapi.json.
 */

// To upgrade: `npm pack @scalar/api-reference@<version>`, then
// `openssl dgst -sha384 -binary package/dist/browser/standalone.js | openssl base64 -A`
// (jsDelivr serves npm files byte for byte).
const SCALAR_VERSION = "1.76.0";
const SCALAR_BUNDLE = `https://cdn.jsdelivr.net/npm/@scalar/api-reference@${SCALAR_VERSION}/dist/browser/standalone.js`;
const SCALAR_INTEGRITY = "sha384-oH1C0RwqcwbVXkC+r8A+4qRoyEUQdtxAzOwumkxZtQBBcsy61FOoPt7B50OVJYYQ";

export function docsPage(openapiUrl: string): string {
  // JSON.stringify, with "<" escaped, keeps the URL from ending the inline script.
  // The bearer scheme is offered for a token to be pasted and sent with "Try it".
  const config = JSON.stringify({ url: openapiUrl, authentication: { preferredSecurityScheme: "bearerAuth" } }).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Pegasus API reference</title>
  </head>
  <body>
    <div id="app"></div>
    <script src="${SCALAR_BUNDLE}" integrity="${SCALAR_INTEGRITY}" crossorigin="anonymous"></script>
    <script>
      Scalar.createApiReference("#app", ${config});
    </script>
  </body>
</html>
`;
}
