import { useState, type FormEvent } from 'react';
import { logApi, type LogFilter } from '../../api/log';
import { useAuth } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';
import { CopyButton } from '../../components/CopyButton';
import { Pagination } from '../../components/Pagination';
import { DeleteLogsBefore } from './DeleteLogsBefore';
import { formatTime, localInputToUnix, renderQuota } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

const PAGE_SIZE = 20;
export const LOG_TYPES: Record<number, string> = {
  1: 'log.type.topup', 2: 'log.type.consume', 3: 'log.type.manage', 4: 'log.type.system', 5: 'log.type.test',
};

interface FilterForm { type: string; model_name: string; token_name: string; username: string; channel: string; start: string; end: string }
const EMPTY: FilterForm = { type: '0', model_name: '', token_name: '', username: '', channel: '', start: '', end: '' };

export function toLogFilter(f: FilterForm, admin: boolean): LogFilter {
  const out: LogFilter = {
    type: f.type === '0' ? undefined : Number(f.type),
    model_name: f.model_name.trim() || undefined,
    token_name: f.token_name.trim() || undefined,
  };
  if (admin) {
    out.username = f.username.trim() || undefined;
    out.channel = f.channel.trim() || undefined;
  }
  const s = localInputToUnix(f.start);
  const e = localInputToUnix(f.end);
  if (s !== -1) out.start_timestamp = s;
  if (e !== -1) out.end_timestamp = e;
  return out;
}

export function LogsPage() {
  const { t } = useI18n();
  const { isAdmin, status } = useAuth();
  const [page, setPage] = useState(0);
  const [form, setForm] = useState<FilterForm>(EMPTY);
  const [filter, setFilter] = useState<LogFilter>({});
  const list = useAsync(() => logApi.list(isAdmin, page, PAGE_SIZE, filter), [isAdmin, page, filter]);
  const stat = useAsync(() => logApi.stat(isAdmin, filter), [isAdmin, filter]);
  const rows = list.data?.items ?? [];
  const set = (k: keyof FilterForm) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  function apply(e: FormEvent) {
    e.preventDefault();
    setPage(0);
    setFilter(toLogFilter(form, isAdmin));
  }

  return (
    <div className="page">
      <div className="page-head">
        <h2>{t('nav.logs')}</h2>
        <div className="stat-inline" data-testid="log-stat">
          {t('log.totalQuota')}: <strong title={stat.data ? String(stat.data.quota) : undefined}>{stat.data ? renderQuota(stat.data.quota, status, 6) : '-'}</strong>
        </div>
      </div>
      <form className="card filters" onSubmit={apply}>
        <label>{t('log.type')}
          <select value={form.type} onChange={set('type')} aria-label={t('log.type')}>
            <option value="0">{t('log.type.all')}</option>
            {Object.entries(LOG_TYPES).map(([k, v]) => <option key={k} value={k}>{t(v)}</option>)}
          </select>
        </label>
        <label>{t('common.model')}<input aria-label={t('common.model')} value={form.model_name} onChange={set('model_name')} /></label>
        <label>{t('log.token')}<input value={form.token_name} onChange={set('token_name')} /></label>
        {isAdmin ? <label>{t('log.user')}<input value={form.username} onChange={set('username')} /></label> : null}
        {isAdmin ? <label>{t('log.channel')}<input value={form.channel} onChange={set('channel')} inputMode="numeric" /></label> : null}
        <label>{t('log.start')}<input type="datetime-local" value={form.start} onChange={set('start')} /></label>
        <label>{t('log.end')}<input type="datetime-local" value={form.end} onChange={set('end')} /></label>
        <div className="row">
          <button type="submit" className="btn btn-primary">{t('log.apply')}</button>
          <button type="button" className="btn" onClick={() => { setForm(EMPTY); setPage(0); setFilter({}); }}>{t('log.reset')}</button>
        </div>
      </form>
      {list.error ? <div className="error-text" role="alert">{list.error.message}</div> : null}
      <div className="table-wrap card">
        <table className="table">
          <thead>
            <tr>
              <th>{t('log.time')}</th>
              {isAdmin ? <th>{t('log.channel')}</th> : null}
              {isAdmin ? <th>{t('log.user')}</th> : null}
              <th>{t('log.token')}</th><th>{t('log.type')}</th><th>{t('common.model')}</th>
              <th>{t('log.prompt')}</th><th>{t('log.completion')}</th><th>{t('log.quota')}</th>
              <th>{t('log.requestId')}</th><th>{t('log.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-testid="log-row">
                <td className="nowrap">{formatTime(r.created_at)}</td>
                {isAdmin ? <td>{r.channel ?? r.channel_id ?? '-'}</td> : null}
                {isAdmin ? <td>{r.username}</td> : null}
                <td>{r.token_name}</td>
                <td>{t(LOG_TYPES[r.type] ?? 'log.type.unknown')}</td>
                <td>{r.model_name}</td>
                <td>{r.prompt_tokens ?? 0}</td>
                <td>{r.completion_tokens ?? 0}</td>
                <td data-testid="log-quota">{renderQuota(r.quota, status, 6)}</td>
                <td className="mono small">
                  {r.request_id ? <>{r.request_id} <CopyButton text={r.request_id} /></> : '-'}
                </td>
                <td className="small">{r.content}{r.elapsed_time ? ` (${r.elapsed_time} ms)` : ''}</td>
              </tr>
            ))}
            {!list.loading && rows.length === 0 ? <tr><td colSpan={11} className="muted">{t('common.noData')}</td></tr> : null}
          </tbody>
        </table>
      </div>
      <Pagination page={page} size={PAGE_SIZE} total={list.data?.total ?? 0} onChange={setPage} />
      {isAdmin ? <DeleteLogsBefore onDone={() => { list.reload(); stat.reload(); }} /> : null}
    </div>
  );
}
