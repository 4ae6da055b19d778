import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { authApi } from '../../api/auth';
import { useI18n } from '../../i18n';
import { CopyButton } from '../../components/CopyButton';

export function ResetRequestPage() {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [msg, setMsg] = useState('');
  const [error, setError] = useState('');
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError('');
    try {
      await authApi.requestReset(email);
      setMsg(t('reset.sent'));
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={submit}>
        <h2>{t('reset.title')}</h2>
        <div className="field">
          <label htmlFor="reset-email">{t('register.email')}</label>
          <input id="reset-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </div>
        {msg ? <div className="ok-text">{msg}</div> : null}
        {error ? <div className="error-text" role="alert">{error}</div> : null}
        <button type="submit" className="btn btn-primary btn-block">{t('reset.send')}</button>
        <div className="auth-links"><Link to="/login">{t('register.toLogin')}</Link></div>
      </form>
    </div>
  );
}

export function ResetConfirmPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const email = params.get('email') || '';
  const token = params.get('token') || '';
  const [password, setPassword] = useState('');
  const [result, setResult] = useState('');
  const [error, setError] = useState('');
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError('');
    if (password && (password.length < 8 || password.length > 20)) return setError(t('register.passwordRule'));
    try {
      const p = await authApi.confirmReset(email, token, password || undefined);
      setResult(typeof p === 'string' && p ? p : password);
    } catch (err) {
      setError((err as Error).message);
    }
  }
  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={submit}>
        <h2>{t('reset.confirmTitle')}</h2>
        <div className="muted">{email}</div>
        {!email || !token ? <div className="error-text">{t('reset.badLink')}</div> : null}
        <div className="field">
          <label htmlFor="reset-password">{t('reset.newPassword')}</label>
          <input id="reset-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        {result ? (
          <div className="ok-text">
            {t('reset.done')} <code>{result}</code> <CopyButton text={result} />
          </div>
        ) : null}
        {error ? <div className="error-text" role="alert">{error}</div> : null}
        <button type="submit" className="btn btn-primary btn-block" disabled={!email || !token}>{t('reset.confirm')}</button>
        <div className="auth-links"><Link to="/login">{t('register.toLogin')}</Link></div>
      </form>
    </div>
  );
}
