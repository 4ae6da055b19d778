import { useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { channelApi } from '../../api/channel';
import { userApi } from '../../api/user';
import { useAuth } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';
import { LoadingPage } from '../../components/LoadingPage';
import { useToast } from '../../components/Toast';
import { quotaValue, usdToQuota } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { useEditForm } from '../../lib/useEditForm';

interface Form { username: string; display_name: string; password: string; email: string; group: string; quota: string }

export function UserEditPage() {
  const { id } = useParams();
  const creating = !id;
  const { t } = useI18n();
  const { status } = useAuth();
  const toast = useToast();
  const nav = useNavigate();
  const currency = status?.display_in_currency ?? true;
  const groups = useAsync(() => channelApi.groups().catch(() => [] as string[]), []);
  const { form, setForm, loadError } = useEditForm<Form>(
    id,
    { username: '', display_name: '', password: '', email: '', group: 'default', quota: '' },
    (uid) => userApi.get(uid).then((u) => ({
      username: u.username, display_name: u.display_name || '', password: '', email: u.email || '',
      group: u.group || 'default', quota: String(currency ? quotaValue(u.quota ?? 0, status) : u.quota ?? 0),
    })),
    status !== null,
  );
  const [error, setError] = useState('');

  if (!form) return <LoadingPage title={t('user.edit')} error={loadError} />;
  const set = (k: keyof Form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    if (!form.username.trim()) return setError(t('register.usernameRule'));
    if ((creating || form.password) && (form.password.length < 8 || form.password.length > 20)) return setError(t('register.passwordRule'));
    const q = Number(form.quota || 0);
    if (!Number.isFinite(q) || q < 0) return setError(t('token.err.quota'));
    const quota = currency ? usdToQuota(q, status) : Math.round(q);
    try {
      if (creating) {
        await userApi.create({ username: form.username.trim(), password: form.password, display_name: form.display_name || undefined, group: form.group, quota: form.quota ? quota : undefined });
      } else {
        await userApi.update({
          id: Number(id), username: form.username.trim(), display_name: form.display_name, email: form.email,
          group: form.group, quota, ...(form.password ? { password: form.password } : {}),
        });
      }
      toast.success(t('common.saved'));
      nav('/users');
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const groupOptions = [...new Set([...(groups.data ?? []), form.group].filter(Boolean))];
  return (
    <div className="page">
      <div className="page-head"><h2>{creating ? t('user.add') : t('user.edit')}</h2></div>
      <form className="card form-grid" onSubmit={submit}>
        <div className="field"><label htmlFor="u-username">{t('login.username')}</label><input id="u-username" value={form.username} onChange={set('username')} /></div>
        <div className="field"><label htmlFor="u-display">{t('user.displayName')}</label><input id="u-display" value={form.display_name} onChange={set('display_name')} /></div>
        <div className="field">
          <label htmlFor="u-password">{t('login.password')}</label>
          <input id="u-password" type="password" autoComplete="new-password" placeholder={creating ? '' : t('user.passwordKeep')} value={form.password} onChange={set('password')} />
        </div>
        {!creating ? <div className="field"><label htmlFor="u-email">{t('register.email')}</label><input id="u-email" value={form.email} onChange={set('email')} /></div> : null}
        <div className="field">
          <label htmlFor="u-group">{t('user.group')}</label>
          <select id="u-group" value={form.group} onChange={set('group')}>
            {groupOptions.map((g) => <option key={g} value={g}>{g}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="u-quota">{currency ? t('token.quotaUsd') : t('token.quota')}</label>
          <input id="u-quota" type="number" min={0} step="any" value={form.quota} onChange={set('quota')} />
        </div>
        {error ? <div className="error-text span-2" role="alert">{error}</div> : null}
        <div className="row form-actions span-2">
          <button type="submit" className="btn btn-primary">{t('common.save')}</button>
          <button type="button" className="btn" onClick={() => nav('/users')}>{t('common.cancel')}</button>
        </div>
      </form>
    </div>
  );
}
