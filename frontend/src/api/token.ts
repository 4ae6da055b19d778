import { api } from './client';
import type { Token } from './types';

export const tokenApi = {
  list: (p: number, size: number) => api.list<Token>('/api/token/', { p, size }),
  search: (keyword: string) => api.list<Token>('/api/token/search', { keyword }),
  get: (id: number) => api.get<Token>(`/api/token/${id}`),
  create: (t: Partial<Token>) => api.post<Token | null>('/api/token/', t),
  update: (t: Partial<Token>) => api.put<Token>('/api/token/', t),
  setStatus: (id: number, status: number) => api.put<Token>('/api/token/', { id, status }, { status_only: 'true' }),
  remove: (id: number) => api.del<unknown>(`/api/token/${id}`),
};
