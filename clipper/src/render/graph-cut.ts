import { encoderOptions, secs, seekTo } from './encode.ts';
import { type FfmpegPlan, quietOptions } from './plan.ts';
import type { FrameRange } from './ranges.ts';
import { thumbnailFilters, thumbnailOptions } from './thumbnail.ts';

const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const TITLE_FONT = `${FONT_DIR}/DejaVuSans-Bold.ttf`;
const BACKGROUND = '0x1e2230';
/** libass sizes are in a 288-line script space; the narrow vertical picture needs smaller text. */
const CAPTION_STYLE = 'FontName=DejaVu Sans,FontSize=22,Outline=2,Shadow=0,MarginV=18';
const VERTICAL_CAPTION_STYLE = 'FontName=DejaVu Sans,FontSize=14,Outline=2,Shadow=0,MarginV=18';

export type GraphCutOptions = {
  source: string;
  ranges: FrameRange[];
  fps: number;
  /** Which streams the source has (at least one). */
  has: { video: boolean; audio: boolean };
  fadeMs: number;
  /** SRT file to burn in, relative to the working directory (no escaping needed). */
  burnSubtitles?: string;
  /** Sources without video: the picture size and a title text file (relative to the working directory). */
  background?: { width: number; height: number; titleFile?: string };
  out: string;
  vertical?: string;
  /** JPEG of the middle frame. */
  thumbnail: string;
};

/**
 * Everything but the default path in one encode: ranges joined with fades, captions burned in,
 * a synthetic picture or silence for a missing stream, and the vertical crop as a second output.
 */
export function graphCutPlan(o: GraphCutOptions): FfmpegPlan {
  const { fps, ranges } = o;
  const total = ranges.reduce((n, r) => n + r.frames, 0);
  const totalSec = total / fps;
  const fadeSec = ranges.length > 1 ? o.fadeMs / 1000 : 0;
  const inputs: FfmpegPlan['inputs'] = ranges.map((r) => ({
    source: o.source,
    // A frame of slack on the input; trim below keeps the exact count.
    options: ['-ss', seekTo(r.startFrame, fps), '-t', secs((r.frames + 1) / fps)],
  }));
  const chains: string[] = [];

  if (o.has.video) {
    const parts = ranges.map((r, i) => {
      const fades = fadeFilters('fade', i, ranges.length, r.frames / fps, fadeSec);
      chains.push(`[${i}:v:0]${[`trim=end_frame=${r.frames}`, 'setpts=PTS-STARTPTS', ...fades].join(',')}[v${i}]`);
      return `[v${i}]`;
    });
    chains.push(`${parts.join('')}concat=n=${parts.length}:v=1:a=0[vj]`);
  } else {
    const bg = o.background ?? { width: 1280, height: 720 };
    const index = inputs.length;
    inputs.push({
      source: `color=c=${BACKGROUND}:s=${bg.width}x${bg.height}:r=${fps}:d=${secs(totalSec)}`,
      options: ['-f', 'lavfi'],
    });
    const title = bg.titleFile
      ? `drawtext=fontfile=${TITLE_FONT}:textfile=${bg.titleFile}:fontsize=${Math.round(bg.height / 12)}:expansion=none:fontcolor=white:line_spacing=${Math.round(bg.height / 40)}:x=(w-text_w)/2:y=(h-text_h)/2`
      : 'null';
    chains.push(`[${index}:v:0]${title}[vj]`);
  }

  if (o.has.audio) {
    const parts = ranges.map((r, i) => {
      const d = secs(r.frames / fps);
      const fades = fadeFilters('afade', i, ranges.length, r.frames / fps, fadeSec);
      // apad: the last range of a file may hold a little less sound than picture.
      const filters = [`atrim=duration=${d}`, `apad=whole_dur=${d}`, 'asetpts=PTS-STARTPTS', ...fades];
      chains.push(`[${i}:a:0]${filters.join(',')}[a${i}]`);
      return `[a${i}]`;
    });
    chains.push(`${parts.join('')}concat=n=${parts.length}:v=0:a=1[aj]`);
  } else {
    const index = inputs.length;
    inputs.push({ source: 'anullsrc=r=48000:cl=stereo', options: ['-f', 'lavfi'] });
    chains.push(`[${index}:a:0]atrim=duration=${secs(totalSec)}[aj]`);
  }

  const burn = (style: string) => (o.burnSubtitles ? [subtitles(o.burnSubtitles, style)] : []);
  const outputs: FfmpegPlan['outputs'] = [];
  // The graph already holds the exact frame count (trim, or the background's length). No
  // -frames:v here: reaching it closes the whole file, and in a graph the picture can run ahead
  // of the sound, which would then be cut short.
  const output = (target: string, video: string, audio: string) =>
    outputs.push({
      target,
      options: ['-map', `[${video}]`, '-map', `[${audio}]`, '-t', secs(totalSec), ...encoderOptions],
    });
  if (o.vertical) chains.push('[vj]split=2[vh][vv]', '[aj]asplit=2[ah][av]');
  const [video, audio] = o.vertical ? ['vh', 'ah'] : ['vj', 'aj'];
  chains.push(`[${video}]${[...burn(CAPTION_STYLE), 'split=2'].join(',')}[vout][vthumb]`);
  chains.push(`[vthumb]${thumbnailFilters(total)}[thumb]`);
  output(o.out, 'vout', audio);
  if (o.vertical) {
    // Centred 9:16 crop (a narrower source keeps its width), even sides, 720 wide at most.
    const crop = "crop=w='min(iw,trunc(ih*9/16/2)*2)':h='min(ih,trunc(iw*16/9/2)*2)'";
    const scale = "scale=w='trunc(min(720,iw)/2)*2':h=-2";
    chains.push(`[vv]${[crop, scale, ...burn(VERTICAL_CAPTION_STYLE)].join(',')}[vvert]`);
    output(o.vertical, 'vvert', 'av');
  }
  outputs.push({ target: o.thumbnail, options: ['-map', '[thumb]', ...thumbnailOptions] });
  return { globalOptions: quietOptions, inputs, filterComplex: chains.join(';'), outputs };
}

/** Fade in after a join, fade out before one; none for a single range. */
function fadeFilters(filter: 'fade' | 'afade', i: number, count: number, durSec: number, fadeSec: number): string[] {
  const d = Math.min(fadeSec, durSec / 2);
  if (d <= 0) return [];
  const out: string[] = [];
  if (i > 0) out.push(`${filter}=t=in:st=0:d=${secs(d)}`);
  if (i < count - 1) out.push(`${filter}=t=out:st=${secs(durSec - d)}:d=${secs(d)}`);
  return out;
}

function subtitles(file: string, style: string): string {
  return `subtitles=filename=${file}:fontsdir=${FONT_DIR}:force_style='${style}'`;
}
