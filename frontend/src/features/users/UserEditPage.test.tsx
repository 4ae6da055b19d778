import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders } from '../../test/utils';
import { UserEditPage } from './UserEditPage';

afterEach(() => vi.unstubAllGlobals());

describe('UserEditPage', () => {
  it('shows the form only once the user is loaded, then saves what was typed', async () => {
    const { calls } = mockFetch([
      { path: '/api/status', body: { success: true, data: { display_in_currency: true, quota_per_unit: 500000 } } },
      { path: '/api/group/', body: { success: true, data: ['default', 'vip'] } },
      { path: '/api/user/7', body: { success: true, data: { id: 7, username: 'alice', display_name: 'Old', email: 'a@x.io', group: 'vip', quota: 250000 } } },
      { method: 'PUT', path: '/api/user/', body: { success: true, data: null } },
    ]);
    renderWithProviders(
      <Routes><Route path="/users/edit/:id" element={<UserEditPage />} /><Route path="/users" element={<p>list</p>} /></Routes>,
      { auth: true, route: '/users/edit/7' },
    );
    // Nothing editable before the record arrives: typing there would be overwritten by the load.
    expect(screen.queryByLabelText('Display name')).toBeNull();
    expect(screen.getByText('Loading…')).toBeInTheDocument();

    const display = (await screen.findByLabelText('Display name')) as HTMLInputElement;
    expect(display.value).toBe('Old');
    expect((screen.getByLabelText('Quota (USD)') as HTMLInputElement).value).toBe('0.5');
    fireEvent.change(display, { target: { value: 'New name' } });
    fireEvent.change(screen.getByLabelText('Quota (USD)'), { target: { value: '3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));

    await screen.findByText('list');
    const put = calls.find((c) => c.method === 'PUT')!.body as Record<string, unknown>;
    expect(put).toMatchObject({ id: 7, username: 'alice', display_name: 'New name', email: 'a@x.io', group: 'vip', quota: 1500000 });
    expect(put).not.toHaveProperty('password');
    await waitFor(() => expect(calls.filter((c) => c.url.startsWith('/api/user/7'))).toHaveLength(1));
  });

  it('shows why a user could not be loaded', async () => {
    mockFetch([
      { path: '/api/status', body: { success: true, data: {} } },
      { path: '/api/group/', body: { success: true, data: [] } },
      { path: '/api/user/9', body: { success: false, message: 'record not found' } },
    ]);
    renderWithProviders(
      <Routes><Route path="/users/edit/:id" element={<UserEditPage />} /></Routes>,
      { auth: true, route: '/users/edit/9' },
    );
    expect(await screen.findByRole('alert')).toHaveTextContent('record not found');
    expect(screen.queryByLabelText('Display name')).toBeNull();
  });
});
