/**
 * The clips page (/clips): upload a webinar, start a highlights job and watch its progress, play
 * the clips, preview a trim in the browser with ffmpeg.wasm and submit it (or a quote range) as an
 * edit. Served as /clips-client.js (an ES module bundled by esbuild, see routes/clips-client.ts).
 */

import { Api, ApiError, describeError } from './clips/api.ts';
import type { ClipOutput, Job, JobCreate, JobProgressData, Upload } from './clips/contracts.ts';
import { byId, clock, size } from './clips/dom.ts';
import { followJob } from './clips/job-follow.ts';
import { clipCard, edlRows, jobRow, progressText } from './clips/render.ts';
import { toSourceRanges } from './clips/source-ranges.ts';
import { TrimPreviewer } from './clips/trim-preview.ts';
import { DIRECT_UPLOAD_OVER_BYTES, uploadMedia } from './clips/upload.ts';

type ClipJob = Extract<JobCreate, { kind: 'clip' }>;
type EditBody = Omit<ClipJob, 'kind' | 'parent'>;

const api = new Api();
const previewer = new TrimPreviewer();
const input = (id: string) => byId<HTMLInputElement>(id);
const button = (id: string) => byId<HTMLButtonElement>(id);

/** Shows `err` in an error box (or hides the box when `err` is undefined). */
function showError(id: string, err?: unknown): void {
  const el = byId(id);
  el.hidden = err === undefined;
  el.textContent = err === undefined ? '' : describeError(err);
}

// ---------------------------------------------------------------- API key
input('apikey').value = api.key;
byId<HTMLFormElement>('auth').addEventListener('submit', (e) => {
  e.preventDefault();
  api.key = input('apikey').value;
  void refreshJobs();
  void loadUploads();
});

// ---------------------------------------------------------------- uploads
const describeMedia = (u: Upload) => {
  const v = u.media?.video;
  const picture = v ? ` · ${v.width}×${v.height}` : ' · audio only';
  return `${u.filename} · ${clock((u.media?.durationMs ?? 0) / 1000)}${u.media ? picture : ''}`;
};

/** Fills the source picker with ready uploads, selecting `select` when given. */
async function loadUploads(select?: string): Promise<void> {
  try {
    const { uploads } = await api.call<{ uploads: Upload[] }>('GET', '/v1/uploads?state=ready&limit=50');
    const picker = byId<HTMLSelectElement>('source');
    const keep = select ?? picker.value;
    picker.replaceChildren(...uploads.map((u) => new Option(describeMedia(u), u.id)));
    if (uploads.some((u) => u.id === keep)) picker.value = keep;
    button('start-job').disabled = uploads.length === 0;
    showError('job-error');
  } catch (err) {
    showError('job-error', err);
  }
}

input('file').addEventListener('change', () => {
  const file = input('file').files?.[0];
  // Big files skip the gateway: parts go straight to the object store.
  if (file && file.size > DIRECT_UPLOAD_OVER_BYTES) input('direct').checked = true;
});

byId<HTMLFormElement>('upload-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const file = input('file').files?.[0];
  if (!file) return;
  const bar = byId<HTMLProgressElement>('upload-bar');
  const status = byId('upload-status');
  showError('upload-error');
  delete status.dataset.upload;
  button('upload').disabled = true;
  bar.value = 0;
  try {
    const upload = await uploadMedia(
      api,
      file,
      (p) => {
        bar.value = p.total ? p.sent / p.total : 1;
        status.textContent =
          p.phase === 'checking' ? 'Checking the media…' : `Sending ${size(p.sent)} of ${size(p.total)}`;
      },
      input('direct').checked,
    );
    bar.value = 1;
    status.textContent = `Ready: ${describeMedia(upload)}`;
    status.dataset.upload = upload.id;
    await loadUploads(upload.id);
  } catch (err) {
    bar.value = 0;
    status.textContent = 'Upload refused';
    showError('upload-error', err);
  } finally {
    button('upload').disabled = false;
  }
});

// ---------------------------------------------------------------- jobs
let stopFollowing: (() => void) | undefined;
/** The job whose clips are on screen. */
let shown: Job | undefined;

async function refreshJobs(): Promise<void> {
  try {
    const { jobs } = await api.call<{ jobs: Job[] }>('GET', '/v1/jobs?limit=25');
    byId('jobs').replaceChildren(...jobs.map((j) => jobRow(j, (id) => void openJob(id))));
    byId('jobs-empty').hidden = jobs.length > 0;
    showError('jobs-error');
  } catch (err) {
    showError('jobs-error', err);
  }
}

function showProgress(p: Pick<JobProgressData, 'job' | 'stage' | 'percent' | 'etaMs' | 'state' | 'error'>): void {
  byId('progress').hidden = false;
  byId('progress').dataset.job = p.job;
  byId('progress-job').textContent = p.job;
  const state = byId('progress-state');
  state.textContent = p.state;
  state.className = `badge ${p.state}`;
  byId('progress-text').textContent = progressText(p);
  byId<HTMLProgressElement>('job-bar').value = p.percent;
  showError('progress-error', p.error ? new ApiError(0, p.error.code, p.error.message) : undefined);
}

/** Follows a job's events; opens its clips when it succeeds. */
function follow(jobId: string): void {
  stopFollowing?.();
  showProgress({ job: jobId, stage: 'queued', percent: 0, state: 'queued' });
  let lastState = '';
  stopFollowing = followJob(api, jobId, {
    progress(p) {
      showProgress(p);
      if (p.state !== lastState) void refreshJobs();
      lastState = p.state;
    },
    finished(p) {
      stopFollowing = undefined;
      if (p.state === 'succeeded') void openJob(jobId);
    },
    failed(message) {
      showError('progress-error', new Error(message));
    },
  });
}

/** The highlights job an edit applies to (an edit of an edit uses the same source and transcript). */
const rootOf = (job: Job) => (job.request.kind === 'clip' ? job.request.parent : job.id);

async function openJob(jobId: string): Promise<void> {
  showError('clips-error');
  let job: Job;
  try {
    job = await api.call<Job>('GET', `/v1/jobs/${encodeURIComponent(jobId)}`);
  } catch (err) {
    showError('clips-error', err);
    return;
  }
  history.replaceState(null, '', `?job=${encodeURIComponent(job.id)}`);
  if (job.state === 'queued' || job.state === 'running') {
    follow(job.id);
    return;
  }
  if (job.state !== 'succeeded' || !job.result) {
    showProgress({ ...job, job: job.id });
    return;
  }
  shown = job;
  renderClips(job);
}

function renderClips(job: Job): void {
  const panel = byId('clips-panel');
  panel.hidden = false;
  panel.dataset.job = job.id;
  panel.dataset.kind = job.kind;
  byId('clips-title').textContent =
    job.kind === 'clip' ? `Edit ${job.id}` : `Highlights of ${job.input?.filename ?? job.id}`;
  const parent = byId<HTMLButtonElement>('parent-link');
  parent.hidden = job.kind !== 'clip';
  parent.textContent = `← back to ${rootOf(job)}`;
  const clips = job.result?.clips ?? [];
  byId('clips').replaceChildren(...clips.map((c) => clipCard(c, openTrim)));
  byId('clips-empty').hidden = clips.length > 0;
  byId('edl').replaceChildren(...edlRows(job.result?.edl ?? []));
  byId('quote').hidden = false;
  byId('trim').hidden = true;
}

byId<HTMLFormElement>('job-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  showError('job-error');
  const captions = byId<HTMLSelectElement>('captions').value as 'attach' | 'burn' | 'none';
  const body: JobCreate = {
    kind: 'highlights',
    source: { upload: byId<HTMLSelectElement>('source').value },
    highlights: Number(input('count').value),
    clip: { captions, vertical: input('vertical').checked },
  };
  button('start-job').disabled = true;
  try {
    const job = await api.call<Job>('POST', '/v1/jobs', body);
    follow(job.id);
    await refreshJobs();
  } catch (err) {
    showError('job-error', err);
  } finally {
    button('start-job').disabled = false;
  }
});
button('jobs-refresh').addEventListener('click', () => void refreshJobs());
button('parent-link').addEventListener('click', () => {
  if (shown) void openJob(rootOf(shown));
});

/** Submits an edit of the job on screen and follows it. */
async function submitEdit(body: EditBody, errorBox: string): Promise<void> {
  if (!shown) return;
  showError(errorBox);
  const root = rootOf(shown);
  const options = shown.request.clip;
  try {
    const job = await api.call<Job>('POST', `/v1/jobs/${encodeURIComponent(root)}/edits`, {
      ...body,
      ...(options ? { clip: options } : {}),
    });
    follow(job.id);
    await refreshJobs();
  } catch (err) {
    showError(errorBox, err);
  }
}

// ---------------------------------------------------------------- trim
let trimming: ClipOutput | undefined;
let previewBlobUrl: string | undefined;

/** The chosen range, seconds into the clip. */
const trimRange = () => ({ start: Number(input('trim-start').value), end: Number(input('trim-end').value) });

function openTrim(clip: ClipOutput): void {
  trimming = clip;
  const seconds = (clip.durationMs / 1000).toFixed(2);
  for (const id of ['trim-start', 'trim-start-slider', 'trim-end', 'trim-end-slider']) {
    input(id).max = seconds;
  }
  input('trim-start').value = input('trim-start-slider').value = '0';
  input('trim-end').value = input('trim-end-slider').value = seconds;
  byId('trim-title').textContent = clip.title;
  byId('trim').dataset.clip = clip.id;
  byId('trim-clip-length').textContent = `${seconds} s`;
  input('edit-title').value = `${clip.title} (trimmed)`;
  byId('preview-status').textContent = '';
  const preview = byId<HTMLVideoElement>('preview');
  preview.hidden = true;
  preview.removeAttribute('src');
  if (previewBlobUrl) URL.revokeObjectURL(previewBlobUrl);
  previewBlobUrl = undefined;
  showError('trim-error');
  byId('trim').hidden = false;
  updateTrim();
  byId('trim').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

/** Keeps sliders and number inputs together and shows the source times the edit will cut. */
function updateTrim(changed?: string): void {
  if (changed) {
    const other = changed.endsWith('-slider') ? changed.slice(0, -'-slider'.length) : `${changed}-slider`;
    input(other).value = input(changed).value;
  }
  const { start, end } = trimRange();
  const ranges = trimming ? toSourceRanges(trimming.ranges, start * 1000, end * 1000) : [];
  const ok = ranges.length > 0 && end - start >= 0.5;
  byId('trim-source').textContent = ok
    ? `${(end - start).toFixed(2)} s · source ${ranges.map((r) => `${clock(r.start / 1000)}–${clock(r.end / 1000)}`).join(', ')}`
    : 'Choose an end at least 0.5 s after the start.';
  button('preview-btn').disabled = !ok;
  button('submit-edit').disabled = !ok;
}
for (const id of ['trim-start', 'trim-start-slider', 'trim-end', 'trim-end-slider']) {
  input(id).addEventListener('input', () => updateTrim(id));
}

button('preview-btn').addEventListener('click', async () => {
  const url = trimming?.video.url;
  if (!url) return;
  const { start, end } = trimRange();
  const status = byId('preview-status');
  showError('trim-error');
  button('preview-btn').disabled = true;
  try {
    const blob = await previewer.preview(url, start, end, (line) => {
      status.textContent = line;
    });
    if (previewBlobUrl) URL.revokeObjectURL(previewBlobUrl);
    previewBlobUrl = URL.createObjectURL(blob);
    const video = byId<HTMLVideoElement>('preview');
    video.hidden = false;
    video.src = previewBlobUrl;
  } catch (err) {
    showError('trim-error', err);
  } finally {
    button('preview-btn').disabled = false;
  }
});

button('submit-edit').addEventListener('click', async () => {
  if (!trimming) return;
  const { start, end } = trimRange();
  const ranges = toSourceRanges(trimming.ranges, start * 1000, end * 1000).map((r) => ({
    start: Math.round(r.start),
    end: Math.round(r.end),
  }));
  const title = input('edit-title').value.trim();
  await submitEdit({ ranges, ...(title ? { title } : {}) }, 'trim-error');
});

// ---------------------------------------------------------------- quote range
byId<HTMLFormElement>('quote-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const title = input('quote-title').value.trim();
  const range = { startQuote: input('start-quote').value.trim(), endQuote: input('end-quote').value.trim() };
  await submitEdit({ ranges: [range], ...(title ? { title } : {}) }, 'quote-error');
});

// ---------------------------------------------------------------- start
void loadUploads();
void refreshJobs();
const initial = new URLSearchParams(location.search).get('job');
if (initial && /^[A-Za-z0-9_-]{1,64}$/.test(initial)) void openJob(initial);
