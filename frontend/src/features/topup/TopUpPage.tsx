import { useState, type FormEvent } from 'react';
import { selfApi } from '../../api/self';
import { useAuth } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';
import { useToast } from '../../components/Toast';
import { renderQuota } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

export function TopUpPage() {
  const { t } = useI18n();
  const { status } = useAuth();
  const toast = useToast();
  const self = useAsync(() => selfApi.get(), []);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function redeem(e: FormEvent) {
    e.preventDefault();
    setError('');
    if (!code.trim()) return setError(t('topup.codeRequired'));
    setBusy(true);
    try {
      const added = await selfApi.topup(code.trim());
      toast.success(t('topup.success', { amount: renderQuota(added, status) }));
      setCode('');
      self.reload();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page">
      <div className="page-head"><h2>{t('nav.topup')}</h2></div>
      <div className="stats">
        <div className="stat card"><div className="muted">{t('dashboard.balance')}</div><div className="stat-value" data-testid="topup-balance">{renderQuota(self.data?.quota, status)}</div></div>
        <div className="stat card"><div className="muted">{t('dashboard.used')}</div><div className="stat-value">{renderQuota(self.data?.used_quota, status)}</div></div>
      </div>
      <form className="card" onSubmit={redeem}>
        <h3>{t('topup.redeem')}</h3>
        <div className="row">
          <input id="topup-code" aria-label={t('topup.code')} placeholder={t('topup.code')} value={code} onChange={(e) => setCode(e.target.value)} />
          <button type="submit" className="btn btn-primary" disabled={busy}>{t('topup.redeemButton')}</button>
        </div>
        {error ? <div className="error-text" role="alert">{error}</div> : null}
      </form>
      {status?.top_up_link ? (
        <div className="card">
          <h3>{t('topup.buy')}</h3>
          <a className="btn" href={status.top_up_link} target="_blank" rel="noreferrer">{t('topup.buyLink')}</a>
        </div>
      ) : null}
    </div>
  );
}
