import { describe, expect, it } from 'vitest';
import { breakdown, byDay, byModel, dashboardRows, daysBetween, stackedByModel } from './aggregate';

const rows = [
  { Day: '2026-01-02', ModelName: 'gpt-4o', RequestCount: 2, Quota: 100, PromptTokens: 10, CompletionTokens: 5 },
  { Day: '2026-01-02', ModelName: 'claude', RequestCount: 1, Quota: 300, PromptTokens: 1, CompletionTokens: 1 },
  { Day: '2026-01-03', ModelName: 'gpt-4o', RequestCount: 4, Quota: 50, PromptTokens: 3, CompletionTokens: 0 },
];

describe('dashboard aggregation', () => {
  it('accepts the upstream array and the wrapped {logs} shapes', () => {
    expect(dashboardRows(rows)).toHaveLength(3);
    expect(dashboardRows({ logs: rows })).toHaveLength(3);
    expect(dashboardRows(null)).toEqual([]);
  });
  it('fills missing days with zeros', () => {
    const days = daysBetween('2026-01-01', '2026-01-03');
    expect(days).toEqual(['2026-01-01', '2026-01-02', '2026-01-03']);
    expect(byDay(rows, days)).toEqual([
      { day: '2026-01-01', requests: 0, quota: 0, tokens: 0 },
      { day: '2026-01-02', requests: 3, quota: 400, tokens: 17 },
      { day: '2026-01-03', requests: 4, quota: 50, tokens: 3 },
    ]);
  });
  it('totals per model, most expensive first, and stacks per day', () => {
    expect(byModel(rows).map((m) => [m.model, m.requests, m.quota])).toEqual([['claude', 1, 300], ['gpt-4o', 6, 150]]);
    const s = stackedByModel(rows, ['2026-01-02', '2026-01-03']);
    expect(s.models).toEqual(['claude', 'gpt-4o']);
    expect(s.data).toEqual([{ day: '2026-01-02', claude: 1, 'gpt-4o': 2 }, { day: '2026-01-03', claude: 0, 'gpt-4o': 4 }]);
  });
});

describe('breakdown', () => {
  it('totals user_logs by username and ignores the upstream array shape', () => {
    const data = {
      logs: rows,
      user_logs: [
        { ...rows[0], Username: 'alice' },
        { ...rows[1], Username: 'bob' },
        { ...rows[2], Username: 'alice' },
      ],
    };
    expect(breakdown(data, 'user_logs', 'Username')).toEqual([
      { name: 'bob', requests: 1, quota: 300, tokens: 2 },
      { name: 'alice', requests: 6, quota: 150, tokens: 18 },
    ]);
    expect(breakdown(rows, 'user_logs', 'Username')).toEqual([]);
  });
});
