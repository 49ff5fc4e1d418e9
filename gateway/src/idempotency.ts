import { createHash } from 'node:crypto';
import { type Bus, type KeyValue, KvConflictError } from '@mi/bus';
import { AppError } from '@mi/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Idempotency-Key for POST (and PATCH/DELETE) requests, as in the IETF draft and Stripe: the first
 * response to a key is stored and replayed for every retry with the same key and body; the same key
 * with a different body is 422, a retry while the first is still running is 409. 5xx responses are
 * not stored, so a retry after a server failure runs again. Keys are per tenant and expire.
 */
type Stored =
  | { state: 'running'; fingerprint: string; at: number }
  | { state: 'done'; fingerprint: string; at: number; status: number; contentType?: string; body: string };

const enc = new TextEncoder();
const dec = new TextDecoder();
const HEADER = 'idempotency-key';
const CLAIM = Symbol('idempotency-claim');

type Claimed = FastifyRequest & { [CLAIM]?: { key: string; revision: number; fingerprint: string } };

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export const idempotencyPlugin = fp(
  async (app: FastifyInstance, opts: { bus: Bus; ttlMs?: number; runningTimeoutMs?: number }) => {
    const kv: KeyValue = await opts.bus.kv('idempotency');
    const ttl = opts.ttlMs ?? 24 * 3600_000;
    const runningTimeout = opts.runningTimeoutMs ?? 60_000;

    app.addHook('preHandler', async (req: Claimed, reply: FastifyReply) => {
      const raw = req.headers[HEADER];
      if (typeof raw !== 'string' || !['POST', 'PATCH', 'DELETE'].includes(req.method)) return;
      if (raw.length < 1 || raw.length > 255)
        throw new AppError('ERR_SCHEMA', 'Idempotency-Key must be 1-255 characters');
      const tenant = req.principal?.tenant ?? 'default';
      const key = `${tenant}.${sha(`${req.method} ${req.routeOptions.url ?? req.url} ${JSON.stringify(req.params)} ${raw}`)}`;
      // Streamed bodies (multipart uploads) are not parsed here: the path and length stand for them.
      const streamed = req.body === undefined && req.headers['content-length'] !== undefined;
      const fingerprint = sha(
        streamed ? `${req.url}:${req.headers['content-length']}` : JSON.stringify(req.body ?? null),
      );
      const now = Date.now();
      for (let attempt = 0; attempt < 3; attempt++) {
        const entry = await kv.get(key);
        const stored = entry ? (JSON.parse(dec.decode(entry.value)) as Stored) : undefined;
        const expired = stored && now - stored.at > (stored.state === 'running' ? runningTimeout : ttl);
        if (stored && !expired) {
          if (stored.fingerprint !== fingerprint) throw new AppError('ERR_IDEMPOTENCY_MISMATCH');
          if (stored.state === 'running') throw new AppError('ERR_IDEMPOTENCY_IN_PROGRESS');
          reply.header('idempotent-replayed', 'true');
          if (stored.contentType) reply.type(stored.contentType);
          return reply.code(stored.status).send(stored.body);
        }
        const running: Stored = { state: 'running', fingerprint, at: now };
        try {
          const revision = entry
            ? await kv.update(key, enc.encode(JSON.stringify(running)), entry.revision)
            : await kv.create(key, enc.encode(JSON.stringify(running)));
          req[CLAIM] = { key, revision, fingerprint };
          return;
        } catch (error) {
          if (!(error instanceof KvConflictError)) throw error; // a concurrent twin got there first: look again
        }
      }
      throw new AppError('ERR_IDEMPOTENCY_IN_PROGRESS');
    });

    app.addHook('onSend', async (req: Claimed, reply, payload) => {
      const claim = req[CLAIM];
      if (!claim) return payload;
      req[CLAIM] = undefined;
      if (reply.statusCode >= 500) {
        await kv.delete(claim.key).catch(() => {});
        return payload;
      }
      const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
      const contentType = reply.getHeader('content-type');
      const done: Stored = {
        state: 'done',
        fingerprint: claim.fingerprint,
        at: Date.now(),
        status: reply.statusCode,
        body,
        ...(typeof contentType === 'string' ? { contentType } : {}),
      };
      await kv.update(claim.key, enc.encode(JSON.stringify(done)), claim.revision).catch(() => {});
      return payload;
    });
  },
);
