import type { Candidate, SegmentFacts } from './analyse.ts';
import { LIGHT_VERBS } from './lexicon.ts';
import type { ItemRecord, Segment } from './types.ts';

// Applies one turn's findings to the meeting's action items: a turn may accept or claim an
// earlier request, hand an open item to someone ("Julia, that's you"), add timing to work
// it just promised, repeat open work, or create new items.

/** Turns after which an unanswered request can no longer be accepted. */
export const OPEN_WINDOW = 3;

const GENERIC = new Set([
  ...LIGHT_VERBS,
  'deliver',
  'send',
  'make',
  'give',
  'put',
  'go',
  'ask',
  'let',
  'tell',
  'you',
  'me',
]);

function overlaps(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(b.filter((w) => !GENERIC.has(w)));
  return a.some((w) => !GENERIC.has(w) && set.has(w));
}

const SELFISH = new Set(['self', 'accept', 'delivery']);

export class ItemLedger {
  readonly #records: ItemRecord[];
  readonly #seg: Segment;
  readonly #index: number;
  readonly #facts: SegmentFacts;
  #created = 0;
  /** Items this turn created or took on for the speaker, latest last. */
  readonly #touched: ItemRecord[] = [];
  readonly #consumed = new Set<Candidate>();

  constructor(records: ItemRecord[], seg: Segment, index: number, facts: SegmentFacts) {
    this.#records = records;
    this.#seg = seg;
    this.#index = index;
    this.#facts = facts;
  }

  apply(): void {
    this.#declines();
    this.#acceptance();
    const cands = this.#facts.candidates;
    cands.forEach((c, k) => {
      if (!this.#consumed.has(c)) this.#place(c, cands.slice(k + 1));
    });
    for (const r of this.#records) if (r.openUntil < this.#index) r.open = false;
  }

  #latestOpen(pred: (r: ItemRecord) => boolean): ItemRecord | undefined {
    for (let i = this.#records.length - 1; i >= 0; i--) {
      const r = this.#records[i];
      if (r?.open && r.openUntil >= this.#index && pred(r)) return r;
    }
    return undefined;
  }

  #recentOwn(owner: string): ItemRecord | undefined {
    for (let i = this.#records.length - 1; i >= 0; i--) {
      const r = this.#records[i];
      if (r && !r.latent && r.item.owner === owner && r.touchedAt >= this.#index - OPEN_WINDOW) return r;
    }
    return undefined;
  }

  #addSource(r: ItemRecord): void {
    if (!r.item.sourceSegments.includes(this.#seg.id)) r.item.sourceSegments.push(this.#seg.id);
    r.touchedAt = this.#index;
  }

  #setDue(r: ItemRecord, due: string | null, text: string | null, override: boolean): void {
    if (!due || (r.item.due && !override)) return;
    r.item.due = due;
    r.item.dueText = text;
  }

  /** "Sorry, I can't take that": a request to this speaker goes back to nobody. */
  #declines(): void {
    const speaker = this.#seg.speaker;
    // "Can you set up the water station?" — "Already did it yesterday.": the request lapses.
    if (this.#facts.alreadyDone) {
      const asked = this.#latestOpen((r) => r.awaitingOwner && r.item.owner === speaker);
      if (asked) {
        asked.latent = true;
        asked.open = false;
        asked.awaitingOwner = false;
      }
      return;
    }
    const refuses =
      this.#facts.declined ||
      this.#facts.declines.some((t) => t.owner === speaker || t.kind === 'self' || t.kind === 'accept');
    const commits = this.#facts.candidates.some((c) => SELFISH.has(c.trigger.kind));
    if (!refuses || commits) return;
    const target = this.#latestOpen((r) => r.awaitingOwner && r.item.owner === speaker);
    if (!target) return;
    target.item.owner = null;
    target.awaitingOwner = false;
  }

  /** A turn that says yes to a request addressed to the speaker, or takes on open work. */
  #acceptance(): void {
    const speaker = this.#seg.speaker;
    const facts = this.#facts;
    const selfish = facts.candidates.filter((c) => SELFISH.has(c.trigger.kind) && c.trigger.owner === speaker);
    const addressed = this.#latestOpen((r) => r.awaitingOwner && r.item.owner === speaker);
    let target: ItemRecord | undefined;
    let via: Candidate | undefined;
    if (addressed) {
      const c = selfish[0];
      const restates =
        c &&
        !c.additive &&
        (c.anaphoric || c.trigger.kind !== 'self' || overlaps(c.topic, addressed.topic) || !!facts.acceptance);
      if (facts.acceptance || restates) {
        target = addressed;
        // "Sure. I'll also own the slides": the yes takes the request, the commitment is new work.
        via = restates ? c : undefined;
      }
    }
    if (!target) {
      const open = this.#latestOpen((r) => r.item.owner === null);
      const topics = selfish.flatMap((c) => c.topic);
      // "I'll just do it" takes the open work; "I'll organize it" does only if it is the same work.
      const c =
        open &&
        selfish.find(
          (x) =>
            x.trigger.kind === 'accept' ||
            (x.anaphoric && (LIGHT_VERBS.has(x.verb) || overlaps(x.topic, open.topic))) ||
            overlaps(topics, open.topic),
        );
      if (open && c) {
        target = open;
        via = c;
      } else if (open && facts.volunteers && open.touchedAt >= this.#index - 2) {
        // "Somebody has to chase the vendor." — "Leave it with me."
        target = open;
      }
    }
    if (!target) return;
    this.#claim(target, via);
  }

  #claim(target: ItemRecord, via: Candidate | undefined): void {
    const item = target.item;
    item.owner = this.#seg.speaker;
    this.#addSource(target);
    const strong = this.#facts.acceptance === 'strong' || (via && via.confidence >= 0.85);
    item.confidence = Math.max(item.confidence, strong ? 0.9 : 0.8, via?.confidence ?? 0);
    if (via) {
      this.#consumed.add(via);
      if (target.vague && !via.vague && via.text) {
        item.task = via.text;
        target.vague = false;
      }
    }
    // An acceptance's own date wins over the request's ("by Thursday" → "I'll have it Wednesday").
    if (via?.due) this.#setDue(target, via.due, via.dueText, true);
    else {
      const loose = this.#facts.looseDue();
      if (loose) this.#setDue(target, loose.due, loose.text, true);
    }
    target.awaitingOwner = false;
    target.open = false;
    target.latent = false;
    this.#touched.push(target);
  }

  #create(c: Candidate, owner: string | null, extra: Partial<ItemRecord> = {}): ItemRecord {
    const r: ItemRecord = {
      item: {
        id: `ai-${this.#seg.id}-${this.#created++}`,
        owner,
        task: c.text,
        due: c.due,
        dueText: c.dueText,
        confidence: Math.round(c.confidence * 100) / 100,
        sourceSegments: [this.#seg.id],
      },
      latent: c.latent,
      open: true,
      openUntil: this.#index + OPEN_WINDOW,
      awaitingOwner: false,
      vague: c.vague,
      topic: c.topic,
      object: c.object,
      touchedAt: this.#index,
      ...extra,
    };
    this.#records.push(r);
    if (owner === this.#seg.speaker) this.#touched.push(r);
    return r;
  }

  #place(c: Candidate, later: readonly Candidate[]): void {
    const speaker = this.#seg.speaker;
    const kind = c.trigger.kind;
    const lastMine = this.#touched.filter((r) => r.item.owner === speaker).at(-1);
    if (kind === 'delivery' || kind === 'accept' || (kind === 'self' && (c.anaphoric || c.vague) && lastMine)) {
      // Timing or restatement of work this turn already took on: "I can have it in by Friday".
      if (lastMine) {
        this.#setDue(lastMine, c.due, c.dueText, kind !== 'self');
        lastMine.item.confidence = Math.max(lastMine.item.confidence, Math.round(c.confidence * 100) / 100);
        if (lastMine.vague && !c.vague && c.text) {
          lastMine.item.task = c.text;
          lastMine.vague = false;
        }
        return;
      }
      // "Okay, I'll aim for Monday then": timing for the speaker's own recent work.
      const timingOnly = c.trigger.timing || c.anaphoric || c.vague || c.topic.length <= 1;
      const recent = timingOnly ? this.#recentOwn(speaker) : undefined;
      if (recent) {
        this.#addSource(recent);
        this.#setDue(recent, c.due, c.dueText, true);
        return;
      }
      if (kind === 'accept' || (c.vague && !c.object)) return;
      this.#create(c, speaker);
      return;
    }
    if (kind === 'assign') {
      const open = this.#latestOpen((r) => r.item.owner === null);
      if (open) {
        open.item.owner = c.trigger.owner;
        open.awaitingOwner = c.trigger.owner !== speaker;
        open.latent = false;
        open.openUntil = this.#index + OPEN_WINDOW;
        this.#addSource(open);
        return;
      }
      // "Jen is on it" with nothing open to point at says nothing new.
      if (c.object || !c.vague)
        this.#create(c, c.trigger.owner, { awaitingOwner: c.trigger.owner !== speaker, vague: true });
      return;
    }
    if (c.trigger.owner === null) {
      // "We need to close out the finalists. Lena, could you send them…": the named request carries it.
      if (later.some((d) => d.trigger.kind === 'request' || d.trigger.kind === 'third' || d.trigger.kind === 'assign'))
        return;
      const same = this.#latestOpen((r) => r.item.owner === null && overlaps(c.topic, r.topic));
      if (same) {
        this.#addSource(same);
        this.#setDue(same, c.due, c.dueText, false);
        if (same.latent && !c.latent) {
          // A need ("we need a Slack channel") takes the verb of whoever proposes doing it.
          same.latent = false;
          if (c.trigger.kind !== 'need') same.item.task = c.text;
        }
        return;
      }
      this.#create(c, null);
      return;
    }
    if (kind === 'self' && c.opensWith === 'so') {
      // "I need the CFO to sign off …, so I'll grab ten minutes with her": the need is the purpose.
      const need = this.#records.find(
        (r) => r.latent && r.item.sourceSegments[0] === this.#seg.id && r.item.owner === null,
      );
      if (need) {
        const r = this.#create(c, speaker);
        r.item.task = `${c.text} to ${need.item.task}`;
        r.topic = [...new Set([...r.topic, ...need.topic])];
        need.open = false;
        return;
      }
    }
    const addressed = c.trigger.addressed && c.trigger.owner !== speaker;
    this.#create(c, c.trigger.owner, { awaitingOwner: addressed });
  }
}
