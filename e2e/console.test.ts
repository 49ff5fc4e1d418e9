import { InProcessBus } from '@mi/bus';
import { type ActionItem, type Approval, type GatedActionItem, makeEvent, streams, subjects } from '@mi/contracts';
import { createGateway } from '@mi/gateway';
import { ApprovalStore, AuditLog } from '@mi/governance';
import { createLogger, createMetrics } from '@mi/telemetry';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchChromium } from './support/chromium.ts';

if (!hasChromium) console.warn(`console.test.ts: skipped, no Chromium at ${CHROMIUM}`);

const room = 'console-1';
const tenant = 'default'; // open mode: every request is local-admin of tenant "default"
const producer = { service: 'test', version: '0' };
const ctx = { tenant, correlationId: 'c-console', producer, room };
const alice = { id: 'alice', name: 'Alice' };
const bob = { id: 'bob', name: 'Bob' };
const xss = '<img src=x onerror=alert(1)>';
const approvedTask = `Send the ${xss} report`;
const approvalId = `${room}.a2`;

let bus: InProcessBus;
let app: Awaited<ReturnType<typeof createGateway>>;
let base: string;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];

async function put(subject: string, ev: { id: string }) {
  await bus.append(subject, new TextEncoder().encode(JSON.stringify(ev)), { msgId: ev.id });
}

function final(speaker: { id: string; name: string }, start: number, text: string) {
  const segmentId = `st-${speaker.id}:${start}`;
  return makeEvent(
    'transcript.final',
    1,
    {
      segmentId,
      stream: `st-${speaker.id}`,
      room,
      speaker,
      start,
      end: start + 2000,
      startedAt: new Date(Date.UTC(2026, 2, 2, 9) + start).toISOString(),
      text,
      words: [],
      confidence: 0.9,
      engine: { name: 'test', version: '0', model: 'none' },
    },
    ctx,
    `final:${segmentId}`,
  );
}

const approvedItem: GatedActionItem = {
  id: 'a1',
  owner: 'bob',
  ownerName: 'Bob',
  task: approvedTask,
  due: '2026-03-06',
  dueText: 'Friday',
  confidence: 0.82,
  sourceSegments: ['st-bob:4000'],
  engine: 'rules',
  risk: { level: 'low', reasons: [], policyVersion: '1' },
  status: 'approved',
};
const pendingItem: ActionItem = {
  id: 'a2',
  owner: 'alice',
  ownerName: 'Alice',
  task: 'Email the customer the signed contract',
  due: '2026-03-10',
  dueText: 'next Tuesday',
  confidence: 0.7,
  sourceSegments: ['st-alice:1000'],
  engine: 'rules',
};
const pendingRisk = {
  level: 'high' as const,
  reasons: [{ rule: 'external-commitment', reason: 'Commits the company to an external party' }],
  policyVersion: '1',
};

async function json<T>(path: string): Promise<T> {
  const res = await fetch(`${base}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe.skipIf(!hasChromium)(`web console in Chromium (skipped when ${CHROMIUM} is missing)`, () => {
  beforeAll(async () => {
    bus = new InProcessBus();
    for (const s of Object.values(streams)) await bus.ensureStream({ ...s, subjects: [...s.subjects] });
    const metrics = createMetrics();
    const approvals = await ApprovalStore.open(bus);
    app = await createGateway({
      bus,
      logger: createLogger({ service: 'test', level: 'warn' }),
      metrics,
      approvals,
      audit: new AuditLog(bus, producer),
      registries: [metrics.registry],
      checks: [],
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const a = app.server.address();
    base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;

    await put(subjects.transcriptFinal(room), final(alice, 1000, 'We ship the beta on Friday.'));
    await put(subjects.transcriptFinal(room), final(bob, 4000, `I will send the ${xss} report.`));
    const update = makeEvent(
      'summary.update',
      1,
      {
        room,
        revision: 1,
        causedBy: ['st-bob:4000'],
        bullets: {
          added: [{ id: 'b1', text: 'The beta ships on Friday', sourceSegments: ['st-alice:1000'] }],
          updated: [],
          removed: [],
        },
        decisions: {
          added: [{ id: 'd1', text: 'Ship the beta on Friday', confidence: 0.9, sourceSegments: ['st-alice:1000'] }],
          updated: [],
          removed: [],
        },
        actionItems: { added: [approvedItem], updated: [], removed: [] },
        engine: 'rules' as const,
        degraded: false,
      },
      ctx,
      `${room}.summary.1`,
    );
    await put(subjects.summaryUpdate(room), update);
    const approval: Approval = {
      id: approvalId,
      tenant,
      room,
      status: 'pending',
      item: pendingItem,
      risk: pendingRisk,
      createdAt: new Date().toISOString(),
      correlationId: 'c-console',
    };
    expect(await approvals.request(approval)).toBe(true);
    const pending = makeEvent(
      'action.pending',
      1,
      { room, approvalId, item: pendingItem, risk: pendingRisk },
      ctx,
      `${approvalId}.pending`,
    );
    await put(subjects.actionPending(room), pending);

    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(5000);
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  }, 20_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await bus?.close();
  });

  it('shows the live transcript and the summary, safely', async () => {
    await page.goto(`${base}/?room=${room}`);
    const alicesSegment = page.locator('#segments [data-segment="st-alice:1000"]');
    await alicesSegment.waitFor();
    expect(await alicesSegment.textContent()).toContain('We ship the beta on Friday.');
    const bobsSegment = page.locator('#segments [data-segment="st-bob:4000"]');
    expect(await bobsSegment.textContent()).toContain(`I will send the ${xss} report.`);

    await page.locator('#bullets li[data-id="b1"]').waitFor();
    expect(await page.locator('#bullets li[data-id="b1"]').textContent()).toContain('The beta ships on Friday');
    expect(await page.locator('#decisions li[data-id="d1"]').textContent()).toContain('Ship the beta on Friday');
    const item = page.locator('#actions .action[data-id="a1"]');
    expect(await item.locator('.task').textContent()).toBe(approvedTask); // markup shown as text
    expect(await item.locator('.owner').textContent()).toBe('Bob');
    expect(await item.locator('.due').textContent()).toContain('2026-03-06');
    expect(await item.locator('.confidence').textContent()).toContain('82%');
    expect(await page.locator('#summary-state').textContent()).toContain('live');
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);

    // A source tag scrolls to and highlights its transcript segment.
    await item.locator('.tag[data-seg="st-bob:4000"]').click();
    await page.locator('#segments .seg.highlight[data-segment="st-bob:4000"]').waitFor();
  });

  it('approves a pending item with an edited due date', async () => {
    const card = page.locator(`#approvals [data-approval="${approvalId}"]`);
    await card.waitFor();
    expect(await card.locator('.task').textContent()).toBe(pendingItem.task);
    expect(await card.locator('.owner').textContent()).toBe('Alice');
    expect(await card.locator('.confidence').textContent()).toContain('70%');
    expect(await card.locator('.reasons').textContent()).toContain('Commits the company to an external party');

    expect(await card.locator('form.reject').isVisible()).toBe(false); // shown only after "Reject…"
    await card.locator('summary').click();
    await card.locator('input.edit-due').fill('2026-03-20');
    const request = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/approve'));
    await card.locator('button.approve').click();
    const sent = await request;
    expect(sent.postDataJSON()).toEqual({ edits: { due: '2026-03-20' } }); // only what changed
    expect(sent.headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);

    await card.waitFor({ state: 'detached' });
    const log = page.locator(`#decision-log li[data-approval="${approvalId}"]`);
    await log.waitFor();
    expect(await log.textContent()).toMatch(/local-admin approved .*Email the customer.*edited due → 2026-03-20/);

    const after = await json<Approval>(`/v1/approvals/${approvalId}`);
    expect(after.status).toBe('approved');
    expect(after.item.due).toBe('2026-03-20');
    expect(after.item.owner).toBe('alice');
    expect(after.decidedBy?.id).toBe('local-admin');
    const { entries } = await json<{ entries: { data: { action: string; target: { id: string } } }[] }>('/v1/audit');
    expect(entries.some((e) => e.data.action === 'approval.approve' && e.data.target.id === approvalId)).toBe(true);

    // The action.approved event refreshes the list from the server: still nothing pending.
    await page.waitForFunction(() => document.getElementById('pending-count')?.textContent === '0 pending');
    await page.waitForTimeout(300);
    expect(await page.locator('#approvals .approval').count()).toBe(0);
    expect(await page.locator('#approvals-empty').isVisible()).toBe(true);
  });

  it('replaces the summary with summary.final', async () => {
    const approved = await json<Approval>(`/v1/approvals/${approvalId}`);
    const finalEvent = makeEvent(
      'summary.final',
      1,
      {
        room,
        revision: 2,
        meetingDate: '2026-03-02',
        participants: [alice, bob],
        segments: 2,
        summary: [{ id: 'b2', text: 'Beta on Friday, contract to the customer', sourceSegments: ['st-alice:1000'] }],
        decisions: [],
        actionItems: [
          approvedItem,
          { ...approved.item, risk: approved.risk, status: 'approved' as const } satisfies GatedActionItem,
        ],
        pendingApproval: 0,
        engine: 'rules' as const,
      },
      ctx,
      `${room}.summary.final`,
    );
    await put(subjects.summaryFinal(room), finalEvent);
    await page.waitForFunction(() => document.getElementById('summary-state')?.textContent?.startsWith('final'));
    expect(await page.locator('#bullets li[data-id="b1"]').count()).toBe(0);
    expect(await page.locator('#bullets li[data-id="b2"]').textContent()).toContain('contract to the customer');
    const a2 = page.locator('#actions .action[data-id="a2"]');
    expect(await a2.locator('.due').textContent()).toContain('2026-03-20');
    expect(await a2.locator('.reasons').textContent()).toContain('external party');
    expect(await page.locator('img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
});
