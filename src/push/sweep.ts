/**
 * The cron's part for webhooks: pending deliveries overdue by LOST_AFTER_SEC lost their queue
 * message (the Worker died between the commit and the send, or the send failed) and are sent
 * again; events older than RETAIN_DAYS go, with their deliveries.
 */
import { sweepDeliveries } from "../db/webhooks.ts";
import type { Services } from "../services.ts";
import { enqueueDeliveries } from "./events.ts";

const LOST_AFTER_SEC = 120;
const RETAIN_DAYS = 30;

export async function runWebhookSweep(services: Services) {
  try {
    const { resend, pending } = await sweepDeliveries(services.db, LOST_AFTER_SEC, RETAIN_DAYS);
    await enqueueDeliveries(services, resend);
    if (resend.length) console.log(JSON.stringify({ msg: "webhook sweep", resent: resend.length }));
    return { resent: resend.length, pending };
  } catch (error) {
    console.log(JSON.stringify({ level: "error", msg: "webhook sweep failed", error: String((error as Error)?.message ?? error) }));
    return undefined;
  }
}
