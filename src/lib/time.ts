/**
 * Postgres renders timestamptz as e.g. `2026-11-26 02:38:20.101644+00`. The API speaks RFC 3339 in
 * UTC with the microseconds kept: `2026-11-26T02:38:20.101644Z`.
 */
const PG_TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d+)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?|Z)?$/;

export function toRfc3339(value: string): string;
export function toRfc3339(value: string | null | undefined): string | null;
export function toRfc3339(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const m = PG_TIMESTAMP.exec(value);
  if (!m) return new Date(value).toISOString();
  const [, y, mo, d, h, mi, s, frac = "", sign, oh = "0", om = "0", os = "0"] = m;
  const offsetSec = sign ? (sign === "-" ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60 + Number(os)) : 0;
  // Already UTC, as Postgres sends it to a session in UTC: rewritten without a Date (a course's
  // progress formats thousands of these per request).
  if (offsetSec === 0) return `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}Z`;
  const utcMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offsetSec * 1000;
  return `${new Date(utcMs).toISOString().slice(0, 19)}${frac}Z`;
}

export function nowRfc3339(): string {
  return new Date().toISOString();
}
