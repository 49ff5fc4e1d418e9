import type { types } from 'mediasoup';
import type { TapTarget } from '../sfu/taps.ts';

export type LoopbackConsumer = {
  transport: types.PlainTransport;
  consumer: types.Consumer;
  /** The media codec the tap receives (never RTX). */
  codec: types.RtpCodecParameters;
};

/**
 * Consumes the target's producer on a PlainTransport bound to loopback, paused until the tap is
 * listening. Retransmission (RTX) codecs are left out: a tap takes one payload type and sends no NACKs.
 */
export async function consumeOverLoopback(target: TapTarget, opts: { rtcpMux: boolean }): Promise<LoopbackConsumer> {
  const { router, producer } = target;
  const transport = await router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: opts.rtcpMux,
    comedia: false,
  });
  try {
    const rtpCapabilities: types.RtpCapabilities = {
      codecs: (router.rtpCapabilities.codecs ?? []).filter((c) => !c.mimeType.toLowerCase().endsWith('/rtx')),
      headerExtensions: [],
    };
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities, paused: true });
    const codec = consumer.rtpParameters.codecs[0];
    if (!codec) throw new Error('the consumer has no codec');
    return { transport, consumer, codec };
  } catch (err) {
    transport.close();
    throw err;
  }
}
