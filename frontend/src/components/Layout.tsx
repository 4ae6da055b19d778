import { useState, type ReactNode } from 'react';
import { NavLink, useNavigate } from 'react-router-dom';
import { useAuth, ROLE_ADMIN, ROLE_ROOT } from '../auth/AuthContext';
import { LanguageSwitcher, useI18n } from '../i18n';
import { Markdown } from './Markdown';

interface NavItem { to: string; key: string; level: number; auth: boolean }

const NAV: NavItem[] = [
  { to: '/', key: 'nav.home', level: 0, auth: false },
  { to: '/dashboard', key: 'nav.dashboard', level: 0, auth: true },
  { to: '/channels', key: 'nav.channels', level: ROLE_ADMIN, auth: true },
  { to: '/tokens', key: 'nav.tokens', level: 0, auth: true },
  { to: '/logs', key: 'nav.logs', level: 0, auth: true },
  { to: '/users', key: 'nav.users', level: ROLE_ADMIN, auth: true },
  { to: '/redemptions', key: 'nav.redemptions', level: ROLE_ADMIN, auth: true },
  { to: '/topup', key: 'nav.topup', level: 0, auth: true },
  { to: '/pricing', key: 'nav.pricing', level: 0, auth: false },
  { to: '/settings', key: 'nav.settings', level: 0, auth: true },
  { to: '/about', key: 'nav.about', level: 0, auth: false },
];

export function Layout({ children }: { children: ReactNode }) {
  const { user, status, logout } = useAuth();
  const { t } = useI18n();
  const nav = useNavigate();
  const [open, setOpen] = useState(false);
  const items = NAV.filter((n) => (!n.auth || user) && (user?.role ?? 0) >= n.level);
  const systemName = status?.system_name || 'One API';

  return (
    <div className="app">
      <header className="topbar">
        <button
          type="button"
          className="menu-toggle"
          aria-label={t('nav.menu')}
          aria-expanded={open}
          onClick={() => setOpen((o) => !o)}
        >
          ☰
        </button>
        <NavLink to="/" className="brand">
          {status?.logo ? <img src={status.logo} alt="" className="logo" /> : null}
          <span>{systemName}</span>
        </NavLink>
        <nav className={`nav${open ? ' open' : ''}`} aria-label="main">
          {items.map((n) => (
            <NavLink key={n.to} to={n.to} end={n.to === '/'} onClick={() => setOpen(false)}>
              {t(n.key)}
            </NavLink>
          ))}
        </nav>
        <div className="topbar-right">
          <LanguageSwitcher />
          {user ? (
            <>
              <span className="whoami" title={user.role >= ROLE_ROOT ? 'root' : undefined}>{user.display_name || user.username}</span>
              <button
                type="button"
                className="btn btn-small"
                onClick={() => {
                  // leave the guarded page first so its guard does not redirect with ?next=
                  nav('/login');
                  void logout();
                }}
              >
                {t('nav.logout')}
              </button>
            </>
          ) : (
            <NavLink to="/login" className="btn btn-small btn-primary">{t('nav.login')}</NavLink>
          )}
        </div>
      </header>
      <main className="content">{children}</main>
      <footer className="footer">
        {status?.footer_html ? <Markdown content={status.footer_html} /> : <span>{systemName} {status?.version || ''}</span>}
      </footer>
    </div>
  );
}
