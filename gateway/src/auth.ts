import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '@mi/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export const roles = ['admin', 'operator', 'viewer', 'bot'] as const;
export type Role = (typeof roles)[number];
export type Principal = { id: string; role: Role; tenant: string };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/** An API key as kept in memory: only the SHA-256 of the token, never the token. */
export type ApiKey = Principal & { hash: Buffer };

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * Parses `API_KEYS`: comma-separated `id:role:tenant:token`. Tokens are hashed at once.
 * Empty means open mode (one local admin), the embedded default for a single user.
 */
export function parseApiKeys(value: string | undefined): ApiKey[] {
  if (!value?.trim()) return [];
  return value.split(',').map((entry) => {
    const [id, role, tenant, token] = entry.trim().split(':');
    if (!id || !tenant || !token || !(roles as readonly string[]).includes(role ?? '')) {
      throw new Error(
        `API_KEYS entry "${id ?? ''}:…" must be id:role:tenant:token with role one of ${roles.join(', ')}`,
      );
    }
    if (token.length < 16) throw new Error(`API key ${id}: token must have at least 16 characters`);
    return { id, role: role as Role, tenant, hash: sha256(token) };
  });
}

const openPrincipal: Principal = { id: 'local-admin', role: 'admin', tenant: 'default' };
// The SFU signaling socket authenticates by room token (browsers cannot set headers on a WebSocket).
const publicPaths = new Set([
  '/',
  '/room',
  '/clips',
  '/sfu-client.js',
  '/clips-client.js',
  '/healthz',
  '/readyz',
  '/metrics',
  '/v1/sfu',
]);
// Pages load these scripts and WebAssembly without the API key (the page's API calls carry it).
const publicPrefixes = ['/v1/objects/', '/vendor/ffmpeg/'];

function tokenOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  // EventSource and WebSocket in browsers cannot set headers.
  const q = (req.query as Record<string, unknown> | undefined)?.access_token;
  return typeof q === 'string' ? q : undefined;
}

/**
 * Authenticates every request by API key (Bearer header or `access_token` query) and sets
 * `request.principal`. With no keys configured every request acts as the local admin.
 */
export const authPlugin = fp(async (app: FastifyInstance, opts: { keys: ApiKey[] }) => {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (req) => {
    if (opts.keys.length === 0) {
      req.principal = openPrincipal;
      return;
    }
    const path = req.url.split('?')[0] ?? '';
    const token = tokenOf(req);
    if (!token) {
      // Presigned object URLs carry their own signature.
      if (publicPaths.has(path) || publicPrefixes.some((p) => path.startsWith(p))) return;
      throw new AppError('ERR_UNAUTHORIZED');
    }
    const hash = sha256(token);
    const key = opts.keys.find((k) => timingSafeEqual(k.hash, hash));
    if (!key) throw new AppError('ERR_UNAUTHORIZED');
    req.principal = { id: key.id, role: key.role, tenant: key.tenant };
  });
});

/** preHandler allowing only the given roles (admin always passes). */
export function requireRole(...allowed: Role[]) {
  return async (req: FastifyRequest) => {
    const p = req.principal;
    if (!p) throw new AppError('ERR_UNAUTHORIZED');
    if (p.role !== 'admin' && !allowed.includes(p.role)) {
      throw new AppError('ERR_FORBIDDEN', `role ${p.role} may not do this`);
    }
  };
}
