import { useMemo } from 'react';
import { channelApi } from '../../api/channel';
import type { ChannelType } from '../../api/types';
import { useAsync } from '../../lib/useAsync';

let cache: Promise<ChannelType[]> | null = null;

/** Channel type registry from GET /api/channel/types (fetched once per page load). */
export function loadChannelTypes(): Promise<ChannelType[]> {
  if (!cache) {
    cache = channelApi.types().then((x) => x ?? []);
    cache.catch(() => {
      cache = null;
    });
  }
  return cache;
}

export function resetChannelTypesCache() {
  cache = null;
}

export function useChannelTypes() {
  const s = useAsync(loadChannelTypes, []);
  const byId = useMemo(() => new Map((s.data ?? []).map((t) => [t.id, t])), [s.data]);
  return { types: s.data ?? [], byId, error: s.error, loading: s.loading };
}
