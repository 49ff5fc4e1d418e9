import { describe, expect, it } from 'vitest';
import { renderCaptions } from './captions.ts';
import { bareCutArgs, directCutPlan } from './direct-cut.ts';
import { graphCutPlan } from './graph-cut.ts';
import { planArgs } from './plan.ts';
import { lastReason, progressTime } from './run-ffmpeg.ts';
import { wrapTitle } from './title.ts';

describe('ffmpeg plans', () => {
  it('bareCutArgs is the default path: accurate seek, exact frame count, the shared encoder settings', () => {
    const args = bareCutArgs('/media/in.mp4', { start: 9370, end: 29370 }, '/out/clip.mp4', 25);
    expect(args.join(' ')).toBe(
      '-hide_banner -v error -stats -ss 9.359500 -i /media/in.mp4 -y -map 0:v:0 -map 0:a:0 -frames:v 500 -t 20.000000 ' +
        '-c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -b:a 128k -movflags +faststart /out/clip.mp4',
    );
    expect(planArgs(directCutPlan('/media/in.mp4', { startFrame: 234, frames: 500 }, 25, '/out/clip.mp4'))).toEqual(
      args,
    );
  });

  it('joins ranges in one graph with fades only at the joins', () => {
    const plan = graphCutPlan({
      source: 'in.mp4',
      ranges: [
        { startFrame: 220, frames: 30 },
        { startFrame: 560, frames: 40 },
      ],
      fps: 25,
      has: { video: true, audio: true },
      fadeMs: 200,
      out: 'out.mp4',
      thumbnail: 'out.jpg',
    });
    expect(plan.inputs.map((i) => i.options)).toEqual([
      ['-ss', '8.799500', '-t', '1.240000'],
      ['-ss', '22.399500', '-t', '1.640000'],
    ]);
    const graph = plan.filterComplex ?? '';
    expect(graph).toContain('[0:v:0]trim=end_frame=30,setpts=PTS-STARTPTS,fade=t=out:st=1.000000:d=0.200000[v0]');
    expect(graph).toContain('[1:v:0]trim=end_frame=40,setpts=PTS-STARTPTS,fade=t=in:st=0:d=0.200000[v1]');
    expect(graph).toContain('[v0][v1]concat=n=2:v=1:a=0');
    expect(graph).toContain('afade=t=out:st=1.000000:d=0.200000[a0]');
    expect(graph).toContain('select=eq(n\\,35)');
    expect(plan.outputs.map((o) => o.target)).toEqual(['out.mp4', 'out.jpg']);
    expect(plan.outputs[0]?.options).toContain('-t');
    expect(plan.outputs[0]?.options).not.toContain('-frames:v');
  });

  it('fills a missing stream: a titled background for sound only, silence for picture only', () => {
    const common = { source: 'in', ranges: [{ startFrame: 0, frames: 50 }], fps: 25, fadeMs: 0, out: 'o.mp4' };
    const soundOnly = graphCutPlan({
      ...common,
      thumbnail: 'o.jpg',
      has: { video: false, audio: true },
      background: { width: 1280, height: 720, titleFile: 't.txt' },
    });
    expect(soundOnly.inputs[1]).toEqual({
      source: 'color=c=0x1e2230:s=1280x720:r=25:d=2.000000',
      options: ['-f', 'lavfi'],
    });
    expect(soundOnly.filterComplex).toContain('textfile=t.txt');
    const pictureOnly = graphCutPlan({ ...common, thumbnail: 'o.jpg', has: { video: true, audio: false } });
    expect(pictureOnly.inputs[1]?.source).toContain('anullsrc');
    expect(pictureOnly.filterComplex).toContain('[1:a:0]atrim=duration=2.000000[aj]');
  });

  it('burns captions into each picture and adds the vertical crop as a second output', () => {
    const plan = graphCutPlan({
      source: 'in',
      ranges: [{ startFrame: 0, frames: 50 }],
      fps: 25,
      has: { video: true, audio: true },
      fadeMs: 0,
      burnSubtitles: 'clip.srt',
      out: 'o.mp4',
      vertical: 'o.vertical.mp4',
      thumbnail: 'o.jpg',
    });
    expect(plan.filterComplex?.match(/subtitles=filename=clip\.srt/g)).toHaveLength(2);
    expect(plan.filterComplex).toContain("crop=w='min(iw,trunc(ih*9/16/2)*2)'");
    expect(plan.outputs.map((o) => o.target)).toEqual(['o.mp4', 'o.vertical.mp4', 'o.jpg']);
  });
});

describe('ffmpeg output', () => {
  it('reads the time from a stats line', () => {
    expect(
      progressTime('frame=  250 fps=0.0 q=28.0 size=     256kB time=00:01:05.12 bitrate= 209.7kbits/s'),
    ).toBeCloseTo(65.12);
    expect(progressTime('[libx264 @ 0x5] using cpu capabilities')).toBeUndefined();
  });

  it('keeps the last line that explains a failure', () => {
    const stderr =
      'frame=   10 fps=0.0 time=00:00:00.40 bitrate=N/A\r[out#0] x.mp4: Is a directory\nConversion failed!\n';
    expect(lastReason(stderr)).toBe('[out#0] x.mp4: Is a directory');
    expect(lastReason('')).toBeUndefined();
  });
});

describe('text', () => {
  it('wraps long titles at spaces', () => {
    expect(wrapTitle('  Quarterly results and the new product plan for everyone ', 20)).toBe(
      'Quarterly results\nand the new product\nplan for everyone',
    );
  });

  it('renders captions as WebVTT and SRT', () => {
    const captions = [
      { start: 0, end: 1500, text: 'one' },
      { start: 61_000, end: 62_250, text: 'two' },
    ];
    expect(renderCaptions(captions, 'srt')).toBe(
      '1\n00:00:00,000 --> 00:00:01,500\none\n\n2\n00:01:01,000 --> 00:01:02,250\ntwo\n',
    );
    expect(renderCaptions(captions, 'vtt')).toBe(
      'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\none\n\n00:01:01.000 --> 00:01:02.250\ntwo\n',
    );
  });
});
