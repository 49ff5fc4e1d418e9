/** DOM for jobs, clips and edit decision lists. Builders only: the page wires the actions. */
import type { ClipOutput, EdlEntry, Job, StoredFile } from './contracts.ts';
import { clock, h } from './dom.ts';

const ms = (t: number) => clock(t / 1000);

/** A stage as a person reads it, with the percent and time left. */
export function progressText(p: { stage: string; percent: number; etaMs?: number | undefined }): string {
  const eta = p.etaMs !== undefined && p.etaMs > 0 ? ` · about ${Math.ceil(p.etaMs / 1000)} s left` : '';
  return `${p.stage} · ${Math.round(p.percent)}%${eta}`;
}

/** One row of the jobs table (what it was made from, and progress while it runs); clicking opens the job. */
export function jobRow(job: Job, open: (id: string) => void): HTMLTableRowElement {
  const of = job.request.kind === 'clip' ? `edit of ${job.request.parent}` : (job.input?.filename ?? '');
  const created = new Date(job.createdAt).toLocaleString();
  return h(
    'tr',
    {
      dataset: { job: job.id, state: job.state },
      class: 'job',
      title: `created ${created}`,
      onclick: () => open(job.id),
    },
    h('td', {}, h('button', { type: 'button', class: 'link' }, job.id), h('span', { class: 'sub muted' }, of)),
    h('td', {}, job.kind),
    h(
      'td',
      {},
      h('span', { class: `badge ${job.state}` }, job.state),
      job.state === 'running' ? h('span', { class: 'sub muted' }, progressText(job)) : null,
    ),
  );
}

const link = (file: StoredFile | undefined, label: string) =>
  file?.url ? h('a', { href: file.url, target: '_blank', rel: 'noopener' }, label) : null;

/** A clip: player with its thumbnail as poster, title, duration, source range, downloads, Trim. */
export function clipCard(clip: ClipOutput, trim: (clip: ClipOutput) => void): HTMLElement {
  const range = clip.ranges.map((r) => `${ms(r.start)}–${ms(r.end)}`).join(', ');
  return h(
    'article',
    { class: 'clip', dataset: { clip: clip.id } },
    h(
      'video',
      {
        class: 'player',
        src: clip.video.url,
        poster: clip.thumbnail.url,
        controls: true,
        preload: 'metadata',
        playsinline: true,
      },
      // Captions of the clip as a text track (off until chosen; burned captions need none).
      clip.captions?.vtt.url
        ? h('track', { kind: 'captions', src: clip.captions.vtt.url, srclang: 'en', label: 'Captions' })
        : null,
    ),
    h(
      'div',
      { class: 'clip-body' },
      h('img', { class: 'thumb', src: clip.thumbnail.url, alt: '', width: 96, loading: 'lazy' }),
      h(
        'div',
        {},
        h('div', { class: 'title' }, clip.title),
        h(
          'div',
          { class: 'muted' },
          h('span', { class: 'duration' }, `${(clip.durationMs / 1000).toFixed(2)} s`),
          ` · source ${range}`,
        ),
        h(
          'div',
          { class: 'links' },
          link(clip.video, 'MP4'),
          link(clip.captions?.vtt, 'VTT'),
          link(clip.captions?.srt, 'SRT'),
          link(clip.vertical, 'Vertical 9:16'),
        ),
      ),
    ),
    h('button', { type: 'button', class: 'secondary small trim-open', onclick: () => trim(clip) }, 'Trim…'),
  );
}

/** The edit decision list: one row per entry. */
export function edlRows(edl: readonly EdlEntry[]): HTMLTableRowElement[] {
  return edl.map((e, i) =>
    h(
      'tr',
      { dataset: { entry: String(i) } },
      h('td', {}, ms(e.start)),
      h('td', {}, ms(e.end)),
      h('td', {}, e.title),
      h('td', {}, e.score === undefined ? '' : e.score.toFixed(2)),
      h('td', { class: 'muted' }, (e.reasons ?? []).join('; ')),
    ),
  );
}
