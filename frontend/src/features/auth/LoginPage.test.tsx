import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders } from '../../test/utils';
import { LoginPage } from './LoginPage';

afterEach(() => vi.unstubAllGlobals());

describe('LoginPage', () => {
  it('shows OAuth buttons only when /api/status enables them', async () => {
    mockFetch([{ path: '/api/status', body: { success: true, data: { github_oauth: true, oidc: false } } }]);
    renderWithProviders(<LoginPage />, { auth: true, route: '/login' });
    expect(await screen.findByRole('button', { name: 'Continue with GitHub' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Continue with OIDC' })).toBeNull();
  });

  it('logs in, stores the user and shows server errors', async () => {
    const { calls } = mockFetch([
      { path: '/api/status', body: { success: true, data: {} } },
      { method: 'POST', path: '/api/user/login', body: { success: false, message: 'Invalid username or password' } },
    ]);
    renderWithProviders(<LoginPage />, { auth: true, route: '/login' });
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'root' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'bad' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Invalid username or password');
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && (c.body as { username: string }).username === 'root')).toBe(true));
    expect(localStorage.getItem('oneapi.user')).toBeNull();
  });
});
