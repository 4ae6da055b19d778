import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { statusApi } from '../../api/status';
import { useAuth } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';
import { Markdown } from '../../components/Markdown';
import { roundRatio } from '../../lib/format';
import { useAsync } from '../../lib/useAsync';

export function HomePage() {
  const { t } = useI18n();
  const { status, user } = useAuth();
  const content = useAsync(() => statusApi.homePage().catch(() => ''), []);
  const notice = useAsync(() => statusApi.notice().catch(() => ''), []);
  return (
    <div className="page">
      {notice.data ? <div className="card notice"><Markdown content={notice.data} /></div> : null}
      {content.data ? (
        <div className="card"><Markdown content={content.data} /></div>
      ) : content.loading ? null : (
        <div className="card hero">
          <h1>{status?.system_name || 'One API'}</h1>
          <p>{t('home.tagline')}</p>
          <div className="row wrap">
            <Link className="btn btn-primary" to={user ? '/dashboard' : '/login'}>{user ? t('nav.dashboard') : t('nav.login')}</Link>
            <Link className="btn" to="/pricing">{t('nav.pricing')}</Link>
          </div>
          {status?.version ? <p className="muted small">{t('home.version')}: {status.version}</p> : null}
        </div>
      )}
    </div>
  );
}

export function AboutPage() {
  const { t } = useI18n();
  const about = useAsync(() => statusApi.about(), []);
  return (
    <div className="page">
      <div className="page-head"><h2>{t('nav.about')}</h2></div>
      {about.error ? <div className="error-text" role="alert">{about.error.message}</div> : null}
      <div className="card">
        {about.data ? <Markdown content={about.data} /> : about.loading ? t('common.loading') : t('about.empty')}
      </div>
    </div>
  );
}

export function PricingPage() {
  const { t } = useI18n();
  const prices = useAsync(() => statusApi.pricing(), []);
  const [q, setQ] = useState('');
  const rows = useMemo(
    () => (prices.data ?? []).filter((r) => r.model.toLowerCase().includes(q.trim().toLowerCase())).sort((a, b) => a.model.localeCompare(b.model)),
    [prices.data, q],
  );
  const usd = (v: number | null | undefined) => (v === null || v === undefined ? '-' : `$${roundRatio(v)}`);
  return (
    <div className="page">
      <div className="page-head">
        <h2>{t('nav.pricing')}</h2>
        <input placeholder={t('pricing.filter')} aria-label={t('pricing.filter')} value={q} onChange={(e) => setQ(e.target.value)} />
      </div>
      {prices.error ? <div className="error-text" role="alert">{prices.error.message}</div> : null}
      <div className="table-wrap card">
        <table className="table">
          <thead>
            <tr><th>{t('common.model')}</th><th>{t('pricing.input')}</th><th>{t('pricing.output')}</th><th>{t('pricing.modelRatio')}</th><th>{t('pricing.completionRatio')}</th><th>{t('pricing.cachedRatio')}</th></tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.model}>
                <td className="mono">{r.model}</td>
                <td>{usd(r.input_usd_per_1m)}</td>
                <td>{usd(r.output_usd_per_1m)}</td>
                <td>{roundRatio(r.model_ratio)}</td>
                <td>{roundRatio(r.completion_ratio)}</td>
                <td>{roundRatio(r.cached_input_ratio)}</td>
              </tr>
            ))}
            {!prices.loading && rows.length === 0 ? <tr><td colSpan={6} className="muted">{t('common.noData')}</td></tr> : null}
          </tbody>
        </table>
      </div>
      <p className="help">{t('pricing.note')}</p>
    </div>
  );
}

export function NotFoundPage() {
  const { t } = useI18n();
  return <div className="page"><div className="card"><h2>404</h2><p>{t('common.notFound')}</p><Link to="/">{t('nav.home')}</Link></div></div>;
}
