import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders } from '../../test/utils';
import { TokenEditPage } from './TokenEditPage';

afterEach(() => vi.unstubAllGlobals());

describe('TokenEditPage', () => {
  it('creates a limited key with expiry, model allow-list and subnet, then shows the sk- key', async () => {
    const { calls } = mockFetch([
      { path: '/api/status', body: { success: true, data: { display_in_currency: true, quota_per_unit: 500000 } } },
      { path: '/api/user/available_models', body: { success: true, data: ['gpt-4o', 'gpt-4o-mini', 'claude-3-haiku'] } },
      { method: 'POST', path: '/api/token/', body: { success: true, data: { id: 5, key: 'x'.repeat(48), name: 'ci' } } },
    ]);
    renderWithProviders(<TokenEditPage />, { auth: true, route: '/tokens/add' });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'ci' } });
    fireEvent.click(screen.getByLabelText('Unlimited'));
    fireEvent.change(await screen.findByLabelText('Quota (USD)'), { target: { value: '2' } });
    fireEvent.click(screen.getByRole('button', { name: '+1 day' }));
    const models = screen.getByLabelText('Allowed models') as HTMLSelectElement;
    await waitFor(() => expect(models.options.length).toBe(3));
    models.options[0].selected = true;
    models.options[2].selected = true;
    fireEvent.change(models);
    fireEvent.change(screen.getByLabelText('Allowed IP subnets (CIDR, comma separated)'), { target: { value: '10.0.0.0/8' } });
    const t0 = Date.now() / 1000;
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    expect(await screen.findByTestId('created-key')).toHaveTextContent(`sk-${'x'.repeat(48)}`);
    const body = calls.find((c) => c.method === 'POST')!.body as Record<string, unknown>;
    expect(body).toMatchObject({
      name: 'ci', remain_quota: 1000000, unlimited_quota: false, models: 'gpt-4o,claude-3-haiku', subnet: '10.0.0.0/8',
    });
    const exp = body.expired_time as number;
    expect(exp).toBeGreaterThan(t0 + 86400 - 120);
    expect(exp).toBeLessThan(t0 + 86400 + 120);
  });

  it('rejects an expiry in the past', async () => {
    const { calls } = mockFetch([
      { path: '/api/status', body: { success: true, data: {} } },
      { path: '/api/user/available_models', body: { success: true, data: [] } },
    ]);
    renderWithProviders(<TokenEditPage />, { auth: true, route: '/tokens/add' });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'old' } });
    fireEvent.change(screen.getByLabelText('Expires'), { target: { value: '2001-01-01T00:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Expiry must be in the future');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('edits a key only once it is loaded and keeps what was typed', async () => {
    const { calls } = mockFetch([
      { path: '/api/status', body: { success: true, data: { display_in_currency: true, quota_per_unit: 500000 } } },
      { path: '/api/user/available_models', body: { success: true, data: ['gpt-4o'] } },
      { path: '/api/token/4', body: { success: true, data: {
        id: 4, name: 'old', remain_quota: 1000000, unlimited_quota: false, expired_time: -1, models: 'gpt-4o', subnet: '' } } },
      { method: 'PUT', path: '/api/token/', body: { success: true, data: {} } },
    ]);
    renderWithProviders(
      <Routes><Route path="/tokens/edit/:id" element={<TokenEditPage />} /><Route path="/tokens" element={<p>list</p>} /></Routes>,
      { auth: true, route: '/tokens/edit/4' },
    );
    expect(screen.queryByLabelText('Name')).toBeNull();
    const name = (await screen.findByLabelText('Name')) as HTMLInputElement;
    expect(name.value).toBe('old');
    expect((screen.getByLabelText('Quota (USD)') as HTMLInputElement).value).toBe('2');
    fireEvent.change(name, { target: { value: 'renamed' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByText('list');
    const put = calls.find((c) => c.method === 'PUT')!.body as Record<string, unknown>;
    expect(put).toMatchObject({ id: 4, name: 'renamed', remain_quota: 1000000, unlimited_quota: false, expired_time: -1, models: 'gpt-4o' });
  });
});
