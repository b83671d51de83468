/**
 * OSWorld's rule_relativeTime getter: rules.relativeTime {from, to?} names days relative to now
 * ("tomorrow", "next Monday", "10th next month", ...) and rules.expected holds format strings
 * ({DoW}, {Month}, {DayD}, {Year}, {Month0D}, {month}, {MonthFull}, {Day0D}, {MonthD}) that are
 * filled with those days. Dates are computed in rules.timezone, else UTC (OSWorld falls back to UTC
 * when it cannot look the timezone up; this harness never looks it up over the network).
 */
const DOW = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH_FULL = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A calendar day: y, m (1-12), d, and weekday with Monday = 0 like Python. */
interface Day {
  y: number;
  m: number;
  d: number;
}

function today(now: Date, timezone: string): Day {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: timezone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(now);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return { y: get('year'), m: get('month'), d: get('day') };
}

const weekday = (day: Day) => (new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay() + 6) % 7;
function addDays(day: Day, n: number): Day {
  const t = new Date(Date.UTC(day.y, day.m - 1, day.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}
const nextMonthDay = (day: Day, d: number): Day => (day.m === 12 ? { y: day.y + 1, m: 1, d } : { y: day.y, m: day.m + 1, d });
function firstMondayAfterMonths(now: Day, months: number): Day {
  const m0 = now.m - 1 + months;
  const first = { y: now.y + Math.floor(m0 / 12), m: (m0 % 12) + 1, d: 1 };
  return addDays(first, (7 - weekday(first)) % 7);
}

/** The day a relative name stands for; `from` is the already computed start day for "to" names. */
export function resolveRelativeDay(name: string, now: Day, from?: { name: string; day: Day }): Day {
  const wd = weekday(now);
  switch (name) {
    case 'tomorrow': return addDays(now, 1);
    case '5th next month': return nextMonthDay(now, 5);
    case '10th next month': return nextMonthDay(now, 10);
    case '11th next month': return nextMonthDay(now, 11);
    case 'this month': return now;
    case 'this Saturday': return addDays(now, 5 - wd);
    case 'this Sunday': return addDays(now, 6 - wd);
    case 'next Monday':
    case 'next Monday split': return addDays(now, 7 - wd);
    case 'next Friday':
    case 'next Friday split':
      if (from && (from.name === 'next Monday' || from.name === 'next Monday split')) return addDays(from.day, 4);
      if (from) return addDays(now, wd < 4 ? 4 - wd : 6 - wd + 5);
      return addDays(now, wd < 4 ? 4 - wd : wd === 4 ? 7 : 7 - wd + 4);
    case 'next Saturday': return addDays(now, wd < 5 ? 5 - wd : wd === 5 ? 7 : 6);
    case 'next Sunday':
      if (from && (from.name === 'next Friday' || from.name === 'next Saturday')) return addDays(from.day, 6 - weekday(from.day));
      return addDays(now, wd < 6 ? 6 - wd : 7);
    case 'next week Friday': return addDays(now, 7 - wd + 4);
    case 'next week Saturday': return addDays(now, 7 - wd + 5);
    case 'next week Sunday':
      if (from && (from.name === 'next week Friday' || from.name === 'next week Saturday')) return addDays(from.day, 6 - weekday(from.day));
      return addDays(now, 7 - wd + 6);
    case 'first monday four months later': return firstMondayAfterMonths(now, 4);
    case 'first monday eight months later': return firstMondayAfterMonths(now, 8);
    default:
      throw new Error(`rule_relativeTime: relative time "${name}" is not known`);
  }
}

/** apply_rules_to_timeFormat: each placeholder replaced once, in OSWorld's order. */
export function formatDay(format: string, day: Day): string {
  const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
  return format
    .replace('{DoW}', DOW[weekday(day)])
    .replace('{Month}', MON[day.m - 1])
    .replace('{DayD}', String(day.d))
    .replace('{Year}', String(day.y))
    .replace('{Month0D}', pad(day.m))
    .replace('{month}', MONTH_FULL[day.m - 1].toLowerCase())
    .replace('{MonthFull}', MONTH_FULL[day.m - 1])
    .replace('{Day0D}', pad(day.d))
    .replace('{MonthD}', String(day.m));
}

export function relativeTimeRules(rules: Record<string, unknown>, now: Date): Record<string, unknown> {
  const rel = rules.relativeTime as { from: string; to?: string };
  const expected = { ...(rules.expected as Record<string, string>) };
  const base = today(now, typeof rules.timezone === 'string' ? rules.timezone : 'UTC');
  const fromDay = resolveRelativeDay(rel.from, base);
  if (rel.to === undefined) {
    expected.time = formatDay(expected.time, fromDay);
  } else {
    if (rel.from === 'next Monday split') {
      for (const k of ['puDay', 'puMonth', 'puYear']) expected[k] = formatDay(expected[k], fromDay);
    } else expected.from = formatDay(expected.from, fromDay);
    const toDay = resolveRelativeDay(rel.to, base, { name: rel.from, day: fromDay });
    if (rel.to === 'next Friday split') {
      for (const k of ['doDay', 'doMonth', 'doYear']) expected[k] = formatDay(expected[k], toDay);
    } else expected.to = formatDay(expected.to, toDay);
  }
  return { ...rules, expected };
}
