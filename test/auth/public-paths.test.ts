import { describe, expect, it } from "vitest";
import { call } from "../support/http.ts";

describe("public paths", () => {
  it.each(["/health", "/presets", "/openapi.json"])("%s answers without a credential", async (path) => {
    const res = await call(path, { headers: { Authorization: "" } });
    expect(res.status).toBe(200);
  });

  it("everything else needs one", async () => {
    for (const path of ["/courses", "/jobs", "/api-keys"]) {
      const res = await call(path, { headers: { Authorization: "" } });
      expect(res.status, path).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="pegasus"');
    }
  });

  it("an unknown bearer credential is a 401 invalid_credential", async () => {
    const res = await call("/courses", { headers: { Authorization: "Bearer not-a-known-credential" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="pegasus", error="invalid_token"');
  });
});
