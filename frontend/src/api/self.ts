import { api } from './client';
import type { DashboardRow, User } from './types';

export const selfApi = {
  get: () => api.get<User>('/api/user/self'),
  update: (body: Partial<User> & { password?: string }) => api.put<unknown>('/api/user/self', body),
  accessToken: () => api.get<string>('/api/user/token'),
  aff: () => api.get<string>('/api/user/aff'),
  topup: (key: string) => api.post<number>('/api/user/topup', { key }),
  dashboard: (params: { from_date?: string; to_date?: string } = {}) =>
    api.get<DashboardRow[] | { logs?: DashboardRow[] }>('/api/user/dashboard', params),
  availableModels: () => api.get<string[]>('/api/user/available_models'),
};
