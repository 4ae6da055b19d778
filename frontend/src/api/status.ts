import { api } from './client';
import type { PriceRow, Status } from './types';

export const statusApi = {
  get: () => api.get<Status>('/api/status'),
  about: () => api.get<string>('/api/about'),
  homePage: () => api.get<string>('/api/home_page_content'),
  notice: () => api.get<string>('/api/notice'),
  pricing: () => api.get<PriceRow[]>('/api/pricing'),
};
