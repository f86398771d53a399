/**
 * Hono's typing for this app: the Worker's bindings (the `Env` that `wrangler types` generates
 * from wrangler.toml) and what middleware puts on each request's context.
 */
import type { Context } from "hono";
import type { Principal } from "./domain/principal.ts";
import type { Services } from "./services.ts";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** The request's services, built on first use from the validated configuration (see provideServices). */
    services: () => Services;
    /** Who is calling; set by the authentication middleware on every route that needs one. */
    principal: Principal;
  };
}

export type AppContext = Context<AppEnv>;
