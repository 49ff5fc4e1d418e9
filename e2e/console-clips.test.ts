import { get } from 'node:http';
import { InProcessBus } from '@mi/bus';
import { type GeneratedWebinar, generateWebinar } from '@mi/clipper/testing';
import { type Job, streams } from '@mi/contracts';
import { createGateway, parseApiKeys } from '@mi/gateway';
import { ApprovalStore, AuditLog } from '@mi/governance';
import { createLogger, createMetrics } from '@mi/telemetry';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchChromium } from './support/chromium.ts';
import { type Harness, startHarness } from './support/harness.ts';

if (!hasChromium) console.warn(`console-clips.test.ts: skipped, no Chromium at ${CHROMIUM}`);

describe.skipIf(!hasChromium)(`clips page in Chromium (skipped when ${CHROMIUM} is missing)`, () => {
  let h: Harness;
  let webinar: GeneratedWebinar;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const requests: string[] = [];
  const token = 'clips-test-token-0123456789';

  const job = async (id: string) =>
    (await (await fetch(`${h.url}/v1/jobs/${id}`, { headers: { authorization: `Bearer ${token}` } })).json()) as Job;
  const text = async (selector: string) => (await page.textContent(selector)) ?? '';

  beforeAll(async () => {
    [webinar, h, browser] = await Promise.all([
      generateWebinar(),
      // With an API key, so the page's calls, uploads and event stream must all carry it.
      startHarness('embedded', {
        SFU_ENABLED: 'false',
        API_KEYS: `ops:operator:default:${token}`,
        ROOM_TOKEN_SECRET: 'clips-test-room-token-secret-0123456789',
      }),
      launchChromium(),
    ]);
    page = await browser.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
    await page.goto(`${h.url}/clips`);
    await page.waitForSelector('#jobs-error:not([hidden])'); // no key yet
    await page.fill('#apikey', token);
    await page.click('#auth button');
    await page.waitForSelector('#jobs-error', { state: 'hidden' });
    expect(await page.isVisible('#jobs-empty')).toBe(true);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('shows the error code of a refused upload', async () => {
    await page.setInputFiles('#file', {
      name: 'notes.mp4',
      mimeType: 'video/mp4',
      buffer: Buffer.from('These are meeting notes, not a video.\n'.repeat(200)),
    });
    await page.click('#upload');
    await page.waitForSelector('#upload-error:not([hidden])', { timeout: 10_000 });
    expect(await text('#upload-error')).toMatch(/^ERR_UNSUPPORTED_MEDIA: .{10,}/);
    expect(await page.$eval('#start-job', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
  });

  it('uploads a webinar, makes clips, previews a trim with ffmpeg.wasm, submits it and a quote range as edits', async () => {
    const t0 = Date.now();
    // The presigned flow (parts PUT to the store, ETags, complete), as for a large file.
    await page.setInputFiles('#file', webinar.path);
    await page.check('#direct');
    await page.click('#upload');
    await page.waitForSelector('#upload-status[data-upload]', { timeout: 20_000 });
    expect(await text('#upload-status')).toMatch(/Ready: .*640×360/);
    expect(await page.isHidden('#upload-error')).toBe(true);
    expect(await page.$eval('#upload-bar', (b) => (b as HTMLProgressElement).value)).toBe(1);
    expect(requests).toContainEqual(expect.stringMatching(/^PUT \/v1\/objects\/uploads\//));
    expect(requests).toContainEqual(expect.stringMatching(/^POST \/v1\/uploads\/[^/]+\/complete$/));

    await page.fill('#count', '2');
    await page.click('#start-job');
    await page.waitForSelector('#clips-panel[data-kind="highlights"] .clip', { timeout: 60_000 });
    const t1 = Date.now();
    const parentId = (await page.getAttribute('#clips-panel', 'data-job'))!;
    expect(await page.$$eval('#clips .clip', (c) => c.length)).toBe(2);
    expect(await page.$$eval('#edl tr', (r) => r.length)).toBe(2);
    expect(await text('#progress-state')).toBe('succeeded');
    expect(await page.$eval('#job-bar', (b) => (b as HTMLProgressElement).value)).toBe(100);
    await page.waitForSelector(`#jobs tr[data-job="${parentId}"][data-state="succeeded"]`);
    const parent = await job(parentId);
    const clip = parent.result!.clips[0]!;
    // The player, thumbnail and caption links use the job's presigned URLs.
    const card = `#clips .clip[data-clip="${clip.id}"]`;
    const withoutSignature = (url: string | null | undefined) => url?.split('?')[0];
    expect(withoutSignature(await page.getAttribute(`${card} video`, 'src'))).toBe(withoutSignature(clip.video.url));
    expect(withoutSignature(await page.getAttribute(`${card} img.thumb`, 'src'))).toBe(
      withoutSignature(clip.thumbnail.url),
    );
    expect(await page.$$eval(`${card} .links a`, (a) => a.map((x) => x.textContent))).toEqual(['MP4', 'VTT', 'SRT']);

    // Trim to 1 s .. 6 s into the first clip.
    const start = 1;
    const end = Math.min(6, clip.durationMs / 1000 - 0.5);
    await page.click(`${card} .trim-open`);
    await page.fill('#trim-start', String(start));
    await page.fill('#trim-end', String(end));
    expect(await page.inputValue('#trim-end-slider')).toBe(String(end));
    await page.click('#preview-btn');
    await page.waitForFunction(() => document.querySelector<HTMLVideoElement>('#preview')?.src.startsWith('blob:'), {
      timeout: 30_000,
    });
    const previewSeconds = await page.$eval('#preview', (v) => {
      const video = v as HTMLVideoElement;
      if (video.readyState >= 1) return video.duration;
      return new Promise<number>((resolve) => video.addEventListener('loadedmetadata', () => resolve(video.duration)));
    });
    const t2 = Date.now();
    expect(Math.abs(previewSeconds - (end - start))).toBeLessThan(2.5);
    expect(await text('#preview-status')).toMatch(/Preview ready/);

    await page.click('#submit-edit');
    await page.waitForSelector('#clips-panel[data-kind="clip"] .clip', { timeout: 40_000 });
    const t3 = Date.now();
    expect(await page.isVisible('#parent-link')).toBe(true);
    const edit = await job((await page.getAttribute('#clips-panel', 'data-job'))!);
    expect(edit.request).toMatchObject({ kind: 'clip', parent: parentId });
    const edited = edit.result!.clips[0]!;
    expect(Math.abs(edited.durationMs - (end - start) * 1000)).toBeLessThanOrEqual(100);
    // Clip times became source times: the clip's own range start plus the offsets.
    expect(edited.ranges[0]!.start).toBeCloseTo(clip.ranges[0]!.start + start * 1000, 0);

    // An edit by quote range of the same webinar, from the highlights job's page.
    await page.click('#parent-link');
    await page.waitForSelector(`#clips-panel[data-job="${parentId}"]`);
    await page.fill('#start-quote', 'the sales numbers were better');
    await page.fill('#end-quote', 'for the whole company');
    await page.click('#quote-form button');
    await page.waitForFunction(
      (known) => {
        const panel = document.getElementById('clips-panel');
        return (
          panel?.dataset.kind === 'clip' && !known.includes(panel.dataset.job ?? '') && panel.querySelector('.clip')
        );
      },
      [edit.id],
      { timeout: 40_000 },
    );
    const quoted = await job((await page.getAttribute('#clips-panel', 'data-job'))!);
    const sales = webinar.slides.find((x) => x.title === 'Sales Numbers')!;
    expect(quoted.result!.edl[0]!.start).toBeGreaterThan(sales.start - 1000);
    expect(quoted.result!.edl[0]!.end).toBeLessThan(sales.end + 1000);
    const t4 = Date.now();
    // A quote that is not in the transcript: the failed job shows its code.
    await page.fill('#start-quote', 'purple elephants dance');
    await page.fill('#end-quote', 'on the moon tonight');
    await page.click('#quote-form button');
    await page.waitForSelector('#progress-error:not([hidden])', { timeout: 30_000 });
    expect(await text('#progress-error')).toMatch(/^ERR_QUOTE_NOT_FOUND: /);
    expect(await text('#progress-state')).toBe('failed');
    expect(pageErrors).toEqual([]);
    console.info(
      `clips page: upload+job ${t1 - t0} ms, ffmpeg.wasm preview ${t2 - t1} ms (${previewSeconds.toFixed(2)} s of ${end - start} s), edit ${t3 - t2} ms, quote edit ${t4 - t3} ms`,
    );
  }, 120_000);
});

/** Status of a GET of `path` on `base`, the path sent exactly as written. */
function rawStatus(base: string, path: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    get({ hostname, port, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('clips page assets', () => {
  let app: Awaited<ReturnType<typeof createGateway>>;
  let base: string;

  beforeAll(async () => {
    const bus = new InProcessBus();
    for (const st of Object.values(streams)) await bus.ensureStream({ ...st, subjects: [...st.subjects] });
    const metrics = createMetrics();
    const producer = { service: 'test', version: '0' };
    app = await createGateway({
      bus,
      logger: createLogger({ service: 'test', level: 'warn' }),
      metrics,
      approvals: await ApprovalStore.open(bus),
      audit: new AuditLog(bus, producer),
      registries: [metrics.registry],
      checks: [],
      apiKeys: parseApiKeys('ops:operator:default:0123456789abcdef0123'),
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves the page, its bundle and ffmpeg.wasm without a key, and nothing else of the packages', async () => {
    const page = await fetch(`${base}/clips`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('src="/clips-client.js"');
    const bundle = await fetch(`${base}/clips-client.js`);
    expect([bundle.status, bundle.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(bundle.headers.get('cache-control')).toBe('no-cache');

    const wasm = await fetch(`${base}/vendor/ffmpeg/core/ffmpeg-core.wasm`, { method: 'HEAD' });
    expect([wasm.status, wasm.headers.get('content-type')]).toEqual([200, 'application/wasm']);
    expect(wasm.headers.get('cache-control')).toMatch(/max-age=31536000/);
    expect(Number(wasm.headers.get('content-length'))).toBeGreaterThan(1_000_000);
    const worker = await fetch(`${base}/vendor/ffmpeg/ffmpeg/worker.js`);
    expect(worker.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await worker.text()).toContain('createFFmpegCore');

    for (const path of [
      '/vendor/ffmpeg/core/..%2Fpackage.json',
      '/vendor/ffmpeg/core/%2E%2E%2F%2E%2E%2Fpackage.json',
      '/vendor/ffmpeg/ffmpeg/index.d.ts',
      '/vendor/ffmpeg/util/index.js',
      '/vendor/ffmpeg/core/../../../package.json', // sent as is (fetch would resolve the dots)
    ]) {
      expect(await rawStatus(base, path), path).toBe(404);
    }
    // The API itself still wants the key.
    expect((await fetch(`${base}/v1/uploads`)).status).toBe(401);
  });
});
