import { api } from './client';
import type { User } from './types';

export const authApi = {
  login: (username: string, password: string) => api.post<User>('/api/user/login', { username, password }),
  logout: () => api.get<unknown>('/api/user/logout'),
  register: (body: { username: string; password: string; email?: string; verification_code?: string; aff_code?: string }) =>
    api.post<unknown>('/api/user/register', body),
  sendVerification: (email: string) => api.get<unknown>('/api/verification', { email }),
  requestReset: (email: string) => api.get<unknown>('/api/reset_password', { email }),
  confirmReset: (email: string, token: string, password?: string) =>
    api.post<string>('/api/user/reset', { email, token, password }),
  oauthState: () => api.get<string>('/api/oauth/state'),
  oauthCallback: (provider: string, code: string, state: string) =>
    api.get<User>(`/api/oauth/${provider}`, { code, state }),
};
