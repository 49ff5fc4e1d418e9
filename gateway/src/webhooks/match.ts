import { type WebhookEndpoint, type WebhookEventType, webhookEventTypes } from '@mi/contracts';

/**
 * Which events may leave the system through webhooks, and which endpoint wants which. The list in
 * contracts is the allow-list: anything else (notably `action.pending`, not yet approved by a
 * person) is never delivered, whatever an endpoint asked for.
 */
const deliverable: ReadonlySet<string> = new Set(webhookEventTypes);

export function isDeliverableType(type: unknown): type is WebhookEventType {
  return typeof type === 'string' && deliverable.has(type);
}

/**
 * The deliverable type a subject carries, from its shape alone (`v1.<domain>.<room|job>.<kind>`
 * gives `<domain>.<kind>`), so the high-volume rest of the stream is skipped without parsing.
 */
export function deliverableTypeOfSubject(subject: string): WebhookEventType | undefined {
  const parts = subject.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1') return undefined;
  const type = `${parts[1]}.${parts[3]}`;
  return isDeliverableType(type) ? type : undefined;
}

export type MatchableEvent = { type: string; tenant: string; room?: string | undefined };

/** True when `endpoint` should receive `event`: enabled, same tenant, a subscribed type, a listed room. */
export function endpointMatches(endpoint: WebhookEndpoint, event: MatchableEvent): boolean {
  if (!endpoint.enabled || endpoint.tenant !== event.tenant || !isDeliverableType(event.type)) return false;
  if (!endpoint.eventTypes.includes('*') && !endpoint.eventTypes.includes(event.type)) return false;
  // A room filter means "only these rooms": events without a room (job progress) do not match it.
  if (endpoint.rooms && (event.room === undefined || !endpoint.rooms.includes(event.room))) return false;
  return true;
}
