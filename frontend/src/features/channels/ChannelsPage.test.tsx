import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders } from '../../test/utils';
import { ChannelsPage } from './ChannelsPage';
import { resetChannelTypesCache } from './useChannelTypes';

afterEach(() => {
  vi.unstubAllGlobals();
  resetChannelTypesCache();
});

const channel = {
  id: 7, type: 1, key: '', status: 1, name: 'main', weight: 0, priority: 0, models: 'gpt-4o', group: 'default',
  response_time: 1500, test_time: 1700000000, balance: 12.5,
};

function routes() {
  return mockFetch([
    { path: '/api/channel/types', body: { success: true, data: [{ id: 1, name: 'OpenAI', supports_balance: true, config_fields: [] }] } },
    { path: '/api/channel/', body: { success: true, data: [channel], total: 1 } },
    { method: 'PUT', path: '/api/channel/', body: { success: true, data: channel } },
    { path: '/api/channel/test/7', body: { success: false, message: 'upstream said 401', time: 0.2 } },
  ]);
}

describe('ChannelsPage', () => {
  it('shows type name from the registry, status, response time and balance', async () => {
    routes();
    renderWithProviders(<ChannelsPage />);
    const row = await screen.findByTestId('channel-row-7');
    await waitFor(() => expect(within(row).getByText('OpenAI')).toBeInTheDocument());
    expect(within(row).getByText('Enabled')).toBeInTheDocument();
    expect(within(row).getByText('1.50s')).toBeInTheDocument();
    expect(within(row).getByRole('button', { name: '$12.50' })).toBeInTheDocument();
  });

  it('saves priority edited in place without sending the key', async () => {
    const { calls } = routes();
    renderWithProviders(<ChannelsPage />);
    const row = await screen.findByTestId('channel-row-7');
    const input = within(row).getByLabelText('Priority');
    fireEvent.change(input, { target: { value: '3' } });
    fireEvent.blur(input);
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const put = calls.find((c) => c.method === 'PUT')!.body as Record<string, unknown>;
    expect(put).toMatchObject({ id: 7, priority: 3, name: 'main' });
    expect('key' in put).toBe(false);
  });

  it('reports a failed channel test with the server message', async () => {
    routes();
    renderWithProviders(<ChannelsPage />);
    const row = await screen.findByTestId('channel-row-7');
    fireEvent.click(within(row).getByRole('button', { name: 'Test' }));
    expect(await screen.findByTestId('toast-error')).toHaveTextContent('main: upstream said 401');
  });
});
