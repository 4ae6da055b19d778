import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders } from '../../test/utils';
import { TokensPage } from './TokensPage';

afterEach(() => vi.unstubAllGlobals());

const token = {
  id: 4, key: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL', name: 'ci', status: 1, expired_time: -1,
  remain_quota: 0, unlimited_quota: true, used_quota: 250000, created_time: 1700000000,
};

describe('TokensPage', () => {
  it('copies the sk- key and disables a token with status_only', async () => {
    const { calls } = mockFetch([
      { path: '/api/status', body: { success: true, data: { display_in_currency: true, quota_per_unit: 500000 } } },
      { path: '/api/token/', body: { success: true, data: [token], total: 1 } },
      { method: 'PUT', path: '/api/token/', body: { success: true, data: { ...token, status: 2 } } },
    ]);
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    vi.stubGlobal('isSecureContext', true);
    renderWithProviders(<TokensPage />, { auth: true });
    const row = await screen.findByTestId('token-row-ci');
    expect(within(row).getByText('sk-abcd…IJKL')).toBeInTheDocument();
    expect(within(row).getByText('Unlimited')).toBeInTheDocument();
    expect(within(row).getByText('$0.5000')).toBeInTheDocument();

    fireEvent.click(within(row).getByRole('button', { name: 'Copy key' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(`sk-${token.key}`));

    fireEvent.click(within(row).getByRole('button', { name: 'Disable' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.url).toBe('/api/token/?status_only=true');
    expect(put.body).toEqual({ id: 4, status: 2 });
  });
});
