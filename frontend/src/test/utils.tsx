import type { ReactElement } from 'react';
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { vi } from 'vitest';
import { I18nProvider } from '../i18n';
import { ToastProvider } from '../components/Toast';
import { AuthProvider } from '../auth/AuthContext';

export interface Route { method?: string; path: string; body: unknown; status?: number }

/** Install a fetch mock answering by "METHOD path" (query string ignored); records every call. */
export function mockFetch(routes: Route[]) {
  const calls: { method: string; url: string; body: unknown }[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = (init?.method || 'GET').toUpperCase();
    calls.push({ method, url, body: init?.body ? JSON.parse(String(init.body)) : undefined });
    const path = url.split('?')[0];
    const r = routes.find((x) => (x.method || 'GET') === method && x.path === path);
    if (!r) return new Response(JSON.stringify({ success: false, message: `no mock for ${method} ${path}` }), { status: 404 });
    return new Response(JSON.stringify(r.body), { status: r.status ?? 200, headers: { 'Content-Type': 'application/json' } });
  });
  vi.stubGlobal('fetch', fn);
  return { fn, calls };
}

export function renderWithProviders(ui: ReactElement, { route = '/', auth = false } = {}) {
  const inner = auth ? <AuthProvider>{ui}</AuthProvider> : ui;
  return render(
    <I18nProvider initial="en">
      <ToastProvider>
        <MemoryRouter initialEntries={[route]}>{inner}</MemoryRouter>
      </ToastProvider>
    </I18nProvider>,
  );
}
