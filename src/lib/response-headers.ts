/**
 * Headers every response carries. Most responses hold one student's data, so by default shared
 * caches must not keep them, while the client may still revalidate (ETag → 304 on polled routes).
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.ts";

export const PRIVATE_CACHE = "private, no-cache";
/** The same for everyone and changed only by a deploy: presets, the API description and its page. */
export const PUBLIC_CACHE = "public, max-age=300";

export const responseHeaders = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set("X-Content-Type-Options", "nosniff");
    if (!headers.has("Cache-Control")) headers.set("Cache-Control", PRIVATE_CACHE);
  });

/** Marks a route's successful answers as cacheable by anyone; errors stay private. */
export const publicCache = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next();
    if (c.res.status === 200) c.res.headers.set("Cache-Control", PUBLIC_CACHE);
  });
