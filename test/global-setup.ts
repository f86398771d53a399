/**
 * Runs in Node before the workerd test pools start: the Neon gateway over a fresh database,
 * migrations applied through the Neon HTTP driver, and the local stand-ins for services outside
 * this machine. Their ports reach the tests through `inject()`.
 */
import type { TestProject } from "vitest/node";
import { startGateway } from "../scripts/neon-gateway.ts";
import { applyMigrations } from "../scripts/migrate.ts";
import { createScratchDatabase } from "./support/scratch-database.ts";
import { startFakeOpenAI } from "./support/fake-openai.ts";
import { startFakeWorkersAI } from "./support/fake-workers-ai.ts";
import { startS3Server } from "./support/s3-server.ts";
import { startFaultProxy } from "../scripts/fault-proxy.ts";
import { startJwksServer } from "./support/jwks-server.ts";
import { startWebhookReceiver } from "./support/webhook-receiver.ts";

export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL;
  const scratch = serverUrl ? await createScratchDatabase(serverUrl) : undefined;
  const gateway = await startGateway({
    backend: scratch ? { kind: "pg", connectionString: scratch.url } : { kind: "pglite" },
  });
  await applyMigrations("postgresql://pegasus:pegasus@localhost:5432/pegasus", gateway.url);

  project.provide("gatewayPort", gateway.port);
  const faults = await startFaultProxy(gateway.port);
  project.provide("faultProxyPort", faults.port);
  const openai = await startFakeOpenAI();
  project.provide("openaiPort", openai.port);
  const workersAi = await startFakeWorkersAI();
  project.provide("workersAiPort", workersAi.port);
  const s3 = await startS3Server();
  project.provide("s3Port", s3.port);
  const jwks = await startJwksServer();
  project.provide("jwksPort", jwks.port);
  const webhooks = await startWebhookReceiver();
  project.provide("webhookPort", webhooks.port);

  return async () => {
    await openai.close();
    await workersAi.close();
    await s3.close();
    await jwks.close();
    await webhooks.close();
    await faults.close();
    await gateway.close();
    await scratch?.drop();
  };
}
