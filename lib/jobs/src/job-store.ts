import { type Bus, TenantRecords } from '@mi/bus';
import type { Job } from '@mi/contracts';

export const terminalStates: ReadonlySet<Job['state']> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Job records in the `jobs` KV bucket (JetStream KV when distributed): the durable truth about
 * every job. Changes are compare-and-set, so a worker and a cancel request never overwrite each other.
 */
export class JobStore {
  private constructor(private readonly records: TenantRecords<Job>) {}

  static async open(bus: Bus): Promise<JobStore> {
    return new JobStore(new TenantRecords<Job>(await bus.kv('jobs')));
  }

  /** Adds a job; false when one with this id exists already (a retried submission). */
  create(job: Job): Promise<boolean> {
    return this.records.create(job);
  }

  /** The tenant's job; null when absent or another tenant's. */
  get(tenant: string, id: string): Promise<Job | null> {
    return this.records.get(tenant, id);
  }

  /** Read-modify-write with retries on conflict; `change` returns undefined to leave the job as it is. */
  update(tenant: string, id: string, change: (job: Job) => Job | undefined): Promise<Job | null> {
    return this.records.update(tenant, id, change);
  }

  /** The tenant's jobs, newest first. */
  list(tenant: string, opts: { limit?: number; state?: Job['state'] } = {}): Promise<Job[]> {
    return this.records.list(tenant, (j) => !opts.state || j.state === opts.state, opts.limit ?? 100);
  }

  /** Calls `onChange` whenever the job's record changes (null: deleted). */
  watch(tenant: string, id: string, onChange: (job: Job | null) => void) {
    return this.records.watch(tenant, id, onChange);
  }
}
