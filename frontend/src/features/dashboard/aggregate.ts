import type { DashboardRow } from '../../api/types';

export interface DaySeries { day: string; requests: number; quota: number; tokens: number }
export interface ModelTotal { model: string; requests: number; quota: number; tokens: number }

/** The upstream API answers `data: [rows]`; the fork wraps them as `data: {logs: [rows]}`. */
export function dashboardRows(data: DashboardRow[] | { logs?: DashboardRow[] } | null | undefined): DashboardRow[] {
  if (!data) return [];
  if (Array.isArray(data)) return data;
  return data.logs ?? [];
}

/** Every day between from and to (YYYY-MM-DD, inclusive) so gaps show as zero. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const start = new Date(`${from}T00:00:00Z`).getTime();
  const end = new Date(`${to}T00:00:00Z`).getTime();
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return out;
  for (let t = start; t <= end && out.length < 400; t += 86400000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

export function byDay(rows: DashboardRow[], days: string[]): DaySeries[] {
  const m = new Map<string, DaySeries>(days.map((d) => [d, { day: d, requests: 0, quota: 0, tokens: 0 }]));
  for (const r of rows) {
    const s = m.get(r.Day) ?? { day: r.Day, requests: 0, quota: 0, tokens: 0 };
    s.requests += r.RequestCount || 0;
    s.quota += r.Quota || 0;
    s.tokens += (r.PromptTokens || 0) + (r.CompletionTokens || 0);
    m.set(r.Day, s);
  }
  return [...m.values()].sort((a, b) => a.day.localeCompare(b.day));
}

export function byModel(rows: DashboardRow[]): ModelTotal[] {
  const m = new Map<string, ModelTotal>();
  for (const r of rows) {
    const s = m.get(r.ModelName) ?? { model: r.ModelName, requests: 0, quota: 0, tokens: 0 };
    s.requests += r.RequestCount || 0;
    s.quota += r.Quota || 0;
    s.tokens += (r.PromptTokens || 0) + (r.CompletionTokens || 0);
    m.set(r.ModelName, s);
  }
  return [...m.values()].sort((a, b) => b.quota - a.quota || b.requests - a.requests);
}

/** Per-day quota split by model for a stacked bar chart: [{day, <model>: quota, ...}]. */
export function stackedByModel(rows: DashboardRow[], days: string[]): { data: Record<string, number | string>[]; models: string[] } {
  const models = [...new Set(rows.map((r) => r.ModelName))].sort();
  const m = new Map<string, Record<string, number | string>>(days.map((d) => [d, { day: d }]));
  for (const r of rows) {
    const row = m.get(r.Day) ?? { day: r.Day };
    row[r.ModelName] = ((row[r.ModelName] as number) || 0) + (r.RequestCount || 0);
    m.set(r.Day, row);
  }
  const data = [...m.values()].sort((a, b) => String(a.day).localeCompare(String(b.day)));
  for (const row of data) for (const mod of models) if (row[mod] === undefined) row[mod] = 0;
  return { data, models };
}

export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export interface Breakdown { name: string; requests: number; quota: number; tokens: number }
type Keyed = DashboardRow & Record<string, unknown>;

/** Totals of the fork's `user_logs` / `token_logs` rows by a name column (Username, TokenName). */
export function breakdown(data: unknown, list: 'user_logs' | 'token_logs', nameKey: string): Breakdown[] {
  if (!data || Array.isArray(data) || typeof data !== 'object') return [];
  const rows = ((data as Record<string, unknown>)[list] as Keyed[] | undefined) ?? [];
  const m = new Map<string, Breakdown>();
  for (const r of rows) {
    const name = String(r[nameKey] ?? '') || '-';
    const s = m.get(name) ?? { name, requests: 0, quota: 0, tokens: 0 };
    s.requests += r.RequestCount || 0;
    s.quota += r.Quota || 0;
    s.tokens += (r.PromptTokens || 0) + (r.CompletionTokens || 0);
    m.set(name, s);
  }
  return [...m.values()].sort((a, b) => b.quota - a.quota || b.requests - a.requests);
}
