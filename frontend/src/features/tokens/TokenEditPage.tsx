import { useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { selfApi } from '../../api/self';
import { tokenApi } from '../../api/token';
import { useAuth } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';
import { LoadingPage } from '../../components/LoadingPage';
import { useToast } from '../../components/Toast';
import { CopyButton } from '../../components/CopyButton';
import { Modal } from '../../components/Modal';
import { fullKey, localInputToUnix, quotaValue, unixToLocalInput, usdToQuota } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { useEditForm } from '../../lib/useEditForm';

interface Form { name: string; amount: string; unlimited: boolean; expires: string; models: string[]; subnet: string }

export function TokenEditPage() {
  const { id } = useParams();
  const creating = !id;
  const { t } = useI18n();
  const { status } = useAuth();
  const toast = useToast();
  const nav = useNavigate();
  const currency = status?.display_in_currency ?? true;
  const models = useAsync(() => selfApi.availableModels().catch(() => [] as string[]), []);
  const { form, setForm, loadError } = useEditForm<Form>(
    id,
    { name: '', amount: '', unlimited: true, expires: '', models: [], subnet: '' },
    (tid) => tokenApi.get(tid).then((tk) => ({
      name: tk.name,
      amount: String(currency ? quotaValue(tk.remain_quota, status) : tk.remain_quota),
      unlimited: tk.unlimited_quota,
      expires: unixToLocalInput(tk.expired_time),
      models: (tk.models || '').split(',').map((m) => m.trim()).filter(Boolean),
      subnet: tk.subnet || '',
    })),
    status !== null,
  );
  const [error, setError] = useState('');
  const [createdKey, setCreatedKey] = useState('');

  if (!form) return <LoadingPage title={t('token.edit')} error={loadError} />;
  const setExpiry = (ms: number | null) =>
    setForm({ ...form, expires: ms === null ? '' : unixToLocalInput(Math.floor((Date.now() + ms) / 1000)) });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    if (!form.name.trim() || form.name.length > 30) return setError(t('token.err.name'));
    const amount = Number(form.amount || 0);
    if (!form.unlimited && (!Number.isFinite(amount) || amount < 0)) return setError(t('token.err.quota'));
    const expired_time = localInputToUnix(form.expires);
    if (expired_time !== -1 && expired_time * 1000 < Date.now()) return setError(t('token.err.expiry'));
    const body = {
      name: form.name.trim(),
      remain_quota: form.unlimited ? 0 : currency ? usdToQuota(amount, status) : Math.round(amount),
      unlimited_quota: form.unlimited,
      expired_time,
      models: form.models.join(','),
      subnet: form.subnet.trim(),
    };
    try {
      if (creating) {
        const created = await tokenApi.create(body);
        if (created && created.key) {
          setCreatedKey(fullKey(created.key));
          return;
        }
      } else {
        await tokenApi.update({ ...body, id: Number(id) });
      }
      toast.success(t('common.saved'));
      nav('/tokens');
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const available = [...new Set([...(models.data ?? []), ...form.models])];
  return (
    <div className="page">
      <div className="page-head"><h2>{creating ? t('token.add') : t('token.edit')}</h2></div>
      <form className="card form-grid" onSubmit={submit}>
        <div className="field span-2">
          <label htmlFor="tk-name">{t('common.name')}</label>
          <input id="tk-name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        </div>
        <div className="field">
          <label className="check"><input type="checkbox" checked={form.unlimited} onChange={(e) => setForm({ ...form, unlimited: e.target.checked })} /> {t('token.unlimited')}</label>
          {!form.unlimited ? (
            <>
              <label htmlFor="tk-quota">{currency ? t('token.quotaUsd') : t('token.quota')}</label>
              <input id="tk-quota" type="number" min={0} step="any" value={form.amount} onChange={(e) => setForm({ ...form, amount: e.target.value })} />
            </>
          ) : null}
        </div>
        <div className="field">
          <label htmlFor="tk-expires">{t('token.expires')}</label>
          <input id="tk-expires" type="datetime-local" value={form.expires} onChange={(e) => setForm({ ...form, expires: e.target.value })} />
          <div className="row wrap">
            <button type="button" className="btn btn-small" onClick={() => setExpiry(null)}>{t('token.never')}</button>
            <button type="button" className="btn btn-small" onClick={() => setExpiry(3600e3)}>{t('token.plusHour')}</button>
            <button type="button" className="btn btn-small" onClick={() => setExpiry(86400e3)}>{t('token.plusDay')}</button>
            <button type="button" className="btn btn-small" onClick={() => setExpiry(30 * 86400e3)}>{t('token.plusMonth')}</button>
          </div>
        </div>
        <div className="field span-2">
          <label htmlFor="tk-models">{t('token.models')}</label>
          <select
            id="tk-models"
            multiple
            size={Math.min(8, Math.max(3, available.length))}
            value={form.models}
            onChange={(e) => setForm({ ...form, models: [...e.target.selectedOptions].map((o) => o.value) })}
          >
            {available.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
          <div className="help">{t('token.modelsHelp')}</div>
        </div>
        <div className="field span-2">
          <label htmlFor="tk-subnet">{t('token.subnet')}</label>
          <input id="tk-subnet" placeholder="192.168.0.0/24,10.0.0.1/32" value={form.subnet} onChange={(e) => setForm({ ...form, subnet: e.target.value })} />
        </div>
        {error ? <div className="error-text span-2" role="alert">{error}</div> : null}
        <div className="row form-actions span-2">
          <button type="submit" className="btn btn-primary">{t('common.save')}</button>
          <button type="button" className="btn" onClick={() => nav('/tokens')}>{t('common.cancel')}</button>
        </div>
      </form>
      {createdKey ? (
        <Modal title={t('token.createdTitle')} onClose={() => nav('/tokens')}>
          <p>{t('token.createdHelp')}</p>
          <code className="mono block" data-testid="created-key">{createdKey}</code>
          <div className="row"><CopyButton text={createdKey} label={t('token.copyKey')} className="btn btn-primary" /></div>
        </Modal>
      ) : null}
    </div>
  );
}
