import { useState } from 'react';
import { Link } from 'react-router-dom';
import { tokenApi } from '../../api/token';
import type { Token } from '../../api/types';
import { useAuth } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';
import { useToast } from '../../components/Toast';
import { CopyButton } from '../../components/CopyButton';
import { Pagination } from '../../components/Pagination';
import { formatTime, fullKey, renderQuota } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

const PAGE_SIZE = 20;
export const TOKEN_STATUS: Record<number, string> = { 1: 'status.enabled', 2: 'status.disabled', 3: 'status.expired', 4: 'status.exhausted' };

export function TokensPage() {
  const { t } = useI18n();
  const { status } = useAuth();
  const toast = useToast();
  const [page, setPage] = useState(0);
  const [keyword, setKeyword] = useState('');
  const [query, setQuery] = useState('');
  const list = useAsync(() => (query ? tokenApi.search(query) : tokenApi.list(page, PAGE_SIZE)), [page, query]);
  const rows = list.data?.items ?? [];

  async function run(fn: () => Promise<unknown>, ok: string) {
    try {
      await fn();
      toast.success(ok);
      list.reload();
    } catch (e) {
      toast.error(e as Error);
    }
  }

  const masked = (k: string) => {
    const f = fullKey(k);
    return f.length > 12 ? `${f.slice(0, 7)}…${f.slice(-4)}` : f;
  };

  return (
    <div className="page">
      <div className="page-head">
        <h2>{t('nav.tokens')}</h2>
        <Link to="/tokens/add" className="btn btn-primary">{t('token.add')}</Link>
      </div>
      <form className="row search" onSubmit={(e) => { e.preventDefault(); setPage(0); setQuery(keyword.trim()); }}>
        <input placeholder={t('common.searchName')} value={keyword} onChange={(e) => setKeyword(e.target.value)} aria-label={t('common.search')} />
        <button type="submit" className="btn">{t('common.search')}</button>
      </form>
      {list.error ? <div className="error-text" role="alert">{list.error.message}</div> : null}
      <div className="table-wrap card">
        <table className="table">
          <thead>
            <tr>
              <th>{t('common.name')}</th><th>{t('common.status')}</th><th>{t('token.key')}</th><th>{t('token.used')}</th>
              <th>{t('token.remain')}</th><th>{t('token.createdAt')}</th><th>{t('token.expires')}</th><th>{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((tk: Token) => (
              <tr key={tk.id} data-testid={`token-row-${tk.name}`}>
                <td>{tk.name}</td>
                <td><span className={`badge badge-${tk.status === 1 ? 'ok' : 'off'}`}>{t(TOKEN_STATUS[tk.status] ?? 'status.unknown')}</span></td>
                <td className="mono">{masked(tk.key)}</td>
                <td>{renderQuota(tk.used_quota, status)}</td>
                <td>{tk.unlimited_quota ? t('token.unlimited') : renderQuota(tk.remain_quota, status)}</td>
                <td>{formatTime(tk.created_time)}</td>
                <td>{tk.expired_time === -1 ? t('token.never') : formatTime(tk.expired_time)}</td>
                <td className="actions">
                  <CopyButton text={fullKey(tk.key)} label={t('token.copyKey')} />
                  <button
                    type="button"
                    className="btn btn-small"
                    onClick={() => run(() => tokenApi.setStatus(tk.id, tk.status === 1 ? 2 : 1), t('common.saved'))}
                  >
                    {tk.status === 1 ? t('common.disable') : t('common.enable')}
                  </button>
                  <Link className="btn btn-small" to={`/tokens/edit/${tk.id}`}>{t('common.edit')}</Link>
                  <button
                    type="button"
                    className="btn btn-small btn-danger"
                    onClick={() => {
                      if (window.confirm(t('common.confirmDelete', { name: tk.name }))) void run(() => tokenApi.remove(tk.id), t('common.deleted'));
                    }}
                  >
                    {t('common.delete')}
                  </button>
                </td>
              </tr>
            ))}
            {!list.loading && rows.length === 0 ? <tr><td colSpan={8} className="muted">{t('common.noData')}</td></tr> : null}
          </tbody>
        </table>
      </div>
      {!query ? <Pagination page={page} size={PAGE_SIZE} total={list.data?.total ?? 0} onChange={setPage} /> : null}
    </div>
  );
}
