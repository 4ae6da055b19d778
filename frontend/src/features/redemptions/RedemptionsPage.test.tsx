import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders } from '../../test/utils';
import { RedemptionsPage } from './RedemptionsPage';

afterEach(() => vi.unstubAllGlobals());

describe('RedemptionsPage', () => {
  it('creates a batch in USD and shows the codes to copy', async () => {
    const { calls } = mockFetch([
      { path: '/api/status', body: { success: true, data: { display_in_currency: true, quota_per_unit: 500000 } } },
      { path: '/api/redemption/', body: { success: true, data: [], total: 0 } },
      { method: 'POST', path: '/api/redemption/', body: { success: true, data: ['k1', 'k2', 'k3'] } },
    ]);
    renderWithProviders(<RedemptionsPage />, { auth: true });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'promo' } });
    fireEvent.change(screen.getByLabelText('Quota (USD)'), { target: { value: '1.5' } });
    fireEvent.change(screen.getByLabelText('Count'), { target: { value: '3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create codes' }));
    const box = await screen.findByTestId('redemption-keys');
    expect((box as HTMLTextAreaElement).value).toBe('k1\nk2\nk3');
    expect(screen.getByRole('dialog', { name: '3 code(s) created' })).toBeInTheDocument();
    await waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'promo', quota: 750000, count: 3 }));
  });

  it('validates the count before calling the server', async () => {
    const { calls } = mockFetch([
      { path: '/api/status', body: { success: true, data: {} } },
      { path: '/api/redemption/', body: { success: true, data: [], total: 0 } },
    ]);
    renderWithProviders(<RedemptionsPage />, { auth: true });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'promo' } });
    fireEvent.change(screen.getByLabelText('Quota (USD)'), { target: { value: '1' } });
    fireEvent.change(screen.getByLabelText('Count'), { target: { value: '101' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create codes' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Count must be between 1 and 100');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });
});
