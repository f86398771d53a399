/**
 * The two modes: `PLC_AUTH=off` is the seed's open API (every request is the local owner), and
 * `required` (the default) accepts the bootstrap admin token as an admin of the local owner.
 */
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, callWith, json, uid } from "../support/http.ts";
import { ingestOk } from "../support/lectures.ts";

const none = { headers: { Authorization: "" } };

describe("PLC_AUTH", () => {
  it("off: requests without a credential act as the local owner, and see its data", async () => {
    const lectureId = uid("lec");
    await ingestOk({ courseId: uid("c"), lectureId });
    const open = await callWith({ PLC_AUTH: "off" }, `/lectures/${lectureId}`, none);
    expect(open.status).toBe(200);
    expect((await json(open)).id).toBe(lectureId);
    expect((await callWith({}, `/lectures/${lectureId}`, none)).status).toBe(401);
  });

  it("an unknown value is a configuration error naming the variable, never its value", async () => {
    const res = await callWith({ PLC_AUTH: "maybe" }, "/courses");
    expect(res.status).toBe(500);
    const body = await json(res);
    expect(body.code).toBe("server_misconfigured");
    expect(body.detail).toContain("PLC_AUTH");
    expect(body.detail).not.toContain("maybe");
  });

  it("the admin token is refused when it is one character off, and when it is not configured", async () => {
    const wrong = ADMIN_TOKEN.slice(0, -1) + (ADMIN_TOKEN.endsWith("x") ? "y" : "x");
    expect((await callWith({}, "/courses", { headers: { Authorization: `Bearer ${wrong}` } })).status).toBe(401);
    expect((await callWith({ PLC_ADMIN_TOKEN: "" }, "/courses")).status).toBe(401);
    expect((await callWith({}, "/courses")).status).toBe(200);
  });

  it("a malformed Authorization header is a 401 that says how it should look", async () => {
    const res = await callWith({}, "/courses", { headers: { Authorization: "Basic dXNlcjpwYXNz" } });
    expect(res.status).toBe(401);
    expect((await json(res)).detail).toMatch(/Bearer/);
  });
});
