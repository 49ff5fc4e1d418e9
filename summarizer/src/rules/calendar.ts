// Calendar arithmetic on YYYY-MM-DD strings in UTC, so results never depend on the host's time zone.

export type Day = { y: number; m: number; d: number };

export function parseDay(iso: string): Date {
  const [y = 1970, m = 1, d = 1] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

export function formatDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(date: Date, n: number): Date {
  return new Date(date.getTime() + n * 86_400_000);
}

export function addMonths(date: Date, n: number): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + n, 1));
}

/** Monday of the week containing `date` (weeks run Monday to Sunday). */
export function mondayOf(date: Date): Date {
  return addDays(date, -((date.getUTCDay() + 6) % 7));
}

/** Offset of a weekday (0 = Sunday) from Monday. */
export function fromMonday(weekday: number): number {
  return (weekday + 6) % 7;
}

export function nextWeekdayAfter(date: Date, weekday: number): Date {
  const diff = (weekday - date.getUTCDay() + 7) % 7;
  return addDays(date, diff === 0 ? 7 : diff);
}

export function lastDayOfMonth(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0));
}

export function lastDayOfQuarter(date: Date): Date {
  const q = Math.floor(date.getUTCMonth() / 3);
  return new Date(Date.UTC(date.getUTCFullYear(), q * 3 + 3, 0));
}

export function makeDay(year: number, month0: number, day: number): Date | null {
  const d = new Date(Date.UTC(year, month0, day));
  return d.getUTCMonth() === month0 && d.getUTCDate() === day ? d : null;
}
