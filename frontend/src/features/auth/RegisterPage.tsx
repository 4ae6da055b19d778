import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { authApi } from '../../api/auth';
import { useAuth } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';
import { useToast } from '../../components/Toast';

export function RegisterPage() {
  const { t } = useI18n();
  const { status } = useAuth();
  const toast = useToast();
  const nav = useNavigate();
  const [params] = useSearchParams();
  const [form, setForm] = useState({
    username: '', password: '', password2: '', email: '', verification_code: '', aff_code: params.get('aff') || '',
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const needEmail = !!status?.email_verification;
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  async function sendCode() {
    if (!form.email) {
      setError(t('register.emailRequired'));
      return;
    }
    try {
      await authApi.sendVerification(form.email);
      toast.success(t('register.codeSent'));
    } catch (err) {
      setError((err as Error).message);
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError('');
    if (form.username.length < 1 || form.username.length > 30) return setError(t('register.usernameRule'));
    if (form.password.length < 8 || form.password.length > 20) return setError(t('register.passwordRule'));
    if (form.password !== form.password2) return setError(t('register.mismatch'));
    if (needEmail && (!form.email || !form.verification_code)) return setError(t('register.emailRequired'));
    setBusy(true);
    try {
      await authApi.register({
        username: form.username,
        password: form.password,
        email: needEmail ? form.email : undefined,
        verification_code: needEmail ? form.verification_code : undefined,
        aff_code: form.aff_code || undefined,
      });
      toast.success(t('register.success'));
      nav('/login');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  if (status && (status.password_register === false || status.register_enabled === false)) {
    return <div className="auth-page"><div className="card auth-card">{t('register.disabled')}</div></div>;
  }

  return (
    <div className="auth-page">
      <form className="card auth-card" onSubmit={submit}>
        <h2>{t('register.title')}</h2>
        <div className="field">
          <label htmlFor="reg-username">{t('login.username')}</label>
          <input id="reg-username" value={form.username} onChange={set('username')} autoComplete="username" />
        </div>
        <div className="field">
          <label htmlFor="reg-password">{t('login.password')}</label>
          <input id="reg-password" type="password" value={form.password} onChange={set('password')} autoComplete="new-password" />
        </div>
        <div className="field">
          <label htmlFor="reg-password2">{t('register.confirm')}</label>
          <input id="reg-password2" type="password" value={form.password2} onChange={set('password2')} autoComplete="new-password" />
        </div>
        {needEmail ? (
          <>
            <div className="field">
              <label htmlFor="reg-email">{t('register.email')}</label>
              <div className="row">
                <input id="reg-email" type="email" value={form.email} onChange={set('email')} />
                <button type="button" className="btn" onClick={sendCode}>{t('register.sendCode')}</button>
              </div>
            </div>
            <div className="field">
              <label htmlFor="reg-code">{t('register.code')}</label>
              <input id="reg-code" value={form.verification_code} onChange={set('verification_code')} />
            </div>
          </>
        ) : null}
        <div className="field">
          <label htmlFor="reg-aff">{t('register.aff')}</label>
          <input id="reg-aff" value={form.aff_code} onChange={set('aff_code')} />
        </div>
        {error ? <div className="error-text" role="alert">{error}</div> : null}
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>{t('register.submit')}</button>
        <div className="auth-links"><Link to="/login">{t('register.toLogin')}</Link></div>
      </form>
    </div>
  );
}
