/** Decoding of literal tokens: strings, numbers and durations. */

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f', '"': '"', '\\': '\\', '/': '/', "'": "'" };

/** The value of a string token (with its quotes). An unterminated string has no closing quote. */
export function decodeString(raw: string): string {
  const closed = raw.length >= 2 && raw.endsWith('"') && !raw.endsWith('\\"');
  const body = raw.slice(1, closed ? raw.length - 1 : raw.length);
  if (body.indexOf('\\') < 0) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\' || i + 1 >= body.length) { out += c; continue; }
    const n = body[++i];
    if (n === 'u') {
      const m = /^\{([0-9a-fA-F]{1,6})\}|^([0-9a-fA-F]{4})/.exec(body.slice(i + 1));
      if (m) {
        const cp = parseInt(m[1] ?? m[2], 16);
        out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
        i += m[0].length;
        continue;
      }
    }
    out += ESCAPES[n] ?? n;
  }
  return out;
}

/** Quotes a string for Baton source. */
export function encodeString(value: string): string {
  return JSON.stringify(value);
}

export function decodeNumber(raw: string): number {
  return Number(raw.replace(/_/g, ''));
}

const UNIT_MS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
  mo: 2_592_000_000, month: 2_592_000_000, months: 2_592_000_000,
  y: 31_536_000_000, year: 31_536_000_000, years: 31_536_000_000,
};

/** Milliseconds of a duration literal (`30s`, `6months`, `60.seconds`); NaN if it is not one. */
export function decodeDuration(raw: string): number {
  const m = /^(\d[\d_]*(?:\.\d[\d_]*)?)\.?([a-z]+)$/.exec(raw);
  if (!m) return NaN;
  const unit = UNIT_MS[m[2]];
  return unit === undefined ? NaN : decodeNumber(m[1]) * unit;
}

/** Parses a duration written in a string (`"30.seconds"`, `"5m"`, `"600000ms"`) or a bare number of ms. */
export function parseDurationText(text: string): number {
  const t = text.trim();
  if (/^\d[\d_]*(\.\d+)?$/.test(t)) return decodeNumber(t);
  return decodeDuration(t);
}
