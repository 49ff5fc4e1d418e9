import { type Bus, type KeyValue, KvConflictError } from '@mi/bus';
import type { Job } from '@mi/contracts';

const BUCKET = 'jobs';
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Keys carry the tenant, so one tenant never reads another's jobs. */
const keyOf = (tenant: string, id: string) => `${tenant}.${id}`;

export const terminalStates: ReadonlySet<Job['state']> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Job records in a bus KV bucket (JetStream KV when distributed): the durable truth about every
 * job. Changes are compare-and-set, so a worker and a cancel request never overwrite each other.
 */
export class JobStore {
  private constructor(private readonly kv: KeyValue) {}

  static async open(bus: Bus): Promise<JobStore> {
    return new JobStore(await bus.kv(BUCKET));
  }

  /** Adds a job; false when one with this id exists already (a retried submission). */
  async create(job: Job): Promise<boolean> {
    try {
      await this.kv.create(keyOf(job.tenant, job.id), enc.encode(JSON.stringify(job)));
      return true;
    } catch (error) {
      if (error instanceof KvConflictError) return false;
      throw error;
    }
  }

  async get(tenant: string, id: string): Promise<Job | null> {
    const e = await this.kv.get(keyOf(tenant, id));
    const job = e ? (JSON.parse(dec.decode(e.value)) as Job) : null;
    return job?.tenant === tenant ? job : null;
  }

  /**
   * Read-modify-write with retries on conflict. `change` returns the new record, or undefined to
   * leave it as it is. Returns the stored record (null when the job does not exist).
   */
  async update(tenant: string, id: string, change: (job: Job) => Job | undefined): Promise<Job | null> {
    for (let attempt = 0; ; attempt++) {
      const e = await this.kv.get(keyOf(tenant, id));
      if (!e) return null;
      const current = JSON.parse(dec.decode(e.value)) as Job;
      const next = change(current);
      if (!next) return current;
      const stamped = { ...next, updatedAt: new Date().toISOString() };
      try {
        await this.kv.update(keyOf(tenant, id), enc.encode(JSON.stringify(stamped)), e.revision);
        return stamped;
      } catch (error) {
        if (!(error instanceof KvConflictError) || attempt >= 20) throw error;
      }
    }
  }

  /** The tenant's jobs, newest first. */
  async list(tenant: string, opts: { limit?: number; state?: Job['state'] } = {}): Promise<Job[]> {
    const out: Job[] = [];
    for (const key of await this.kv.keys(`${tenant}.`)) {
      const e = await this.kv.get(key);
      if (!e) continue;
      const job = JSON.parse(dec.decode(e.value)) as Job;
      // `acme.` also prefixes the keys of a tenant called `acme.eu`.
      if (job.tenant === tenant && (!opts.state || job.state === opts.state)) out.push(job);
    }
    out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return out.slice(0, opts.limit ?? 100);
  }

  /** Calls `onChange` whenever the job's record changes (null: deleted). */
  watch(tenant: string, id: string, onChange: (job: Job | null) => void) {
    return this.kv.watch(keyOf(tenant, id), (entry) =>
      onChange(entry ? (JSON.parse(dec.decode(entry.value)) as Job) : null),
    );
  }
}
