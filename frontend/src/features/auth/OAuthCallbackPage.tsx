import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { authApi } from '../../api/auth';
import { useAuth } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';

export function OAuthCallbackPage({ provider }: { provider: 'github' | 'oidc' }) {
  const { t } = useI18n();
  const { user, setUser } = useAuth();
  const nav = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState('');
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const code = params.get('code') || '';
    const state = params.get('state') || '';
    if (!code) {
      setError(t('oauth.missingCode'));
      return;
    }
    authApi.oauthCallback(provider, code, state).then(
      (u) => {
        if (user && (!u || !u.username)) {
          nav('/settings', { replace: true }); // bound to the logged-in account
          return;
        }
        setUser(u);
        nav('/dashboard', { replace: true });
      },
      (e: Error) => setError(e.message),
    );
  }, [params, provider, setUser, nav, t, user]);

  return (
    <div className="auth-page">
      <div className="card auth-card">
        <h2>{t('oauth.title')}</h2>
        {error ? (
          <>
            <div className="error-text" role="alert">{error}</div>
            <Link to="/login">{t('register.toLogin')}</Link>
          </>
        ) : (
          <div className="muted">{t('common.loading')}</div>
        )}
      </div>
    </div>
  );
}
