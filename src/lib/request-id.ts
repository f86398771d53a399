import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";

/** A client's id is reused when it is short and plain, so logs on both sides line up. */
const ACCEPTABLE = /^[A-Za-z0-9._:\-]{1,128}$/;

export const requestId = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const given = c.req.header("x-request-id");
    const id = given && ACCEPTABLE.test(given) ? given : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    c.res.headers.set("X-Request-Id", id);
  });
