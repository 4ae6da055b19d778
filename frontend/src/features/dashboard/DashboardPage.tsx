import { useMemo, useState } from 'react';
import {
  Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis,
} from 'recharts';
import { selfApi } from '../../api/self';
import { useAuth } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';
import { quotaValue, renderQuota } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';
import { breakdown, byDay, byModel, dashboardRows, daysBetween, isoDay, stackedByModel } from './aggregate';
import { BreakdownTable } from './BreakdownTable';

const COLORS = ['#2563eb', '#16a34a', '#ea580c', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#4f46e5'];

export function DashboardPage() {
  const { t } = useI18n();
  const { status } = useAuth();
  const [from, setFrom] = useState(() => isoDay(new Date(Date.now() - 6 * 86400000)));
  const [to, setTo] = useState(() => isoDay(new Date()));
  const self = useAsync(() => selfApi.get(), []);
  const dash = useAsync(() => selfApi.dashboard({ from_date: from, to_date: to }), [from, to]);

  const rows = useMemo(() => dashboardRows(dash.data), [dash.data]);
  const days = useMemo(() => daysBetween(from, to), [from, to]);
  const daily = useMemo(() => byDay(rows, days), [rows, days]);
  const models = useMemo(() => byModel(rows).map((m) => ({ ...m, name: m.model })), [rows]);
  const users = useMemo(() => breakdown(dash.data, 'user_logs', 'Username'), [dash.data]);
  const tokens = useMemo(() => breakdown(dash.data, 'token_logs', 'TokenName'), [dash.data]);
  const stacked = useMemo(() => stackedByModel(rows, days), [rows, days]);
  const totals = daily.reduce((a, d) => ({ r: a.r + d.requests, q: a.q + d.quota, k: a.k + d.tokens }), { r: 0, q: 0, k: 0 });
  const u = self.data;

  return (
    <div className="page">
      <div className="page-head">
        <h2>{t('nav.dashboard')}</h2>
        <div className="row">
          <label>{t('dashboard.from')} <input type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} /></label>
          <label>{t('dashboard.to')} <input type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} /></label>
        </div>
      </div>
      <div className="stats">
        <div className="stat card"><div className="muted">{t('dashboard.balance')}</div><div className="stat-value" data-testid="balance">{renderQuota(u?.quota, status)}</div></div>
        <div className="stat card"><div className="muted">{t('dashboard.used')}</div><div className="stat-value">{renderQuota(u?.used_quota, status)}</div></div>
        <div className="stat card"><div className="muted">{t('dashboard.requestCount')}</div><div className="stat-value">{u?.request_count ?? 0}</div></div>
        <div className="stat card"><div className="muted">{t('dashboard.periodRequests')}</div><div className="stat-value">{totals.r}</div></div>
        <div className="stat card"><div className="muted">{t('dashboard.periodQuota')}</div><div className="stat-value">{renderQuota(totals.q, status)}</div></div>
        <div className="stat card"><div className="muted">{t('dashboard.periodTokens')}</div><div className="stat-value">{totals.k}</div></div>
      </div>
      {dash.error ? <div className="error-text" role="alert">{dash.error.message}</div> : null}
      <div className="charts">
        <div className="card chart-card">
          <h3>{t('dashboard.perDay')}</h3>
          <ResponsiveContainer width="100%" height={260}>
            <LineChart data={daily}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="day" fontSize={11} />
              <YAxis yAxisId="l" fontSize={11} />
              <YAxis yAxisId="r" orientation="right" fontSize={11} />
              <Tooltip />
              <Legend />
              <Line yAxisId="l" type="monotone" dataKey="requests" name={t('dashboard.requests')} stroke={COLORS[0]} />
              <Line yAxisId="r" type="monotone" dataKey="tokens" name={t('dashboard.tokens')} stroke={COLORS[1]} />
            </LineChart>
          </ResponsiveContainer>
        </div>
        <div className="card chart-card">
          <h3>{t('dashboard.quotaPerDay')}</h3>
          <ResponsiveContainer width="100%" height={260}>
            <BarChart data={daily.map((d) => ({ ...d, cost: quotaValue(d.quota, status) }))}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="day" fontSize={11} />
              <YAxis fontSize={11} />
              <Tooltip />
              <Bar dataKey="cost" name={t('dashboard.quota')} fill={COLORS[2]} />
            </BarChart>
          </ResponsiveContainer>
        </div>
        <div className="card chart-card">
          <h3>{t('dashboard.requestsPerModelDay')}</h3>
          <ResponsiveContainer width="100%" height={260}>
            <BarChart data={stacked.data}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="day" fontSize={11} />
              <YAxis fontSize={11} />
              <Tooltip />
              <Legend />
              {stacked.models.map((m, i) => <Bar key={m} dataKey={m} stackId="a" fill={COLORS[i % COLORS.length]} />)}
            </BarChart>
          </ResponsiveContainer>
        </div>
        <BreakdownTable title={t('dashboard.perModel')} head={t('common.model')} rows={models} status={status} />
        {users.length ? <BreakdownTable title={t('dashboard.perUser')} head={t('log.user')} rows={users} status={status} /> : null}
        {tokens.length ? <BreakdownTable title={t('dashboard.perToken')} head={t('log.token')} rows={tokens} status={status} /> : null}
      </div>
    </div>
  );
}
