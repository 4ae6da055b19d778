import { api } from './client';
import type { Redemption } from './types';

export const redemptionApi = {
  list: (p: number, size: number) => api.list<Redemption>('/api/redemption/', { p, size }),
  create: (name: string, quota: number, count: number) => api.post<string[]>('/api/redemption/', { name, quota, count }),
  setStatus: (id: number, status: number) =>
    api.put<Redemption>('/api/redemption/', { id, status }, { status_only: 'true' }),
  remove: (id: number) => api.del<unknown>(`/api/redemption/${id}`),
};
