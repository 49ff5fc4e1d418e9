/** Webhook delivery: endpoints registry, signed at-least-once delivery with ordering per room, and its API. */
export { type DeadLetterEntry, DeadLetterStore } from './dead-letters.ts';
export { DeliveredMarkers } from './delivered-markers.ts';
export {
  DispatcherClosedError,
  type DispatcherStats,
  dispatcherDefaults,
  type EndpointStats,
  WebhookDispatcher,
  type WebhookDispatcherDeps,
  type WebhookDispatcherOptions,
} from './dispatcher.ts';
export { deliverableTypeOfSubject, endpointMatches, isDeliverableType } from './match.ts';
export { WebhookRegistry, type WebhookRegistryOptions } from './registry.ts';
export { type WebhookAuditEntry, type WebhookRoutesOptions, webhookRoutes } from './routes.ts';
export { SecretBox, SecretBoxError } from './secret-box.ts';
export { generateSecret, type SignatureHeaders, sign, signatureHeaders } from './signature.ts';
