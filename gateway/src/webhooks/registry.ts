import { randomBytes } from 'node:crypto';
import { type Bus, type KeyValue, KvConflictError, type KvEntry, type Subscription } from '@mi/bus';
import { AppError, type WebhookCreate, type WebhookEndpoint } from '@mi/contracts';
import { listKeysOnce } from './key-index.ts';
import { endpointMatches, type MatchableEvent } from './match.ts';
import type { SecretBox } from './secret-box.ts';
import { generateSecret, secretKey } from './signature.ts';

/** What the bucket holds per endpoint; the secret only ever sealed. */
type StoredEndpoint = { endpoint: WebhookEndpoint; secret: string };
type Cached = { endpoint: Readonly<WebhookEndpoint>; sealedSecret: string; revision: number };

export type WebhookRegistryOptions = {
  bus: Bus;
  secrets: SecretBox;
  /** Default `webhooks`. */
  bucket?: string;
  /** A record that cannot be decoded (written by something else); default console.error. */
  onError?: (error: unknown) => void;
};

const encode = (value: StoredEndpoint) => new TextEncoder().encode(JSON.stringify(value));
const decode = (entry: KvEntry) => JSON.parse(new TextDecoder().decode(entry.value)) as StoredEndpoint;

/**
 * Webhook endpoints, kept in a KV bucket (shared by every gateway) and mirrored in memory through
 * a KV watch, so matching an event costs no KV round trip. `get` reads the bucket; `list` the mirror.
 */
export class WebhookRegistry {
  private readonly cache = new Map<string, Cached>();
  private readonly byTenant = new Map<string, Map<string, Cached>>();
  private watcher: Subscription | undefined;

  private constructor(
    private readonly kv: KeyValue,
    private readonly secrets: SecretBox,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Opens the bucket and fills the cache; resolves once matching sees every stored endpoint. */
  static async open(opts: WebhookRegistryOptions): Promise<WebhookRegistry> {
    const kv = await opts.bus.kv(opts.bucket ?? 'webhooks');
    const registry = new WebhookRegistry(kv, opts.secrets, opts.onError ?? ((e) => console.error('[webhooks]', e)));
    await registry.load();
    return registry;
  }

  private async load(): Promise<void> {
    // Watch before listing so no change made in between is missed; revisions settle the overlap.
    const deletedWhileLoading = new Set<string>();
    let loading = true;
    this.watcher = await this.kv.watch('>', (entry, key) => {
      if (entry) return this.remember(key, entry);
      if (loading) deletedWhileLoading.add(key);
      this.forget(key);
    });
    for (const key of await listKeysOnce(this.kv)) {
      const entry = await this.kv.get(key);
      if (entry && !deletedWhileLoading.has(key)) this.remember(key, entry);
    }
    loading = false;
  }

  async close(): Promise<void> {
    await this.watcher?.unsubscribe();
    this.watcher = undefined;
  }

  /** Creates an endpoint; the plain secret is returned here and never again. */
  async create(tenant: string, input: WebhookCreate): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
    checkUrl(input.url);
    const secret = input.secret ?? generateSecret();
    checkSecret(secret);
    const id = `wh_${randomBytes(12).toString('hex')}`;
    const endpoint: WebhookEndpoint = {
      id,
      tenant,
      url: input.url,
      eventTypes: [...new Set(input.eventTypes)],
      ...(input.rooms ? { rooms: [...new Set(input.rooms)] } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      enabled: true,
      createdAt: new Date().toISOString(),
    };
    const stored: StoredEndpoint = { endpoint, secret: this.secrets.seal(secret, id) };
    const revision = await this.kv.create(id, encode(stored));
    this.store(id, stored, revision);
    return { endpoint: structuredClone(endpoint), secret };
  }

  /** From the bucket (fresh across gateways); null when unknown or not this tenant's. */
  async get(id: string, tenant?: string): Promise<WebhookEndpoint | null> {
    const entry = await this.kv.get(id);
    const endpoint = entry ? decode(entry).endpoint : null;
    return endpoint && (tenant === undefined || endpoint.tenant === tenant) ? endpoint : null;
  }

  /**
   * From the watched mirror: listing the bucket itself (`keys()`) can stall on NATS while endpoints
   * are written, and the mirror lags another gateway's write by milliseconds at most.
   */
  async list(tenant: string): Promise<WebhookEndpoint[]> {
    const out = [...(this.byTenant.get(tenant)?.values() ?? [])].map((c) => structuredClone(c.endpoint));
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async delete(id: string): Promise<void> {
    await this.kv.delete(id);
    this.forget(id);
  }

  /** Enables or disables; null when the endpoint does not exist. Compare-and-set, so a concurrent edit is not lost. */
  async setEnabled(id: string, enabled: boolean): Promise<WebhookEndpoint | null> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const entry = await this.kv.get(id);
      if (!entry) return null;
      const stored = decode(entry);
      if (stored.endpoint.enabled === enabled) return stored.endpoint;
      stored.endpoint.enabled = enabled;
      try {
        const revision = await this.kv.update(id, encode(stored), entry.revision);
        this.store(id, stored, revision);
        return stored.endpoint;
      } catch (error) {
        if (!(error instanceof KvConflictError)) throw error;
      }
    }
    throw new AppError('ERR_CONFLICT', `webhook ${id} is being changed concurrently`);
  }

  // --- the in-memory mirror, for the dispatcher ---

  /** The endpoint as last seen through the watch. */
  cached(id: string): Readonly<WebhookEndpoint> | undefined {
    return this.cache.get(id)?.endpoint;
  }

  /** The plain secret, opened on demand so it does not sit decrypted in memory. */
  secretOf(id: string): string | undefined {
    const c = this.cache.get(id);
    return c ? this.secrets.open(c.sealedSecret, id) : undefined;
  }

  /** Enabled endpoints that want `event` (never one for a type outside the deliverable list). */
  endpointsFor(event: MatchableEvent): Readonly<WebhookEndpoint>[] {
    const out: Readonly<WebhookEndpoint>[] = [];
    for (const c of this.byTenant.get(event.tenant)?.values() ?? []) {
      if (endpointMatches(c.endpoint, event)) out.push(c.endpoint);
    }
    return out;
  }

  private remember(key: string, entry: KvEntry): void {
    try {
      this.store(key, decode(entry), entry.revision);
    } catch (error) {
      this.onError(new Error(`unreadable webhook record ${key}`, { cause: error }));
    }
  }

  private store(id: string, stored: StoredEndpoint, revision: number): void {
    const current = this.cache.get(id);
    if (current && current.revision >= revision) return; // the watch echoing our own write, or stale
    const endpoint = Object.freeze(structuredClone(stored.endpoint));
    if (current && current.endpoint.tenant !== endpoint.tenant) this.byTenant.get(current.endpoint.tenant)?.delete(id);
    const cached: Cached = { endpoint, sealedSecret: stored.secret, revision };
    this.cache.set(id, cached);
    const tenant = this.byTenant.get(endpoint.tenant) ?? new Map<string, Cached>();
    this.byTenant.set(endpoint.tenant, tenant);
    tenant.set(id, cached);
  }

  private forget(id: string): void {
    const current = this.cache.get(id);
    if (!current) return;
    this.cache.delete(id);
    const tenant = this.byTenant.get(current.endpoint.tenant);
    tenant?.delete(id);
    if (tenant?.size === 0) this.byTenant.delete(current.endpoint.tenant);
  }
}

function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('ERR_SCHEMA', 'webhook url is not a URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AppError('ERR_SCHEMA', 'webhook url must be http or https');
  }
}

/** Standard Webhooks secrets carry 24 to 64 bytes. */
function checkSecret(secret: string): void {
  let bytes = 0;
  try {
    bytes = secretKey(secret).length;
  } catch {
    // reported below
  }
  if (bytes < 24 || bytes > 64)
    throw new AppError('ERR_SCHEMA', 'webhook secret must be whsec_ + base64 of 24-64 bytes');
}
