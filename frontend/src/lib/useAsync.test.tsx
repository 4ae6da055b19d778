import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useAsync } from './useAsync';

describe('useAsync', () => {
  it('loads, exposes errors and reloads', async () => {
    let n = 0;
    const { result } = renderHook(() => useAsync(async () => {
      n += 1;
      if (n === 2) throw new Error('boom');
      return n;
    }, []));
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.data).toBe(1));
    act(() => result.current.reload());
    await waitFor(() => expect(result.current.error?.message).toBe('boom'));
    expect(result.current.loading).toBe(false);
    act(() => result.current.reload());
    await waitFor(() => expect(result.current.data).toBe(3));
    expect(result.current.error).toBeUndefined();
  });

  it('ignores the result of a superseded run', async () => {
    const resolvers: ((v: string) => void)[] = [];
    const { result, rerender } = renderHook(({ k }) => useAsync(() => new Promise<string>((r) => resolvers.push(r)), [k]), {
      initialProps: { k: 'a' },
    });
    rerender({ k: 'b' });
    await act(async () => {
      resolvers[1]('second');
      resolvers[0]('first');
    });
    await waitFor(() => expect(result.current.data).toBe('second'));
  });
});
