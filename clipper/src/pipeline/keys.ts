/** Where a job keeps what it makes in the object store: everything under one tenant-scoped prefix. */
export function jobKeys(tenant: string, job: string) {
  const base = `jobs/${tenant}/${job}`;
  return {
    base,
    transcript: `${base}/transcript.json`,
    keyframes: `${base}/keyframes.json`,
    keyframeImage: (at: number) => `${base}/keyframes/${String(Math.round(at)).padStart(9, '0')}.jpg`,
    edl: `${base}/edl.json`,
    /** The manifest of one finished clip: a retried attempt skips clips it finds here. */
    clipManifest: (index: number) => `${base}/clips/${index}.json`,
    clipFile: (index: number, file: string) => `${base}/clips/${index}/${file}`,
    /** A room's mixed recording, assembled before the rest of the path. */
    roomSource: `${base}/source.mp4`,
  };
}
export type JobKeys = ReturnType<typeof jobKeys>;
