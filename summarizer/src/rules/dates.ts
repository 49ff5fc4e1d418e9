import * as chrono from 'chrono-node';
import {
  addDays,
  addMonths,
  formatDay,
  fromMonday,
  lastDayOfMonth,
  lastDayOfQuarter,
  makeDay,
  mondayOf,
  nextWeekdayAfter,
  parseDay,
} from './calendar.ts';
import { MONTH_ABBREV, MONTHS, WEEKDAYS } from './lexicon.ts';
import { matchAt, pattern } from './match.ts';
import { readCount, readDayNumber } from './numbers.ts';
import { render, tokenize } from './tokens.ts';

// Due-date phrases, resolved with the annotation guidelines' conventions. chrono-node handles
// what these rules do not (numeric dates and the like), but our rules win where chrono's
// defaults differ (it takes "next Tuesday" as the coming one, and pushes past months into next year).

export type DueMatch = {
  /** Word range [start, end) of the phrase, including its preposition ("by friday"). */
  start: number;
  end: number;
  due: string;
  /** Introduced by "by", "before", "until": a deadline rather than a passing mention. */
  deadline: boolean;
};

type Core = { len: number; date: Date } | null;

const PART_OF_DAY = new Set(['morning', 'afternoon', 'evening', 'night', 'noon', 'eod', 'lunch', 'lunchtime']);
const DEADLINE_PREPS = new Set(['by', 'before', 'until', 'till', 'due']);
const SOFT_PREPS = new Set(['on', 'for', 'at', 'from', 'this', 'in', 'within']);
const UNITS: Record<string, number> = { day: 1, days: 1, week: 7, weeks: 7, fortnight: 14 };

// Word sequences, compiled once.
const P_CLOSE_BUSINESS = pattern('close|end of business');
const P_THIS_MORNING = pattern('this morning|afternoon|evening');
const P_LATER_TODAY = pattern('later today');
const P_DAY_TOMORROW = pattern('day after tomorrow');
const P_LATER_WEEK = pattern('later|end this week');
const P_THIS_WEEK = pattern('this week');
const P_EARLY_NEXT = pattern('early|next next|week');
const P_NEXT_MONTH = pattern('next month');
const P_FROM_NOW = pattern('from now|today');
const P_NO_THAN = pattern('no later than');
const P_AHEAD_OF = pattern('ahead of');
const P_AT_LATEST = pattern('at the latest');

function monthIndex(w: string): number {
  const full = MONTHS.indexOf(w);
  if (full >= 0) return full;
  return MONTH_ABBREV[w.replace(/\.$/, '')] ?? -1;
}

/** "end of (the|this)? <unit>" at i, returning the unit word and length. */
function endOf(words: readonly string[], i: number): { unit: string; next: boolean; len: number } | null {
  let k = i;
  if (words[k] === 'the') k++;
  if (words[k] !== 'end' || words[k + 1] !== 'of') return null;
  k += 2;
  let next = false;
  if (words[k] === 'the' || words[k] === 'this') k++;
  else if (words[k] === 'next') {
    next = true;
    k++;
  }
  const unit = words[k];
  if (!unit || !['day', 'week', 'month', 'quarter', 'business'].includes(unit)) return null;
  return { unit, next, len: k + 1 - i + (unit === 'business' && words[k + 1] === 'day' ? 1 : 0) };
}

function weekdayAt(words: readonly string[], i: number): number {
  return WEEKDAYS.indexOf((words[i] ?? '').replace(/s$/, ''));
}

function matchCore(words: readonly string[], i: number, ref: Date): Core {
  const w = words[i] ?? '';
  const eo = endOf(words, i);
  if (eo) {
    if (eo.unit === 'day' || eo.unit === 'business') return { len: eo.len, date: ref };
    if (eo.unit === 'week') {
      const friday = addDays(mondayOf(ref), 4 + (eo.next ? 7 : 0));
      return { len: eo.len, date: friday < ref ? addDays(friday, 7) : friday };
    }
    if (eo.unit === 'month') return { len: eo.len, date: lastDayOfMonth(eo.next ? addMonths(ref, 1) : ref) };
    return { len: eo.len, date: lastDayOfQuarter(eo.next ? addMonths(ref, 3) : ref) };
  }
  if (['eod', 'cob', 'today', 'tonight'].includes(w)) return { len: 1, date: ref };
  if (matchAt(words, i, P_CLOSE_BUSINESS) > 0) return { len: 3, date: ref };
  if (matchAt(words, i, P_THIS_MORNING) > 0) return { len: 2, date: ref };
  if (matchAt(words, i, P_LATER_TODAY) > 0) return { len: 2, date: ref };
  if (matchAt(words, i, P_DAY_TOMORROW) > 0) return { len: 3, date: addDays(ref, 2) };
  if (w === 'tomorrow') return { len: PART_OF_DAY.has(words[i + 1] ?? '') ? 2 : 1, date: addDays(ref, 1) };
  if (w === 'eow') return { len: 1, date: addDays(mondayOf(ref), 4) };
  if (w === 'eom') return { len: 1, date: lastDayOfMonth(ref) };
  if (matchAt(words, i, P_LATER_WEEK) > 0) return { len: 3, date: addDays(mondayOf(ref), 4) };
  if (matchAt(words, i, P_THIS_WEEK) > 0 && words[i - 1] !== 'of') return { len: 2, date: addDays(mondayOf(ref), 4) };
  if (matchAt(words, i, P_EARLY_NEXT) > 0) {
    if (w === 'early' && words[i + 1] === 'next' && words[i + 2] === 'week')
      return { len: 3, date: addDays(mondayOf(ref), 7) };
    if (w === 'next' && words[i + 1] === 'week') return { len: 2, date: addDays(mondayOf(ref), 7) };
  }
  if (matchAt(words, i, P_NEXT_MONTH) > 0) return { len: 2, date: addMonths(ref, 1) };
  // Weekdays: "next tuesday" is in next week; "this friday" in this week; a bare weekday is the next one.
  const qualifier = w === 'next' || w === 'this' || w === 'coming' ? w : null;
  const wd = weekdayAt(words, qualifier ? i + 1 : i);
  if (wd >= 0) {
    const base = qualifier ? 2 : 1;
    let len = base + (PART_OF_DAY.has(words[i + base] ?? '') ? 1 : 0);
    // "monday or tuesday": the first one counts, the alternative belongs to the phrase.
    if (words[i + len] === 'or' && weekdayAt(words, i + len + 1) >= 0) len += 2;
    if (qualifier === 'next') return { len, date: addDays(mondayOf(ref), 7 + fromMonday(wd)) };
    if (qualifier === 'this') {
      const d = addDays(mondayOf(ref), fromMonday(wd));
      return { len, date: d > ref ? d : nextWeekdayAfter(ref, wd) };
    }
    return { len, date: nextWeekdayAfter(ref, wd) };
  }
  // "in two weeks", "within 3 days", "two weeks from now".
  if (w === 'in' || w === 'within') {
    const count = readCount(words, i + 1);
    if (count) {
      const unit = words[i + 1 + count.len] ?? '';
      const len = 2 + count.len;
      if (UNITS[unit]) return { len, date: addDays(ref, count.value * (UNITS[unit] ?? 1)) };
      if (unit === 'month' || unit === 'months') {
        const d = new Date(ref);
        d.setUTCMonth(d.getUTCMonth() + count.value);
        return { len, date: d };
      }
    }
  }
  const count = readCount(words, i);
  if (count && count.value > 0) {
    const unit = words[i + count.len] ?? '';
    if (UNITS[unit] && matchAt(words, i + count.len + 1, P_FROM_NOW) > 0) {
      return { len: count.len + 3, date: addDays(ref, count.value * (UNITS[unit] ?? 1)) };
    }
  }
  // "march 20th", "june fifth", "the 5th of june" — always in the meeting's year.
  const month = monthIndex(w);
  if (
    month >= 0 &&
    !(
      w === 'may' &&
      !/\d|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|teen|twent|thirt/.test(words[i + 1] ?? '')
    )
  ) {
    const skip = words[i + 1] === 'the' ? 1 : 0;
    const day = readDayNumber(words, i + 1 + skip);
    if (day && day.value >= 1 && day.value <= 31) {
      const date = makeDay(ref.getUTCFullYear(), month, day.value);
      if (date) return { len: 1 + skip + day.len, date };
    }
  }
  // "by the 15th": that day of this month, or of next month once it has passed.
  if (w === 'the' && isOrdinalDay(words, i + 1) && words[i + 2] !== 'of' && DEADLINE_PREPS.has(words[i - 1] ?? '')) {
    const n = readDayNumber(words, i + 1);
    if (n) {
      const thisMonth = makeDay(ref.getUTCFullYear(), ref.getUTCMonth(), n.value);
      const date =
        thisMonth && thisMonth >= ref ? thisMonth : makeDay(ref.getUTCFullYear(), ref.getUTCMonth() + 1, n.value);
      if (date) return { len: 1 + n.len, date };
    }
  }
  const skipThe = w === 'the' ? 1 : 0;
  const day = readDayNumber(words, i + skipThe);
  if (day && words[i + skipThe + day.len] === 'of') {
    const m2 = monthIndex(words[i + skipThe + day.len + 1] ?? '');
    if (m2 >= 0) {
      const date = makeDay(ref.getUTCFullYear(), m2, day.value);
      if (date) return { len: skipThe + day.len + 2, date };
    }
  }
  return null;
}

function isOrdinalDay(words: readonly string[], i: number): boolean {
  const w = words[i] ?? '';
  if (/^\d{1,2}(st|nd|rd|th)$/.test(w)) return true;
  if (/(first|second|third|th)$/.test(w) && readDayNumber(words, i)) return true;
  return /^(twenty|thirty)$/.test(w) && /(first|second|third|th)$/.test(words[i + 1] ?? '');
}

function prepBefore(words: readonly string[], i: number): { len: number; deadline: boolean } {
  if (matchAt(words, i - 3, P_NO_THAN) > 0) return { len: 3, deadline: true };
  if (matchAt(words, i - 2, P_AHEAD_OF) > 0) return { len: 2, deadline: true };
  const p = words[i - 1] ?? '';
  if (DEADLINE_PREPS.has(p)) return { len: 1, deadline: true };
  if (SOFT_PREPS.has(p) && p !== 'this') return { len: 1, deadline: false };
  return { len: 0, deadline: false };
}

/** Words that make a date phrase about the past ("last friday", "since monday"). */
const PAST_BEFORE = new Set(['last', 'since', 'ago', 'yesterday', 'previous', 'past']);

/** All due-date phrases in words[start, end). */
export function findDates(words: readonly string[], start: number, end: number, meetingDate: string): DueMatch[] {
  const ref = parseDay(meetingDate);
  const out: DueMatch[] = [];
  for (let i = start; i < end; i++) {
    const core = matchCore(words, i, ref);
    if (!core || i + core.len > end) continue;
    if (PAST_BEFORE.has(words[i - 1] ?? '')) continue;
    const prep = prepBefore(words, i);
    let stop = i + core.len;
    if (matchAt(words, stop, P_AT_LATEST) > 0) stop += 3;
    out.push({ start: Math.max(start, i - prep.len), end: stop, due: formatDay(core.date), deadline: prep.deadline });
    i = stop - 1;
  }
  if (out.length === 0) out.push(...chronoDates(words, start, end, ref));
  return out;
}

/** Fallback for explicit dates the rules above do not read ("3/20", "2026-04-01"). Day must be explicit. */
function chronoDates(words: readonly string[], start: number, end: number, ref: Date): DueMatch[] {
  const offsets: number[] = [];
  let text = '';
  for (let i = start; i < end; i++) {
    offsets.push(text.length);
    text += `${words[i]} `;
  }
  // chrono costs ~1 ms a call: only numeric dates ("3/20", "2026-04-01") get that far.
  if (!/\d{1,4}[/.-]\d{1,2}/.test(text)) return [];
  const localRef = new Date(ref.getUTCFullYear(), ref.getUTCMonth(), ref.getUTCDate(), 12);
  const out: DueMatch[] = [];
  for (const r of chrono.casual.parse(text, localRef, { forwardDate: true })) {
    if (!r.start.isCertain('day') || !r.start.isCertain('month')) continue;
    const y = r.start.isCertain('year') ? (r.start.get('year') ?? ref.getUTCFullYear()) : ref.getUTCFullYear();
    const date = makeDay(y, (r.start.get('month') ?? 1) - 1, r.start.get('day') ?? 1);
    if (!date) continue;
    const first = offsets.findIndex((o) => o >= r.index);
    const last = offsets.findIndex((o) => o >= r.index + r.text.length);
    const s = start + Math.max(0, first);
    const prep = prepBefore(words, s);
    out.push({
      start: s - prep.len,
      end: last < 0 ? end : start + last,
      due: formatDay(date),
      deadline: prep.deadline,
    });
  }
  return out;
}

/** The phrase most likely to be the due date: a deadline ("by …") first, then the first mention. */
export function pickDue(matches: readonly DueMatch[]): DueMatch | null {
  return matches.find((m) => m.deadline) ?? matches[0] ?? null;
}

/** The due date a phrase gives against a meeting date ("by next Tuesday" → YYYY-MM-DD), or null. */
export function dueIn(text: string, meetingDate: string): { due: string; text: string } | null {
  const tokens = tokenize(text);
  const words = tokens.map((t) => t.norm);
  const m = pickDue(findDates(words, 0, words.length, meetingDate));
  return m ? { due: m.due, text: render(tokens, m.start, m.end) } : null;
}
