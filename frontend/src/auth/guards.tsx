import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useAuth } from './AuthContext';
import { useI18n } from '../i18n';

export function RequireAuth({ children, level = 0 }: { children: ReactNode; level?: number }) {
  const { user } = useAuth();
  const { t } = useI18n();
  const loc = useLocation();
  if (!user) return <Navigate to={`/login?next=${encodeURIComponent(loc.pathname + loc.search)}`} replace />;
  if (user.role < level) return <div className="card error-box">{t('common.forbidden')}</div>;
  return <>{children}</>;
}

/** Only allow same-site relative redirects after login. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//')) return '/dashboard';
  return next;
}
