import { useMemo } from 'react';
import { NavLink, useParams } from 'react-router-dom';
import { optionApi } from '../../api/option';
import { useAuth } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';
import { useAsync } from '../../lib/useAsync';
import { OptionsForm } from './OptionsForm';
import { PersonalSettings } from './PersonalSettings';
import { SECTIONS } from './optionSections';

const TABS = ['personal', 'system', 'operation', 'ratios', 'other'];

function RootOptions({ tab }: { tab: string }) {
  const { t } = useI18n();
  const opts = useAsync(() => optionApi.list(), []);
  const initial = useMemo(() => Object.fromEntries((opts.data ?? []).map((o) => [o.key, String(o.value ?? '')])), [opts.data]);
  if (opts.error) return <div className="error-text" role="alert">{opts.error.message}</div>;
  if (opts.loading && !opts.data) return <div className="muted">{t('common.loading')}</div>;
  // the form keeps its edited values; `initial` (the diff baseline) follows each reload
  return <OptionsForm key={tab} fields={SECTIONS[tab]} initial={initial} onSaved={opts.reload} />;
}

export function SettingsPage() {
  const { t } = useI18n();
  const { isRoot } = useAuth();
  const { tab = 'personal' } = useParams();
  const tabs = isRoot ? TABS : ['personal'];
  const current = tabs.includes(tab) ? tab : 'personal';
  return (
    <div className="page">
      <div className="page-head"><h2>{t('nav.settings')}</h2></div>
      <div className="tabs" role="tablist">
        {tabs.map((x) => (
          <NavLink key={x} to={`/settings/${x}`} role="tab" className={() => (x === current ? 'tab active' : 'tab')}>
            {t(`settings.tab.${x}`)}
          </NavLink>
        ))}
      </div>
      {current === 'personal' ? <PersonalSettings /> : <RootOptions tab={current} />}
    </div>
  );
}
