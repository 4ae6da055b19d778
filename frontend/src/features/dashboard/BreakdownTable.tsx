import type { Status } from '../../api/types';
import { useI18n } from '../../i18n';
import { renderQuota } from '../../lib/format';
import type { Breakdown } from './aggregate';

export function BreakdownTable({ title, head, rows, status }: { title: string; head: string; rows: Breakdown[]; status: Status | null }) {
  const { t } = useI18n();
  return (
    <div className="card chart-card">
      <h3>{title}</h3>
      {rows.length === 0 ? <div className="muted">{t('common.noData')}</div> : (
        <div className="table-wrap">
          <table className="table">
            <thead><tr><th>{head}</th><th>{t('dashboard.requests')}</th><th>{t('dashboard.tokens')}</th><th>{t('dashboard.quota')}</th></tr></thead>
            <tbody>
              {rows.slice(0, 20).map((m) => (
                <tr key={m.name}><td>{m.name}</td><td>{m.requests}</td><td>{m.tokens}</td><td>{renderQuota(m.quota, status)}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
