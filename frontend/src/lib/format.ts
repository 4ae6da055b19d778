import type { Status } from '../api/types';

export const DEFAULT_QUOTA_PER_UNIT = 500000;

/** Render a quota amount as USD (when the site displays currency) or as raw quota units. */
export function renderQuota(quota: number | undefined | null, status?: Status | null, digits = 4): string {
  const q = Number(quota ?? 0);
  const display = status?.display_in_currency ?? true;
  if (!display) return q.toLocaleString();
  const per = status?.quota_per_unit || DEFAULT_QUOTA_PER_UNIT;
  return `$${(q / per).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** Trim float noise (0.14285714285714285 → 0.142857) for ratio display. */
export function roundRatio(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return '-';
  return String(Number(Number(v).toPrecision(6)));
}

/** Convert a USD amount typed by a user into quota units. */
export function usdToQuota(usd: number, status?: Status | null): number {
  const per = status?.quota_per_unit || DEFAULT_QUOTA_PER_UNIT;
  return Math.round(usd * per);
}

export function formatTime(ts: number | undefined | null): string {
  if (!ts || ts <= 0) return '-';
  const ms = ts > 1e12 ? ts : ts * 1000;
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `sk-` prefixed key for display and copy; backends may return the bare key. */
export function fullKey(key: string): string {
  if (!key) return '';
  return key.startsWith('sk-') ? key : `sk-${key}`;
}

export function splitCsv(s: string | null | undefined): string[] {
  if (!s) return [];
  return s.split(',').map((x) => x.trim()).filter(Boolean);
}

/** Parse a `<input type="datetime-local">` value to unix seconds; empty → -1 (never). */
export function localInputToUnix(v: string): number {
  if (!v) return -1;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? -1 : Math.floor(t / 1000);
}

export function unixToLocalInput(ts: number | undefined): string {
  if (!ts || ts <= 0) return '';
  const d = new Date(ts * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall back below */
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  document.body.removeChild(ta);
  return ok;
}

/** Numeric value used in charts: USD when the site displays currency, else raw quota. */
export function quotaValue(quota: number, status?: Status | null): number {
  const display = status?.display_in_currency ?? true;
  if (!display) return quota;
  return quota / (status?.quota_per_unit || DEFAULT_QUOTA_PER_UNIT);
}
