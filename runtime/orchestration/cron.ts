/**
 * Cron expressions for `schedule` blocks: 5 fields (minute hour day-of-month month day-of-week),
 * or 6 with leading seconds (as Symbiont writes them), plus `@yearly @annually @monthly @weekly
 * @daily @midnight @hourly`. Fields: `*`, `n`, `a-b`, `*\/s`, `a-b/s`, `n/s`, lists `a,b-c`;
 * month and day names (`JAN`, `mon-fri`); day-of-week 0–7 (0 and 7 are Sunday). When both
 * day-of-month and day-of-week are restricted, a day matching either is taken (classic cron).
 *
 * `parseCron` throws a `CronError` naming the field, the text at fault and its offset in the
 * expression (the checker turns it into a located diagnostic).
 */
import { BatonError } from '../errors';

export interface CronSchedule {
  readonly source: string;
  readonly seconds: ReadonlySet<number>;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly weekdays: ReadonlySet<number>;
  readonly domStar: boolean;
  readonly dowStar: boolean;
}

export class CronError extends BatonError {
  constructor(message: string, readonly offset: number, readonly length: number) {
    super('usage', message, { data: { offset, length } });
  }
}

const SHORTHANDS: Record<string, string> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec { name: string; min: number; max: number; names?: string[]; namesFrom?: number }

const SECOND: FieldSpec = { name: 'second', min: 0, max: 59 };
const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
];

export function parseCron(expr: string): CronSchedule {
  const trimmed = expr.trim();
  const lead = expr.indexOf(trimmed);
  if (trimmed.startsWith('@')) {
    const body = SHORTHANDS[trimmed.toLowerCase()];
    if (!body) throw new CronError(`unknown cron shorthand '${trimmed}' (known: ${Object.keys(SHORTHANDS).join(', ')})`, lead, trimmed.length);
    return { ...parseCron(body), source: expr };
  }
  // Fields and their offsets in `expr`.
  const parts: Array<{ text: string; at: number }> = [];
  const re = /\S+/g;
  for (let m = re.exec(expr); m; m = re.exec(expr)) parts.push({ text: m[0], at: m.index });
  if (parts.length !== 5 && parts.length !== 6) {
    throw new CronError(`a cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; '${expr}' has ${parts.length}`, lead, Math.max(1, trimmed.length));
  }
  const specs = parts.length === 6 ? [SECOND, ...FIELDS] : FIELDS;
  const sets = parts.map((p, i) => parseField(p.text, p.at, specs[i]));
  const [sec, rest] = parts.length === 6 ? [sets[0], sets.slice(1)] : [new Set([0]), sets];
  const weekdays = new Set([...rest[4]].map((d) => (d === 7 ? 0 : d)));
  const domText = parts[parts.length - 3].text, dowText = parts[parts.length - 1].text;
  return {
    source: expr, seconds: sec, minutes: rest[0], hours: rest[1], days: rest[2], months: rest[3], weekdays,
    domStar: domText === '*' || domText === '?', dowStar: dowText === '*' || dowText === '?',
  };
}

function parseField(text: string, at: number, spec: FieldSpec): Set<number> {
  const out = new Set<number>();
  let offset = at;
  for (const item of text.split(',')) {
    const fail = (why: string): never => { throw new CronError(`cron ${spec.name} field: '${item}' ${why}`, offset, Math.max(1, item.length)); };
    if (item === '') fail('is empty');
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) fail('has more than one /');
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) fail('needs a positive step after /');
      step = Number(stepText);
    }
    let lo: number, hi: number;
    if (range === '*' || range === '?') { lo = spec.min; hi = spec.max === 7 ? 6 : spec.max; }
    else {
      const [a, b, more] = range.split('-');
      if (more !== undefined) fail('is not a range a-b');
      lo = value(a, spec, fail);
      hi = b !== undefined ? value(b, spec, fail) : stepText !== undefined ? (spec.max === 7 ? 6 : spec.max) : lo;
      if (hi < lo) fail(`is a range that ends before it starts`);
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
    offset += item.length + 1;
  }
  return out;
}

function value(s: string, spec: FieldSpec, fail: (why: string) => never): number {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n < spec.min || n > spec.max) fail(`is out of range (${spec.min}–${spec.max})`);
    return n;
  }
  const i = spec.names?.indexOf(s.toLowerCase()) ?? -1;
  if (i < 0) fail(spec.names ? `is not a number or a ${spec.name} name (${spec.names.join(', ')})` : 'is not a number');
  return i + (spec.namesFrom ?? 0);
}

/**
 * The first time strictly after `after` that matches (UTC if `utc`, else local time), or undefined
 * if none within 5 years (e.g. `0 0 31 2 *`).
 */
export function nextRun(c: CronSchedule, after: Date, utc = false): Date | undefined {
  const d = new Date(after.getTime());
  d.setMilliseconds(0);
  const get = {
    sec: () => (utc ? d.getUTCSeconds() : d.getSeconds()),
    min: () => (utc ? d.getUTCMinutes() : d.getMinutes()),
    hour: () => (utc ? d.getUTCHours() : d.getHours()),
    day: () => (utc ? d.getUTCDate() : d.getDate()),
    month: () => (utc ? d.getUTCMonth() : d.getMonth()) + 1,
    dow: () => (utc ? d.getUTCDay() : d.getDay()),
  };
  const set = (f: 'Seconds' | 'Minutes' | 'Hours' | 'Date', v: number) => { if (utc) d[`setUTC${f}`](v); else d[`set${f}`](v); };
  d.setTime(d.getTime() + 1000);
  const limit = after.getTime() + 5 * 366 * 86_400_000;
  while (d.getTime() <= limit) {
    if (!c.months.has(get.month())) { set('Date', 1); set('Hours', 0); set('Minutes', 0); set('Seconds', 0); if (utc) d.setUTCMonth(d.getUTCMonth() + 1); else d.setMonth(d.getMonth() + 1); continue; }
    if (!dayMatches(c, get.day(), get.dow())) { set('Hours', 0); set('Minutes', 0); set('Seconds', 0); set('Date', get.day() + 1); continue; }
    if (!c.hours.has(get.hour())) { set('Minutes', 0); set('Seconds', 0); set('Hours', get.hour() + 1); continue; }
    if (!c.minutes.has(get.min())) { set('Seconds', 0); set('Minutes', get.min() + 1); continue; }
    if (!c.seconds.has(get.sec())) { set('Seconds', get.sec() + 1); continue; }
    return d;
  }
  return undefined;
}

function dayMatches(c: CronSchedule, dom: number, dow: number): boolean {
  if (c.domStar && c.dowStar) return true;
  if (c.domStar) return c.weekdays.has(dow);
  if (c.dowStar) return c.days.has(dom);
  return c.days.has(dom) || c.weekdays.has(dow);
}
