import { useState, type FormEvent } from 'react';
import { redemptionApi } from '../../api/redemption';
import { useAuth } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';
import { useToast } from '../../components/Toast';
import { CopyButton } from '../../components/CopyButton';
import { Modal } from '../../components/Modal';
import { Pagination } from '../../components/Pagination';
import { formatTime, renderQuota, usdToQuota } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

const PAGE_SIZE = 20;
const STATUS: Record<number, string> = { 1: 'status.unused', 2: 'status.disabled', 3: 'status.used' };

export function RedemptionsPage() {
  const { t } = useI18n();
  const { status } = useAuth();
  const toast = useToast();
  const currency = status?.display_in_currency ?? true;
  const [page, setPage] = useState(0);
  const list = useAsync(() => redemptionApi.list(page, PAGE_SIZE), [page]);
  const [form, setForm] = useState({ name: '', amount: '', count: '1' });
  const [created, setCreated] = useState<string[] | null>(null);
  const [error, setError] = useState('');
  const rows = list.data?.items ?? [];

  async function create(e: FormEvent) {
    e.preventDefault();
    setError('');
    const count = Number(form.count);
    const amount = Number(form.amount);
    if (!form.name.trim() || form.name.length > 20) return setError(t('redemption.err.name'));
    if (!Number.isInteger(count) || count < 1 || count > 100) return setError(t('redemption.err.count'));
    if (!Number.isFinite(amount) || amount <= 0) return setError(t('token.err.quota'));
    try {
      const keys = await redemptionApi.create(form.name.trim(), currency ? usdToQuota(amount, status) : Math.round(amount), count);
      setCreated(keys ?? []);
      list.reload();
    } catch (err) {
      setError((err as Error).message);
    }
  }

  async function run(fn: () => Promise<unknown>) {
    try {
      await fn();
      toast.success(t('common.saved'));
      list.reload();
    } catch (e) {
      toast.error(e as Error);
    }
  }

  return (
    <div className="page">
      <div className="page-head"><h2>{t('nav.redemptions')}</h2></div>
      <form className="card filters" onSubmit={create} noValidate>
        <label>{t('common.name')}<input id="rd-name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
        <label>{currency ? t('token.quotaUsd') : t('token.quota')}<input id="rd-quota" type="number" min={0} step="any" value={form.amount} onChange={(e) => setForm({ ...form, amount: e.target.value })} /></label>
        <label>{t('redemption.count')}<input id="rd-count" type="number" min={1} max={100} value={form.count} onChange={(e) => setForm({ ...form, count: e.target.value })} /></label>
        <div className="row"><button type="submit" className="btn btn-primary">{t('redemption.create')}</button></div>
        {error ? <div className="error-text" role="alert">{error}</div> : null}
      </form>
      {list.error ? <div className="error-text" role="alert">{list.error.message}</div> : null}
      <div className="table-wrap card">
        <table className="table">
          <thead>
            <tr><th>ID</th><th>{t('common.name')}</th><th>{t('common.status')}</th><th>{t('user.quota')}</th><th>{t('token.createdAt')}</th><th>{t('redemption.redeemedAt')}</th><th>{t('common.actions')}</th></tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td>{r.id}</td>
                <td>{r.name}</td>
                <td><span className={`badge badge-${r.status === 1 ? 'ok' : 'off'}`}>{t(STATUS[r.status] ?? 'status.unknown')}</span></td>
                <td>{renderQuota(r.quota, status)}</td>
                <td>{formatTime(r.created_time)}</td>
                <td>{formatTime(r.redeemed_time)}</td>
                <td className="actions">
                  <CopyButton text={r.key} />
                  {r.status !== 3 ? (
                    <button type="button" className="btn btn-small" onClick={() => run(() => redemptionApi.setStatus(r.id, r.status === 1 ? 2 : 1))}>
                      {r.status === 1 ? t('common.disable') : t('common.enable')}
                    </button>
                  ) : null}
                  <button
                    type="button"
                    className="btn btn-small btn-danger"
                    onClick={() => { if (window.confirm(t('common.confirmDelete', { name: r.name }))) void run(() => redemptionApi.remove(r.id)); }}
                  >
                    {t('common.delete')}
                  </button>
                </td>
              </tr>
            ))}
            {!list.loading && rows.length === 0 ? <tr><td colSpan={7} className="muted">{t('common.noData')}</td></tr> : null}
          </tbody>
        </table>
      </div>
      <Pagination page={page} size={PAGE_SIZE} total={list.data?.total ?? 0} onChange={setPage} />
      {created ? (
        <Modal title={t('redemption.created', { n: created.length })} onClose={() => setCreated(null)}>
          <textarea className="mono" readOnly rows={Math.min(10, created.length + 1)} value={created.join('\n')} data-testid="redemption-keys" />
          <div className="row"><CopyButton text={created.join('\n')} label={t('redemption.copyAll')} className="btn btn-primary" /></div>
        </Modal>
      ) : null}
    </div>
  );
}
