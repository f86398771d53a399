/** The webhook events an endpoint may subscribe to (plus the test ping, sent on request only). */
export const WEBHOOK_EVENT_TYPES = ["job.completed", "job.failed", "lecture.transcribed", "lecture.ready", "export.ready", "upload.completed"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export const TEST_EVENT_TYPE = "webhook.test";

/** An endpoint that failed every delivery for this long is disabled. */
export const DISABLE_AFTER_SEC = 5 * 24 * 3600;
/** After a rotation the previous secret keeps signing this long. */
export const ROTATION_GRACE_SEC = 24 * 3600;

/** How an attempt's answer decides what happens next (Standard Webhooks' guidance). */
export function classifyResponse(status: number): "succeeded" | "retry" | "failed" {
  if (status >= 200 && status < 300) return "succeeded";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  // Other 4xx, and redirects, which are never followed: the receiver has to be fixed.
  return "failed";
}
