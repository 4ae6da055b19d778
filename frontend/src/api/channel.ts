import { api } from './client';
import type { Channel, ChannelType } from './types';

export const channelApi = {
  list: (p: number, size: number) => api.list<Channel>('/api/channel/', { p, size }),
  search: (keyword: string) => api.list<Channel>('/api/channel/search', { keyword }),
  get: (id: number) => api.get<Channel>(`/api/channel/${id}`),
  types: () => api.get<ChannelType[]>('/api/channel/types'),
  create: (c: Partial<Channel>) => api.post<unknown>('/api/channel/', c),
  update: (c: Partial<Channel>) => api.put<Channel>('/api/channel/', c),
  remove: (id: number) => api.del<unknown>(`/api/channel/${id}`),
  removeDisabled: () => api.del<number>('/api/channel/disabled'),
  test: (id: number) => api.full<unknown>('GET', `/api/channel/test/${id}`),
  testAll: () => api.full<unknown>('GET', '/api/channel/test'),
  updateBalance: (id: number) => api.full<unknown>('GET', `/api/channel/update_balance/${id}`),
  groups: () => api.get<string[]>('/api/group/'),
};
