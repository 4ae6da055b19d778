import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders } from '../../test/utils';
import { LogsPage, toLogFilter } from './LogsPage';

afterEach(() => vi.unstubAllGlobals());

const row = {
  id: 1, created_at: 1700000000, type: 2, username: 'root', token_name: 'k', model_name: 'gpt-4o-mini', quota: 1000,
  prompt_tokens: 12, completion_tokens: 8, channel: 3, request_id: '20261128123456789', content: 'model rate 0.07',
};

describe('LogsPage', () => {
  it('a common user reads /api/log/self with filters and the matching stat', async () => {
    const { calls } = mockFetch([
      { path: '/api/status', body: { success: true, data: {} } },
      { path: '/api/log/self', body: { success: true, data: [row], total: 1 } },
      { path: '/api/log/self/stat', body: { success: true, data: { quota: 1000 } } },
    ]);
    localStorage.setItem('oneapi.user', JSON.stringify({ id: 2, username: 'u', role: 1, status: 1 }));
    renderWithProviders(<LogsPage />, { auth: true });
    expect(await screen.findByText('20261128123456789')).toBeInTheDocument();
    expect(await screen.findByTestId('log-stat')).toHaveTextContent('$0.002000');
    expect(screen.queryByLabelText('User')).toBeNull();

    fireEvent.change(screen.getByLabelText('Type'), { target: { value: '2' } });
    fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'gpt-4o-mini' } });
    fireEvent.click(screen.getByRole('button', { name: 'Filter' }));
    await waitFor(() => expect(calls.some((c) => c.url === '/api/log/self/stat?type=2&model_name=gpt-4o-mini')).toBe(true));
    expect(calls.some((c) => c.url === '/api/log/self?p=0&size=20&type=2&model_name=gpt-4o-mini')).toBe(true);
  });

  it('admin filters include user, channel and the time range', () => {
    const f = toLogFilter({ type: '0', model_name: ' ', token_name: 'k', username: 'bob', channel: '3', start: '2026-01-01T00:00', end: '' }, true);
    expect(f).toMatchObject({ type: undefined, model_name: undefined, token_name: 'k', username: 'bob', channel: '3' });
    expect(f.start_timestamp).toBe(Math.floor(new Date('2026-01-01T00:00').getTime() / 1000));
    expect(f.end_timestamp).toBeUndefined();
    expect(toLogFilter({ type: '0', model_name: '', token_name: '', username: 'bob', channel: '3', start: '', end: '' }, false).username).toBeUndefined();
  });
});
