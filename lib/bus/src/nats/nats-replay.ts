import {
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type OrderedConsumerOptions,
} from '@nats-io/jetstream';
import { subjectMatcher } from '../subject-match.ts';
import type { DeliverFrom, ReplayOptions, ReplaySubscription, StoredMessage } from '../types.ts';
import { apiCode, apiCodes, fromNatsHeaders } from './wire.ts';

/**
 * The stream sequence a replay starts at. nats.js recreates an ordered consumer (after a gap or a
 * reconnect) from its last position as a start *sequence* but keeps the original config, which
 * breaks "new" (restarts from 1 when nothing was received yet) and "time" (start time and start
 * sequence together are refused). Resolving every position to a sequence up front avoids both.
 */
async function startSeq(jsm: JetStreamManager, js: JetStreamClient, stream: string, from: DeliverFrom) {
  switch (from.kind) {
    case 'all':
      return 1;
    case 'seq':
      return Math.max(1, from.seq);
    case 'new':
      return (await jsm.streams.info(stream)).state.last_seq + 1;
    case 'time': {
      // The server picks the first message at or after the time when it creates a consumer.
      const probe = await js.consumers.get(stream, { opt_start_time: from.time.toISOString() });
      const info = await probe.info(true);
      await probe.delete().catch(() => false);
      return info.delivered.stream_seq + 1;
    }
  }
}

/**
 * nats-server 2.9 only accepts a consumer filter that is a subset or superset of one stream
 * subject, so `v1.*.room.>` on a stream of `v1.transcript.>` and `v1.speech.>` is refused (2.10
 * accepts it). Then the whole stream is read and filtered here: same result, more traffic.
 */
async function orderedConsumer(
  js: JetStreamClient,
  stream: string,
  config: Partial<OrderedConsumerOptions>,
  filter: string | undefined,
): Promise<{ consumer: Consumer; matches: (subject: string) => boolean }> {
  const all = () => true;
  if (!filter) return { consumer: await js.consumers.get(stream, config), matches: all };
  try {
    return { consumer: await js.consumers.get(stream, { ...config, filter_subjects: filter }), matches: all };
  } catch (error) {
    if (apiCode(error) !== apiCodes.filterNotSubset) throw error;
    return { consumer: await js.consumers.get(stream, config), matches: subjectMatcher(filter) };
  }
}

/** Ordered replay over an ephemeral ordered pull consumer (one filter subject: fine on 2.9). */
export async function natsReplay(
  jsm: JetStreamManager,
  js: JetStreamClient,
  stream: string,
  opts: ReplayOptions,
  handler: (msg: StoredMessage) => void | Promise<void>,
  onError: (error: unknown) => void,
): Promise<ReplaySubscription> {
  const live = opts.live ?? true;
  const config: Partial<OrderedConsumerOptions> = {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: await startSeq(jsm, js, stream, opts.from),
  };
  const { consumer, matches } = await orderedConsumer(js, stream, config, opts.filterSubject);
  const initial = await consumer.info(true);
  let messages: ConsumerMessages | undefined;
  let stopped = false;
  // A bounded replay ends with the messages stored when it began. `pending === 0` alone never
  // comes while others keep writing to the same subjects, so count against the initial backlog too.
  let delivered = 0;
  const finished = (pending: number) => !live && (pending === 0 || delivered >= initial.num_pending);
  const done = (async () => {
    if (!live && initial.num_pending === 0) return;
    messages = await consumer.consume({ max_messages: 256 });
    if (stopped) messages.stop();
    for await (const m of messages) {
      delivered++;
      if (!matches(m.subject)) {
        if (stopped || finished(m.info.pending)) break;
        continue;
      }
      try {
        await handler({
          subject: m.subject,
          data: m.data,
          headers: fromNatsHeaders(m.headers),
          seq: m.seq,
          time: m.time,
        });
      } catch (error) {
        onError(error);
      }
      if (stopped || finished(m.info.pending)) break;
    }
  })()
    .catch(onError)
    .finally(() => {
      messages?.stop();
      void consumer.delete().catch(() => false);
    });
  return {
    done,
    unsubscribe: async () => {
      stopped = true;
      messages?.stop();
      await done;
    },
  };
}
