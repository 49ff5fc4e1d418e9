import type { Subscription } from '@mi/bus';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RoomEvent } from './room-events.ts';

type Follow = (send: (e: RoomEvent) => void) => Promise<Subscription>;

/**
 * Serves events as Server-Sent Events: `id` is the resume cursor (browsers send it back as
 * Last-Event-ID), `event` the event type; comments keep proxies from closing an idle stream.
 */
export async function serveSse(req: FastifyRequest, reply: FastifyReply, heartbeatMs: number, follow: Follow) {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-correlation-id': req.id,
  });
  res.write(': connected\n\n');
  let sub: Subscription | undefined;
  const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
  req.raw.on('close', () => {
    clearInterval(heartbeat);
    void sub?.unsubscribe();
  });
  sub = await follow((e) => {
    res.write(`id: ${e.cursor}\nevent: ${e.event.type}\ndata: ${JSON.stringify(e.event)}\n\n`);
  });
  if (req.raw.destroyed) await sub.unsubscribe();
}

type Socket = {
  readyState: number;
  OPEN: number;
  send(data: string): void;
  close(code: number, reason: string): void;
  on(ev: 'close', fn: () => void): void;
};

/** The same events over a WebSocket, one JSON message each: `{ id, seq, event }`. */
export async function serveWs(socket: Socket, follow: () => Promise<Follow>) {
  let closed = false;
  let sub: Subscription | undefined;
  socket.on('close', () => {
    closed = true;
    void sub?.unsubscribe();
  });
  try {
    const start = await follow();
    sub = await start((e) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ id: e.cursor, seq: e.seq, event: e.event }));
    });
  } catch (err) {
    socket.close(4400, (err as Error).message.slice(0, 120));
    return;
  }
  if (closed) await sub.unsubscribe();
}
