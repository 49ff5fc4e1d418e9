/** Stream, durable and bucket names: one subject-safe token, as JetStream requires. */
const validName = /^[-\w]+$/;

export function checkName(what: string, name: string): void {
  if (!validName.test(name)) throw new Error(`invalid ${what} name: "${name}"`);
}

export const consumerDefaults = { ackWaitMs: 30_000, maxDeliver: 5, maxAckPending: 1000 } as const;

export const requestDefaults = { timeoutMs: 5_000 } as const;
