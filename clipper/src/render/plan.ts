/** One ffmpeg run, described as data so the same run can go through fluent-ffmpeg or a bare spawn. */
export type FfmpegInput = { source: string; options: string[] };
export type FfmpegOutput = { target: string; options: string[] };
export type FfmpegPlan = {
  /** Logging flags; they go before the first input. */
  globalOptions: string[];
  inputs: FfmpegInput[];
  filterComplex?: string;
  outputs: FfmpegOutput[];
};

/** Errors only, plus the progress line that the runner reads. */
export const quietOptions = ['-hide_banner', '-v', 'error', '-stats'];

/** The argv fluent-ffmpeg builds for a plan (inputs, `-y`, graph, outputs), for running ffmpeg bare. */
export function planArgs(plan: FfmpegPlan): string[] {
  return [
    ...plan.globalOptions,
    ...plan.inputs.flatMap((input) => [...input.options, '-i', input.source]),
    '-y',
    ...(plan.filterComplex ? ['-filter_complex', plan.filterComplex] : []),
    ...plan.outputs.flatMap((output) => [...output.options, output.target]),
  ];
}
