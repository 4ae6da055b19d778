import { useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** Run `fn` when deps change; ignores results of superseded runs. */
export function useAsync<T>(fn: () => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const runId = useRef(0);
  // `deps` decide when `fn` is considered new (like useEffect deps)
  const stableFn = useCallback(fn, deps);

  useEffect(() => {
    const id = ++runId.current;
    setLoading(true);
    setError(undefined);
    stableFn().then(
      (d) => {
        if (id !== runId.current) return;
        setData(d);
        setLoading(false);
      },
      (e: Error) => {
        if (id !== runId.current) return;
        setError(e);
        setLoading(false);
      },
    );
  }, [stableFn, tick]);

  const reload = useCallback(() => setTick((x) => x + 1), []);
  return { data, error, loading, reload };
}
