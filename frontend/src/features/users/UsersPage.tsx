import { useState } from 'react';
import { Link } from 'react-router-dom';
import { userApi } from '../../api/user';
import type { User } from '../../api/types';
import { useAuth, ROLE_ADMIN, ROLE_ROOT } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';
import { useToast } from '../../components/Toast';
import { Pagination } from '../../components/Pagination';
import { renderQuota } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

const PAGE_SIZE = 20;
export function roleKey(role: number): string {
  if (role >= ROLE_ROOT) return 'role.root';
  if (role >= ROLE_ADMIN) return 'role.admin';
  return 'role.common';
}
const STATUS: Record<number, string> = { 1: 'status.enabled', 2: 'status.banned', 3: 'status.deleted' };

export function UsersPage() {
  const { t } = useI18n();
  const { status, isRoot } = useAuth();
  const toast = useToast();
  const [page, setPage] = useState(0);
  const [keyword, setKeyword] = useState('');
  const [query, setQuery] = useState('');
  const list = useAsync(() => (query ? userApi.search(query) : userApi.list(page, PAGE_SIZE)), [page, query]);
  const rows = list.data?.items ?? [];

  async function manage(u: User, action: 'enable' | 'disable' | 'promote' | 'demote' | 'delete') {
    if (action === 'delete' && !window.confirm(t('common.confirmDelete', { name: u.username }))) return;
    try {
      await userApi.manage(u.username, action);
      toast.success(t('common.saved'));
      list.reload();
    } catch (e) {
      toast.error(e as Error);
    }
  }

  return (
    <div className="page">
      <div className="page-head">
        <h2>{t('nav.users')}</h2>
        <Link to="/users/add" className="btn btn-primary">{t('user.add')}</Link>
      </div>
      <form className="row search" onSubmit={(e) => { e.preventDefault(); setPage(0); setQuery(keyword.trim()); }}>
        <input placeholder={t('user.searchHint')} value={keyword} onChange={(e) => setKeyword(e.target.value)} aria-label={t('common.search')} />
        <button type="submit" className="btn">{t('common.search')}</button>
      </form>
      {list.error ? <div className="error-text" role="alert">{list.error.message}</div> : null}
      <div className="table-wrap card">
        <table className="table">
          <thead>
            <tr>
              <th>ID</th><th>{t('login.username')}</th><th>{t('user.group')}</th><th>{t('user.quota')}</th>
              <th>{t('user.used')}</th><th>{t('user.role')}</th><th>{t('common.status')}</th><th>{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((u) => (
              <tr key={u.id} data-testid={`user-row-${u.username}`}>
                <td>{u.id}</td>
                <td>{u.username}<div className="muted small">{u.display_name} {u.email}</div></td>
                <td>{u.group}</td>
                <td>{renderQuota(u.quota, status)}</td>
                <td>{renderQuota(u.used_quota, status)} / {u.request_count ?? 0}</td>
                <td>{t(roleKey(u.role))}</td>
                <td><span className={`badge badge-${u.status === 1 ? 'ok' : 'off'}`}>{t(STATUS[u.status] ?? 'status.unknown')}</span></td>
                <td className="actions">
                  {u.role < ROLE_ROOT ? (
                    <>
                      <button type="button" className="btn btn-small" onClick={() => manage(u, u.status === 1 ? 'disable' : 'enable')}>
                        {u.status === 1 ? t('user.ban') : t('common.enable')}
                      </button>
                      {isRoot && u.role < ROLE_ADMIN ? <button type="button" className="btn btn-small" onClick={() => manage(u, 'promote')}>{t('user.promote')}</button> : null}
                      {isRoot && u.role >= ROLE_ADMIN ? <button type="button" className="btn btn-small" onClick={() => manage(u, 'demote')}>{t('user.demote')}</button> : null}
                      <Link className="btn btn-small" to={`/users/edit/${u.id}`}>{t('common.edit')}</Link>
                      <button type="button" className="btn btn-small btn-danger" onClick={() => manage(u, 'delete')}>{t('common.delete')}</button>
                    </>
                  ) : <Link className="btn btn-small" to={`/users/edit/${u.id}`}>{t('common.edit')}</Link>}
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
