import { useState, type FormEvent } from 'react';
import { selfApi } from '../../api/self';
import { useAuth } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';
import { useToast } from '../../components/Toast';
import { CopyButton } from '../../components/CopyButton';

export function PersonalSettings() {
  const { t } = useI18n();
  const { user, setUser } = useAuth();
  const toast = useToast();
  const [displayName, setDisplayName] = useState(user?.display_name || '');
  const [password, setPassword] = useState('');
  const [accessToken, setAccessToken] = useState('');
  const [aff, setAff] = useState('');

  async function save(e: FormEvent) {
    e.preventDefault();
    if (password && (password.length < 8 || password.length > 20)) {
      toast.error(t('register.passwordRule'));
      return;
    }
    try {
      await selfApi.update({ display_name: displayName, ...(password ? { password } : {}) });
      if (user) setUser({ ...user, display_name: displayName });
      setPassword('');
      toast.success(t('common.saved'));
    } catch (err) {
      toast.error(err as Error);
    }
  }

  async function generate() {
    try {
      setAccessToken(await selfApi.accessToken());
    } catch (err) {
      toast.error(err as Error);
    }
  }

  async function loadAff() {
    try {
      const code = await selfApi.aff();
      setAff(`${window.location.origin}/register?aff=${code}`);
    } catch (err) {
      toast.error(err as Error);
    }
  }

  return (
    <div className="stack">
      <form className="card form-grid" onSubmit={save}>
        <div className="field"><label htmlFor="me-display">{t('user.displayName')}</label><input id="me-display" value={displayName} onChange={(e) => setDisplayName(e.target.value)} /></div>
        <div className="field"><label htmlFor="me-password">{t('reset.newPassword')}</label><input id="me-password" type="password" autoComplete="new-password" placeholder={t('user.passwordKeep')} value={password} onChange={(e) => setPassword(e.target.value)} /></div>
        <div className="row form-actions span-2"><button type="submit" className="btn btn-primary">{t('common.save')}</button></div>
      </form>
      <div className="card">
        <h3>{t('settings.accessToken')}</h3>
        <p className="help">{t('settings.accessTokenHelp')}</p>
        <div className="row wrap">
          <button type="button" className="btn" onClick={generate}>{t('settings.generate')}</button>
          {accessToken ? <><code className="mono">{accessToken}</code><CopyButton text={accessToken} /></> : null}
        </div>
      </div>
      <div className="card">
        <h3>{t('settings.invite')}</h3>
        <div className="row wrap">
          <button type="button" className="btn" onClick={loadAff}>{t('settings.inviteShow')}</button>
          {aff ? <><code className="mono">{aff}</code><CopyButton text={aff} /></> : null}
        </div>
      </div>
    </div>
  );
}
