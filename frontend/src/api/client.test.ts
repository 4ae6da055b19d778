import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api, buildUrl, onUnauthorized } from './client';
import { mockFetch } from '../test/utils';

afterEach(() => {
  vi.unstubAllGlobals();
  onUnauthorized(null);
});

describe('api client', () => {
  it('unwraps data from a successful envelope', async () => {
    mockFetch([{ path: '/api/status', body: { success: true, message: '', data: { system_name: 'X' } } }]);
    await expect(api.get('/api/status')).resolves.toEqual({ system_name: 'X' });
  });

  it('throws ApiError with the server message when success=false', async () => {
    mockFetch([{ method: 'POST', path: '/api/user/login', body: { success: false, message: 'wrong password' } }]);
    const err = (await api.post('/api/user/login', { username: 'a' }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.message).toBe('wrong password');
    expect(err.status).toBe(200);
  });

  it('throws on HTTP errors and reports 401 to the unauthorized handler', async () => {
    mockFetch([{ path: '/api/user/self', status: 401, body: { success: false, message: 'not logged in' } }]);
    const handler = vi.fn();
    onUnauthorized(handler);
    const err = (await api.get('/api/user/self').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(401);
    expect(err.message).toBe('not logged in');
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('uses the relay error message for non-envelope errors', async () => {
    mockFetch([{ path: '/api/x', status: 429, body: { error: { message: 'slow down' } } }]);
    await expect(api.get('/api/x')).rejects.toMatchObject({ status: 429, message: 'slow down' });
  });

  it('rejects a non-JSON body', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('<html>', { status: 200 })));
    await expect(api.get('/api/status')).rejects.toThrow('Invalid response');
  });

  it('wraps network failures', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch'); }));
    await expect(api.get('/api/status')).rejects.toMatchObject({ status: 0 });
  });

  it('returns items and total for list endpoints', async () => {
    const { calls } = mockFetch([{ path: '/api/token/', body: { success: true, message: '', data: [{ id: 1 }, { id: 2 }], total: 7 } }]);
    await expect(api.list('/api/token/', { p: 0, size: 2 })).resolves.toEqual({ items: [{ id: 1 }, { id: 2 }], total: 7 });
    expect(calls[0].url).toBe('/api/token/?p=0&size=2');
  });

  it('sends JSON bodies and skips empty query params', async () => {
    const { calls } = mockFetch([{ method: 'PUT', path: '/api/token/', body: { success: true, data: null } }]);
    await api.put('/api/token/', { id: 3, status: 2 }, { status_only: 'true', empty: '' });
    expect(calls[0]).toEqual({ method: 'PUT', url: '/api/token/?status_only=true', body: { id: 3, status: 2 } });
    expect(buildUrl('/a', { x: undefined, y: null, z: 0 })).toBe('/a?z=0');
  });
});
