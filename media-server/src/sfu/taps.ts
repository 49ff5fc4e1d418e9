import type { Participant } from '@mi/contracts';
import type { types } from 'mediasoup';

/** What a tap needs to know about the producer it listens to. */
export type TapTarget = {
  room: string;
  tenant: string;
  correlationId: string;
  participant: Participant;
  producer: types.Producer;
  source: 'mic' | 'camera' | 'screen' | 'file';
  router: types.Router;
};

/** A running tap; `close` ends its stream, finishes its recording and frees its transport. */
export type Tap = { readonly kind: 'audio' | 'video'; close(reason: string): Promise<void> };

/** Attaches taps (transcription, key frames, recording) to producers; injected into rooms. */
export interface MediaTaps {
  attach(target: TapTarget): Promise<Tap | undefined>;
}

/** No taps (an SFU that only forwards). */
export const noTaps: MediaTaps = { attach: async () => undefined };
