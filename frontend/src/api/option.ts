import { api } from './client';
import type { OptionRow } from './types';

export const optionApi = {
  list: () => api.get<OptionRow[]>('/api/option/'),
  update: (key: string, value: string) => api.put<unknown>('/api/option/', { key, value }),
};
