import type { JobMessage } from "./messages.ts";

export async function handleQueueBatch(batch: MessageBatch<JobMessage>, _env: Record<string, unknown>, _ctx: ExecutionContext) {
  for (const message of batch.messages) message.retry();
}
