import { appConfigFromEnv } from './config.ts';
import { startSystem } from './system.ts';

/** `pnpm start`: every service in one process unless SERVICES / NATS_URL say otherwise. */
const config = appConfigFromEnv();
const system = await startSystem(config).catch((err: Error) => {
  console.error(`mediaintel failed to start: ${err.message}`);
  process.exit(1);
});
if (system.url) {
  const rooms = system.sfu ? `  rooms ${system.url}/room?room=demo` : '';
  console.error(
    `\nmediaintel is up: console ${system.url}/${rooms}  clips ${system.url}/clips  ingest ws${system.url.slice(4)}/v1/ingest/audio\n`,
  );
}
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) process.exit(1);
    stopping = true;
    system.logger.info({ signal: sig }, 'shutting down');
    void system.close().then(() => process.exit(0));
  });
}
