import { useI18n } from '../i18n';

/** A page whose record is still loading (or failed to load): its title, then "Loading…" or the error. */
export function LoadingPage({ title, error }: { title: string; error?: string }) {
  const { t } = useI18n();
  return (
    <div className="page">
      <div className="page-head"><h2>{title}</h2></div>
      {error ? <div className="error-text" role="alert">{error}</div> : <div className="card muted">{t('common.loading')}</div>}
    </div>
  );
}
