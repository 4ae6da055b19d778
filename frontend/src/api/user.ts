import { api } from './client';
import type { User } from './types';

export const userApi = {
  list: (p: number, size: number) => api.list<User>('/api/user/', { p, size }),
  search: (keyword: string) => api.list<User>('/api/user/search', { keyword }),
  get: (id: number) => api.get<User>(`/api/user/${id}`),
  create: (u: Partial<User> & { password: string }) => api.post<unknown>('/api/user/', u),
  update: (u: Partial<User> & { password?: string }) => api.put<unknown>('/api/user/', u),
  manage: (username: string, action: 'enable' | 'disable' | 'promote' | 'demote' | 'delete') =>
    api.post<{ role: number; status: number }>('/api/user/manage', { username, action }),
};
