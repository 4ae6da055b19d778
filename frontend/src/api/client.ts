// The single HTTP client: unwraps the {success, message, data} envelope and
// throws ApiError on success=false or on a non-2xx HTTP status.

export class ApiError extends Error {
  status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export interface Envelope<T> {
  success: boolean;
  message?: string;
  data?: T;
  total?: number;
}

export interface ListResult<T> {
  items: T[];
  total: number;
}

type Params = Record<string, string | number | boolean | undefined | null>;

let unauthorizedHandler: (() => void) | null = null;

/** Called when an authenticated call answers 401 (session expired). */
export function onUnauthorized(fn: (() => void) | null) {
  unauthorizedHandler = fn;
}

export function buildUrl(path: string, params?: Params): string {
  if (!params) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

async function raw<T>(method: string, path: string, body?: unknown, params?: Params): Promise<Envelope<T>> {
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    headers: body !== undefined ? { 'Content-Type': 'application/json' } : undefined,
    body: body !== undefined ? JSON.stringify(body) : undefined,
  };
  let res: Response;
  try {
    res = await fetch(buildUrl(path, params), init);
  } catch (e) {
    throw new ApiError(`Network error: ${(e as Error).message}`, 0);
  }
  let payload: unknown = null;
  const text = await res.text();
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
  }
  const env = payload as Envelope<T> | null;
  if (res.status === 401 && unauthorizedHandler && !path.startsWith('/api/user/login')) {
    unauthorizedHandler();
  }
  if (!res.ok) {
    const msg = (env && typeof env === 'object' && (env.message || (env as { error?: { message?: string } }).error?.message)) || `HTTP ${res.status}`;
    throw new ApiError(msg, res.status);
  }
  if (!env || typeof env !== 'object') {
    throw new ApiError('Invalid response from server', res.status);
  }
  return env;
}

/** Call an endpoint that answers the standard envelope; returns `data`. */
export async function request<T>(method: string, path: string, body?: unknown, params?: Params): Promise<T> {
  const env = await raw<T>(method, path, body, params);
  if (env.success !== true) {
    throw new ApiError(env.message || 'Request failed', 200);
  }
  return env.data as T;
}

/** Like request(), but also returns the envelope message (e.g. channel test replies). */
export async function requestFull<T>(method: string, path: string, body?: unknown, params?: Params): Promise<Envelope<T>> {
  const env = await raw<T>(method, path, body, params);
  if (env.success !== true) {
    throw new ApiError(env.message || 'Request failed', 200);
  }
  return env;
}

/** List endpoints: `data` is an array (or {items/data: []}) and `total` sits next to it. */
export async function requestList<T>(path: string, params?: Params): Promise<ListResult<T>> {
  const env = await raw<unknown>('GET', path, undefined, params);
  if (env.success !== true) throw new ApiError(env.message || 'Request failed', 200);
  const d = env.data as unknown;
  let items: T[] = [];
  let total: number | undefined = env.total;
  if (Array.isArray(d)) items = d as T[];
  else if (d && typeof d === 'object') {
    const o = d as { items?: T[]; data?: T[]; total?: number };
    items = o.items || o.data || [];
    if (total === undefined) total = o.total;
  }
  return { items, total: total ?? items.length };
}

export const api = {
  get: <T>(path: string, params?: Params) => request<T>('GET', path, undefined, params),
  post: <T>(path: string, body?: unknown, params?: Params) => request<T>('POST', path, body ?? {}, params),
  put: <T>(path: string, body?: unknown, params?: Params) => request<T>('PUT', path, body ?? {}, params),
  del: <T>(path: string, params?: Params) => request<T>('DELETE', path, undefined, params),
  list: requestList,
  full: requestFull,
};
