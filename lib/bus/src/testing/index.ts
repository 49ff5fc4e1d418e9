/** Test helpers; imported as `@mi/bus/testing`, never from production code. */
export { freePort, type NatsServerHandle, type NatsServerOptions, startNatsServer } from './nats-server.ts';
export { sleep, waitFor } from './wait-for.ts';
