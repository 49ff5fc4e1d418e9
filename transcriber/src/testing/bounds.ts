/** First and last sample of actual speech in a TTS clip (TTS pads with silence): a simple energy floor. */
export function speechBounds(pcm: Int16Array, window = 160, floor = 300): { first: number; last: number } {
  const loud = (i: number) => {
    let e = 0;
    for (let j = i; j < Math.min(pcm.length, i + window); j++) e += Math.abs(pcm[j]!);
    return e / window > floor;
  };
  let first = 0;
  let last = pcm.length;
  for (let i = 0; i < pcm.length; i += window) {
    if (loud(i)) {
      first = i;
      break;
    }
  }
  for (let i = pcm.length - window; i >= 0; i -= window) {
    if (loud(i)) {
      last = i + window;
      break;
    }
  }
  return { first, last };
}
