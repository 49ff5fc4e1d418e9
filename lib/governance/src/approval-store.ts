import { type Bus, type KeyValue, KvConflictError } from '@mi/bus';
import { AppError, type Approval, type ApprovalApprove, type Decider } from '@mi/contracts';

const BUCKET = 'approvals';
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Approval ids are `<room>.<itemId>`; keys carry the tenant so one tenant never reads another's. */
function keyOf(tenant: string, id: string): string {
  return `${tenant}.${id}`;
}

function nameOf(a: Approval, owner: string | null): string | null {
  if (owner === null) return null;
  return a.participants?.find((p) => p.id === owner)?.name ?? owner;
}

export type Decision =
  | { kind: 'approve'; by: Decider; reason: string | null; edits?: ApprovalApprove['edits'] }
  | { kind: 'reject'; by: Decider; reason: string | null };

/**
 * The approval queue, in a bus KV bucket (JetStream KV when distributed). Decisions are
 * compare-and-set, so two people deciding at once cannot both win.
 */
export class ApprovalStore {
  private constructor(private readonly kv: KeyValue) {}

  static async open(bus: Bus): Promise<ApprovalStore> {
    return new ApprovalStore(await bus.kv(BUCKET));
  }

  /** Adds a pending approval; returns false when it already exists (a retried request). */
  async request(a: Approval): Promise<boolean> {
    try {
      await this.kv.create(keyOf(a.tenant, a.id), enc.encode(JSON.stringify(a)));
      return true;
    } catch (error) {
      if (error instanceof KvConflictError) return false;
      throw error;
    }
  }

  async get(tenant: string, id: string): Promise<Approval | null> {
    const e = await this.kv.get(keyOf(tenant, id));
    return e ? (JSON.parse(dec.decode(e.value)) as Approval) : null;
  }

  async list(tenant: string, filter: { room?: string; status?: Approval['status'] } = {}): Promise<Approval[]> {
    const prefix = filter.room ? `${tenant}.${filter.room}.` : `${tenant}.`;
    const out: Approval[] = [];
    for (const key of await this.kv.keys(prefix)) {
      const e = await this.kv.get(key);
      if (!e) continue;
      const a = JSON.parse(dec.decode(e.value)) as Approval;
      if (!filter.status || a.status === filter.status) out.push(a);
    }
    return out.sort((x, y) => x.createdAt.localeCompare(y.createdAt));
  }

  async countPending(tenant?: string): Promise<number> {
    let n = 0;
    for (const key of await this.kv.keys(tenant ? `${tenant}.` : undefined)) {
      const e = await this.kv.get(key);
      if (e && (JSON.parse(dec.decode(e.value)) as Approval).status === 'pending') n++;
    }
    return n;
  }

  /** Updates the item of a still-pending approval (the summarizer learned more, e.g. the owner). */
  async refreshPending(tenant: string, id: string, item: Approval['item']): Promise<void> {
    const e = await this.kv.get(keyOf(tenant, id));
    if (!e) return;
    const a = JSON.parse(dec.decode(e.value)) as Approval;
    if (a.status !== 'pending') return;
    try {
      await this.kv.update(keyOf(tenant, id), enc.encode(JSON.stringify({ ...a, item })), e.revision);
    } catch (error) {
      if (!(error instanceof KvConflictError)) throw error; // decided meanwhile: the decision wins
    }
  }

  /**
   * Applies a person's decision to a pending approval. Returns the approval before and after.
   * Throws ERR_NOT_FOUND, or ERR_CONFLICT when it was already decided (by anyone).
   */
  async decide(
    tenant: string,
    id: string,
    d: Decision,
    now = new Date(),
  ): Promise<{ before: Approval; after: Approval }> {
    const e = await this.kv.get(keyOf(tenant, id));
    if (!e) throw new AppError('ERR_NOT_FOUND', `approval ${id} not found`);
    const before = JSON.parse(dec.decode(e.value)) as Approval;
    if (before.status !== 'pending') {
      throw new AppError('ERR_CONFLICT', `approval ${id} is already ${before.status}`, { status: before.status });
    }
    const edits = d.kind === 'approve' ? d.edits : undefined;
    const item = edits
      ? {
          ...before.item,
          ...edits,
          ...(edits.owner !== undefined ? { ownerName: nameOf(before, edits.owner) } : {}),
        }
      : before.item;
    const after: Approval = {
      ...before,
      item,
      status: d.kind === 'approve' ? 'approved' : 'rejected',
      decidedAt: now.toISOString(),
      decidedBy: d.by,
      reason: d.reason,
    };
    try {
      await this.kv.update(keyOf(tenant, id), enc.encode(JSON.stringify(after)), e.revision);
    } catch (error) {
      if (error instanceof KvConflictError) throw new AppError('ERR_CONFLICT', `approval ${id} changed meanwhile`);
      throw error;
    }
    return { before, after };
  }
}
