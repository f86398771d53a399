/** The body of a message on the webhooks queue: one delivery (event × endpoint) to attempt. */
export interface WebhookMessage {
  deliveryId: string;
}

export function isWebhookMessage(body: unknown): body is WebhookMessage {
  return typeof body === "object" && body !== null && typeof (body as WebhookMessage).deliveryId === "string";
}
