// A known two-person meeting used by tests and benchmarks: short, common-word utterances that the
// generic en-us language model covers well.
import { festivalVoices, type SpeechOptions, synthesizeSpeech } from './speech.ts';

export type ScriptLine = { speaker: 'alice' | 'bob'; text: string };

export const meetingScript: ScriptLine[] = [
  { speaker: 'alice', text: 'good morning everyone let us get started with the meeting' },
  { speaker: 'bob', text: 'thanks alice i have a short update on the project' },
  { speaker: 'alice', text: 'we should review the budget before the meeting on friday' },
  { speaker: 'bob', text: 'the new design is almost ready for testing' },
  { speaker: 'alice', text: 'can you send me the report by the end of the day' },
  { speaker: 'bob', text: 'yes i will send it this afternoon' },
  { speaker: 'alice', text: 'we need to hire two more people for the team' },
  { speaker: 'bob', text: 'i think we should talk to the customer first' },
  { speaker: 'alice', text: 'let us schedule a call with them next week' },
  { speaker: 'bob', text: 'the sales numbers were better than last year' },
  { speaker: 'alice', text: 'that is great news for the whole company' },
  { speaker: 'bob', text: 'i will write a summary and share it with everyone' },
];

/**
 * A planning meeting with action items for the summarizer: commitments ("i will"), a request
 * accepted in the next turn, a high-risk one (a contract to a customer), a decision, and
 * distractors (a negation, a question). Every line transcribes almost perfectly with festival voices.
 */
export const planningScript: ScriptLine[] = [
  { speaker: 'alice', text: 'good morning bob let us look at the launch plan' },
  { speaker: 'bob', text: 'sure the slides are almost done' },
  { speaker: 'alice', text: 'bob can you send the slides to the team by friday' },
  { speaker: 'bob', text: 'yes i will send them tomorrow morning' },
  { speaker: 'alice', text: 'i will call the customer on monday' },
  { speaker: 'bob', text: 'we will not change the price this year' },
  { speaker: 'alice', text: 'should we move the launch date' },
  { speaker: 'alice', text: 'bob please send the contract to the customer next week' },
  { speaker: 'bob', text: 'ok i will do that' },
  { speaker: 'alice', text: 'we decided to launch the product in march' },
  { speaker: 'bob', text: 'i will write the summary and share it with everyone today' },
  { speaker: 'alice', text: 'thanks everyone that is all for today' },
];

/**
 * Voices for the two speakers. Festival's voices give pocketsphinx far better accuracy than
 * espeak-ng (measured WER on this script: festival cmu_us_slt_arctic_hts 6%, kal_diphone 19%,
 * espeak-ng en-us 68%, at 140 wpm 61%), so they are used when installed (Debian packages
 * festvox-us-slt-hts, festvox-kallpc16k); espeak-ng, always installed, is the fallback.
 */
export async function scriptVoices(): Promise<Record<ScriptLine['speaker'], SpeechOptions>> {
  const installed = new Set(await festivalVoices());
  const festival = (voice: string): SpeechOptions | undefined =>
    installed.has(voice) ? { engine: 'festival', voice } : undefined;
  const slt = festival('cmu_us_slt_arctic_hts');
  const kal = festival('kal_diphone');
  return {
    alice: slt ?? kal ?? { engine: 'espeak-ng', voice: 'en-us' },
    bob: kal ?? slt ?? { engine: 'espeak-ng', voice: 'en-us', wpm: 140 },
  };
}

/** The script as 16 kHz speech, one clip per line, each speaker in their own voice. */
export async function synthesizeScript(
  lines: ScriptLine[] = meetingScript,
): Promise<Array<ScriptLine & { pcm: Int16Array }>> {
  const voices = await scriptVoices();
  return Promise.all(lines.map(async (l) => ({ ...l, pcm: await synthesizeSpeech(l.text, voices[l.speaker]) })));
}
