import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { onUnauthorized } from '../api/client';
import { authApi } from '../api/auth';
import { selfApi } from '../api/self';
import { statusApi } from '../api/status';
import type { Status, User } from '../api/types';

const USER_KEY = 'oneapi.user';
export const ROLE_ADMIN = 10;
export const ROLE_ROOT = 100;

interface AuthValue {
  user: User | null;
  status: Status | null;
  setUser: (u: User | null) => void;
  refreshStatus: () => Promise<void>;
  logout: () => Promise<void>;
  isAdmin: boolean;
  isRoot: boolean;
}

const AuthContext = createContext<AuthValue | null>(null);

function loadUser(): User | null {
  try {
    const s = localStorage.getItem(USER_KEY);
    return s ? (JSON.parse(s) as User) : null;
  } catch {
    return null;
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUserState] = useState<User | null>(loadUser);
  const [status, setStatus] = useState<Status | null>(null);

  const setUser = useCallback((u: User | null) => {
    if (u) localStorage.setItem(USER_KEY, JSON.stringify(u));
    else localStorage.removeItem(USER_KEY);
    setUserState(u);
  }, []);

  const refreshStatus = useCallback(async () => {
    try {
      setStatus(await statusApi.get());
    } catch {
      setStatus({});
    }
  }, []);

  useEffect(() => {
    void refreshStatus();
  }, [refreshStatus]);

  useEffect(() => {
    onUnauthorized(() => setUser(null));
    return () => onUnauthorized(null);
  }, [setUser]);

  // Re-validate a remembered session once on start.
  useEffect(() => {
    if (!loadUser()) return;
    selfApi.get().then(
      (u) => setUser({ ...loadUser(), ...u }),
      () => setUser(null),
    );
  }, [setUser]);

  const logout = useCallback(async () => {
    try {
      await authApi.logout();
    } finally {
      setUser(null);
    }
  }, [setUser]);

  const value = useMemo<AuthValue>(
    () => ({
      user,
      status,
      setUser,
      refreshStatus,
      logout,
      isAdmin: !!user && user.role >= ROLE_ADMIN,
      isRoot: !!user && user.role >= ROLE_ROOT,
    }),
    [user, status, setUser, refreshStatus, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthContext);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
