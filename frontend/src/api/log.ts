import { api } from './client';
import type { LogRow } from './types';

export interface LogFilter {
  type?: number | string;
  model_name?: string;
  token_name?: string;
  username?: string;
  channel?: string;
  start_timestamp?: number;
  end_timestamp?: number;
}

export const logApi = {
  list: (admin: boolean, p: number, size: number, f: LogFilter) =>
    api.list<LogRow>(admin ? '/api/log/' : '/api/log/self', { p, size, ...f }),
  stat: (admin: boolean, f: LogFilter) => api.get<{ quota: number }>(admin ? '/api/log/stat' : '/api/log/self/stat', { ...f }),
};

/** Admin: delete logs created before `targetTimestamp` (unix seconds); returns the deleted count. */
export const deleteLogsBefore = (targetTimestamp: number) => api.del<number>('/api/log/', { target_timestamp: targetTimestamp });
