import { describe, expect, it } from 'vitest';
import { buildSceneArgs, type SceneArgsOptions, sceneFilterGraph, sceneSelectExpression } from './ffmpeg-args.ts';

const base: SceneArgsOptions = {
  path: '/media/talk: part 1.mp4',
  streamIndex: 1,
  threshold: 0.008,
  minGapMs: 1000,
  decode: 'all',
  threads: 2,
  frameDir: '/tmp/frames',
};

describe('sceneSelectExpression', () => {
  it('selects the first frame and cuts at least the gap after the last selection', () => {
    expect(sceneSelectExpression(0.008, 1000)).toBe('isnan(prev_selected_t)+gt(scene,0.008)*gte(t-prev_selected_t,1)');
    expect(sceneSelectExpression(0.1, 0)).toBe('isnan(prev_selected_t)+gt(scene,0.1)');
  });
});

describe('sceneFilterGraph', () => {
  it('scores full-size frames of the chosen stream and scales only the selected ones', () => {
    expect(sceneFilterGraph({ ...base, thumbnailWidth: 320, ocrMaxWidth: 1920 })).toBe(
      "[0:1]settb=1/1000,split=2[all][s];[s]select='isnan(prev_selected_t)+gt(scene,0.008)*gte(t-prev_selected_t,1)'," +
        "metadata=mode=print:file='pipe\\:3',split=2[t][o];[t]scale=320:-2[thumb];[o]scale='min(iw,1920)':-2,format=gray[ocr]",
    );
    expect(sceneFilterGraph(base)).toMatch(/file='pipe\\:3',nullsink$/);
    expect(sceneFilterGraph({ ...base, ocrMaxWidth: 1280 })).toMatch(
      /pipe\\:3',scale='min\(iw,1280\)':-2,format=gray\[ocr\]$/,
    );
  });
});

describe('buildSceneArgs', () => {
  it('reads the video only, with the decode mode and thread count asked for', () => {
    const args = buildSceneArgs(base);
    expect(args).toEqual(expect.arrayContaining(['-an', '-threads', '2', '-i', 'file:/media/talk: part 1.mp4']));
    expect(args).not.toContain('-skip_frame');
    expect(args.join(' ')).toContain('-map [all] -fps_mode passthrough -f null -');
    expect(args.slice(-2)).toEqual(['-progress', 'pipe:4']);
    const skip = (decode: SceneArgsOptions['decode']) => {
      const a = buildSceneArgs({ ...base, decode });
      return a[a.indexOf('-skip_frame') + 1];
    };
    expect(skip('reference')).toBe('noref');
    expect(skip('keyframes')).toBe('nokey');
    // the decoder option must come before the input it applies to
    const a = buildSceneArgs({ ...base, decode: 'keyframes' });
    expect(a.indexOf('-skip_frame')).toBeLessThan(a.indexOf('-i'));
  });

  it('writes one numbered file per selected frame for thumbnails and OCR', () => {
    const args = buildSceneArgs({ ...base, thumbnailWidth: 320, ocrMaxWidth: 1920 }).join(' ');
    expect(args).toContain(
      '-map [thumb] -fps_mode passthrough -c:v mjpeg -q:v 3 -threads 1 -f image2 /tmp/frames/thumb-%06d.jpg',
    );
    expect(args).toContain('-map [ocr] -fps_mode passthrough -c:v png -threads 1 -f image2 /tmp/frames/ocr-%06d.png');
  });
});
