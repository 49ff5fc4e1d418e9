import { describe, expect, it } from 'vitest';
import { decodeAudioFrame, encodeAudioFrame } from './codec.ts';
import { makeEvent } from './make-event.ts';
import { subjects } from './subjects.ts';
import { ValidationError, validateEvent } from './validate.ts';

const ctx = { tenant: 'acme', correlationId: 'c-1', producer: { service: 'test', version: '0' }, room: 'r1' };
const participant = { id: 'alice', name: 'Alice' };

describe('events', () => {
  it('validates a transcript final and rejects a malformed one with a path', () => {
    const data = {
      segmentId: 's1',
      stream: 'st1',
      room: 'r1',
      speaker: participant,
      start: 0,
      end: 1000,
      startedAt: new Date().toISOString(),
      text: 'hello',
      words: [],
      confidence: 0.9,
      engine: { name: 'pocketsphinx', version: '5prealpha', model: 'en-us' },
    };
    expect(validateEvent(makeEvent('transcript.final', 1, data, ctx)).type).toBe('transcript.final');
    expect(() => validateEvent(makeEvent('transcript.final', 1, { ...data, confidence: 3 }, ctx))).toThrow(
      /confidence/,
    );
    expect(() => validateEvent({ type: 'nope', version: 1 })).toThrow(ValidationError);
  });

  it('round-trips an audio frame through the binary codec', () => {
    const pcm = Int16Array.from([1, -2, 300, -32768, 32767]);
    const meta = makeEvent(
      'media.audio',
      1,
      {
        stream: 'st1',
        room: 'r1',
        participant,
        seq: 0,
        offset: 0,
        samples: pcm.length,
        sampleRate: 16000 as const,
        channels: 1 as const,
        encoding: 'pcm_s16le' as const,
        streamStartedAt: new Date().toISOString(),
      },
      ctx,
    );
    const back = decodeAudioFrame(encodeAudioFrame({ meta, pcm }));
    expect([...back.pcm]).toEqual([...pcm]);
    expect(back.meta.id).toBe(meta.id);
    const bad = encodeAudioFrame({ meta: { ...meta, data: { ...meta.data, samples: 9 } }, pcm });
    expect(() => decodeAudioFrame(bad)).toThrow(/length/);
  });
});

describe('subjects', () => {
  it('puts the version first and rejects tokens that would break subject matching', () => {
    expect(subjects.transcriptFinal('r1')).toBe('v1.transcript.r1.final');
    expect(subjects.audio('r1', 'alice')).toBe('v1.media.r1.alice.audio');
    expect(() => subjects.audio('r.1', 'alice')).toThrow(/room/);
    expect(() => subjects.audio('r1', 'a*')).toThrow(/participant/);
  });
});
