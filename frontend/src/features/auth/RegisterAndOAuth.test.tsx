import { fireEvent, screen, waitFor } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders } from '../../test/utils';
import { OAuthCallbackPage } from './OAuthCallbackPage';
import { RegisterPage } from './RegisterPage';

afterEach(() => vi.unstubAllGlobals());

describe('RegisterPage', () => {
  it('asks for email + code when verification is on and sends the aff code from the URL', async () => {
    const { calls } = mockFetch([
      { path: '/api/status', body: { success: true, data: { email_verification: true } } },
      { path: '/api/verification', body: { success: true, message: '' } },
      { method: 'POST', path: '/api/user/register', body: { success: true, message: '' } },
    ]);
    renderWithProviders(<RegisterPage />, { auth: true, route: '/register?aff=AB12' });
    const email = await screen.findByLabelText('Email');
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'alice' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'password-1' } });
    fireEvent.change(screen.getByLabelText('Confirm password'), { target: { value: 'password-1' } });
    fireEvent.change(email, { target: { value: 'a@example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Email and verification code are required');

    fireEvent.click(screen.getByRole('button', { name: 'Send code' }));
    await waitFor(() => expect(calls.some((c) => c.url === '/api/verification?email=a%40example.com')).toBe(true));
    fireEvent.change(screen.getByLabelText('Verification code'), { target: { value: '123456' } });
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
      username: 'alice', password: 'password-1', email: 'a@example.com', verification_code: '123456', aff_code: 'AB12',
    });
  });

  it('refuses mismatched passwords without calling the server', async () => {
    const { calls } = mockFetch([{ path: '/api/status', body: { success: true, data: {} } }]);
    renderWithProviders(<RegisterPage />, { auth: true, route: '/register' });
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'bob' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'password-1' } });
    fireEvent.change(screen.getByLabelText('Confirm password'), { target: { value: 'password-2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Register' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Passwords do not match');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });
});

describe('OAuthCallbackPage', () => {
  it('exchanges code and state, stores the user and opens the dashboard', async () => {
    const { calls } = mockFetch([
      { path: '/api/status', body: { success: true, data: {} } },
      { path: '/api/oauth/github', body: { success: true, data: { id: 9, username: 'github_9', role: 1, status: 1 } } },
    ]);
    renderWithProviders(
      <Routes>
        <Route path="/oauth/github" element={<OAuthCallbackPage provider="github" />} />
        <Route path="/dashboard" element={<div>dashboard here</div>} />
      </Routes>,
      { auth: true, route: '/oauth/github?code=c0de&state=s7' },
    );
    expect(await screen.findByText('dashboard here')).toBeInTheDocument();
    expect(calls.some((c) => c.url === '/api/oauth/github?code=c0de&state=s7')).toBe(true);
    expect(JSON.parse(localStorage.getItem('oneapi.user')!).username).toBe('github_9');
  });

  it('shows the server error', async () => {
    mockFetch([
      { path: '/api/status', body: { success: true, data: {} } },
      { path: '/api/oauth/oidc', body: { success: false, message: 'state mismatch' } },
    ]);
    renderWithProviders(<OAuthCallbackPage provider="oidc" />, { auth: true, route: '/oauth/oidc?code=x&state=y' });
    expect(await screen.findByRole('alert')).toHaveTextContent('state mismatch');
  });
});
