import { useState } from 'react';
import { Link } from 'react-router-dom';
import { channelApi } from '../../api/channel';
import type { Channel } from '../../api/types';
import { useI18n } from '../../i18n';
import { useToast } from '../../components/Toast';
import { Pagination } from '../../components/Pagination';
import { formatTime } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { useChannelTypes } from './useChannelTypes';

const PAGE_SIZE = 20;
const STATUS_KEYS: Record<number, string> = { 1: 'status.enabled', 2: 'status.manuallyDisabled', 3: 'status.autoDisabled' };

function InlineNumber({ value, label, onSave }: { value: number; label: string; onSave: (v: number) => Promise<void> }) {
  const [v, setV] = useState(String(value));
  return (
    <input
      className="inline-num"
      type="number"
      aria-label={label}
      value={v}
      onChange={(e) => setV(e.target.value)}
      onKeyDown={(e) => { if (e.key === 'Enter') (e.target as HTMLInputElement).blur(); }}
      onBlur={() => {
        if (v === '' || Number(v) === value) return;
        onSave(Number(v)).catch(() => setV(String(value)));
      }}
    />
  );
}

export function ChannelsPage() {
  const { t } = useI18n();
  const toast = useToast();
  const { byId } = useChannelTypes();
  const [page, setPage] = useState(0);
  const [keyword, setKeyword] = useState('');
  const [query, setQuery] = useState('');
  const list = useAsync(() => (query ? channelApi.search(query) : channelApi.list(page, PAGE_SIZE)), [page, query]);
  const rows = list.data?.items ?? [];

  async function run(fn: () => Promise<unknown>, ok?: string) {
    try {
      await fn();
      if (ok) toast.success(ok);
      list.reload();
    } catch (e) {
      toast.error(e as Error);
      throw e;
    }
  }
  const update = (c: Channel, patch: Partial<Channel>) => {
    const { key: _omit, ...rest } = c; // never send back the (blank) key
    void _omit;
    return run(() => channelApi.update({ ...rest, ...patch }), t('common.saved'));
  };

  async function test(c: Channel) {
    try {
      const r = (await channelApi.test(c.id)) as { message?: string; time?: number };
      toast.success(t('channel.testOk', { name: c.name, time: (r.time ?? 0).toFixed(2) }));
    } catch (e) {
      toast.error(`${c.name}: ${(e as Error).message}`);
    }
    list.reload();
  }

  async function balance(c: Channel) {
    try {
      const r = (await channelApi.updateBalance(c.id)) as { balance?: number };
      toast.success(t('channel.balanceOk', { name: c.name, balance: (r.balance ?? 0).toFixed(2) }));
    } catch (e) {
      toast.error(`${c.name}: ${(e as Error).message}`);
    }
    list.reload();
  }

  return (
    <div className="page">
      <div className="page-head">
        <h2>{t('nav.channels')}</h2>
        <div className="row wrap">
          <Link to="/channels/add" className="btn btn-primary">{t('channel.add')}</Link>
          <button type="button" className="btn" onClick={() => run(() => channelApi.testAll(), t('channel.testAllStarted')).catch(() => {})}>{t('channel.testAll')}</button>
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => {
              if (window.confirm(t('channel.confirmDeleteDisabled'))) {
                run(() => channelApi.removeDisabled(), t('channel.deletedDisabled')).catch(() => {});
              }
            }}
          >
            {t('channel.deleteDisabled')}
          </button>
        </div>
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
              <th>ID</th><th>{t('common.name')}</th><th>{t('channel.type')}</th><th>{t('common.status')}</th>
              <th>{t('channel.responseTime')}</th><th>{t('channel.balance')}</th><th>{t('channel.priority')}</th>
              <th>{t('channel.weight')}</th><th>{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => {
              const type = byId.get(c.type);
              return (
                <tr key={c.id} data-testid={`channel-row-${c.id}`}>
                  <td>{c.id}</td>
                  <td>{c.name}<div className="muted small">{c.group}</div></td>
                  <td>{type?.name ?? c.type}</td>
                  <td><span className={`badge badge-${c.status === 1 ? 'ok' : 'off'}`}>{t(STATUS_KEYS[c.status] ?? 'status.unknown')}</span></td>
                  <td title={formatTime(c.test_time)}>{c.test_time ? `${((c.response_time ?? 0) / 1000).toFixed(2)}s` : t('channel.notTested')}</td>
                  <td>
                    {type?.supports_balance ? (
                      <button type="button" className="link-btn" title={t('channel.updateBalance')} onClick={() => balance(c)}>
                        ${(c.balance ?? 0).toFixed(2)}
                      </button>
                    ) : '-'}
                  </td>
                  <td><InlineNumber value={c.priority ?? 0} label={t('channel.priority')} onSave={(v) => update(c, { priority: v })} /></td>
                  <td><InlineNumber value={c.weight ?? 0} label={t('channel.weight')} onSave={(v) => update(c, { weight: Math.max(0, v) })} /></td>
                  <td className="actions">
                    <button type="button" className="btn btn-small" onClick={() => test(c)}>{t('channel.test')}</button>
                    <button type="button" className="btn btn-small" onClick={() => update(c, { status: c.status === 1 ? 2 : 1 }).catch(() => {})}>
                      {c.status === 1 ? t('common.disable') : t('common.enable')}
                    </button>
                    <Link className="btn btn-small" to={`/channels/edit/${c.id}`}>{t('common.edit')}</Link>
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      onClick={() => {
                        if (window.confirm(t('common.confirmDelete', { name: c.name }))) run(() => channelApi.remove(c.id), t('common.deleted')).catch(() => {});
                      }}
                    >
                      {t('common.delete')}
                    </button>
                  </td>
                </tr>
              );
            })}
            {!list.loading && rows.length === 0 ? <tr><td colSpan={9} className="muted">{t('common.noData')}</td></tr> : null}
          </tbody>
        </table>
      </div>
      {!query ? <Pagination page={page} size={PAGE_SIZE} total={list.data?.total ?? 0} onChange={setPage} /> : null}
    </div>
  );
}
