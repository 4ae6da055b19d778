import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { authApi } from '../../api/auth';
import { useAuth } from '../../auth/AuthContext';
import { safeNext } from '../../auth/guards';
import { githubAuthorizeUrl, oidcAuthorizeUrl } from '../../auth/oauth';
import { useI18n } from '../../i18n';
import { useToast } from '../../components/Toast';

export function LoginPage() {
  const { t } = useI18n();
  const { status, setUser } = useAuth();
  const toast = useToast();
  const nav = useNavigate();
  const [params] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!username || !password) {
      setError(t('login.required'));
      return;
    }
    setBusy(true);
    setError('');
    try {
      const u = await authApi.login(username, password);
      setUser(u);
      toast.success(t('login.success'));
      nav(safeNext(params.get('next')), { replace: true });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function oauth(provider: 'github' | 'oidc') {
    try {
      const state = await authApi.oauthState();
      window.location.href = provider === 'github'
        ? githubAuthorizeUrl(status || {}, state)
        : oidcAuthorizeUrl(status || {}, state, window.location.origin);
    } catch (err) {
      toast.error(err as Error);
    }
  }

  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={submit}>
        <h2>{t('login.title')}</h2>
        <div className="field">
          <label htmlFor="login-username">{t('login.username')}</label>
          <input id="login-username" name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="login-password">{t('login.password')}</label>
          <input id="login-password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        {error ? <div className="error-text" role="alert">{error}</div> : null}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>{t('login.submit')}</button>
        <div className="auth-links">
          <Link to="/register">{t('login.toRegister')}</Link>
          <Link to="/reset">{t('login.forgot')}</Link>
        </div>
        {status?.github_oauth || status?.oidc ? (
          <div className="oauth-buttons">
            <div className="muted">{t('login.or')}</div>
            {status.github_oauth ? (
              <button type="button" className="btn btn-block" onClick={() => oauth('github')}>{t('login.github')}</button>
            ) : null}
            {status.oidc ? (
              <button type="button" className="btn btn-block" onClick={() => oauth('oidc')}>{t('login.oidc')}</button>
            ) : null}
          </div>
        ) : null}
      </form>
    </div>
  );
}
