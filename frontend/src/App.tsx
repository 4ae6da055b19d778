import { lazy, Suspense, type ReactElement } from 'react';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { AuthProvider, ROLE_ADMIN } from './auth/AuthContext';
import { RequireAuth } from './auth/guards';
import { I18nProvider } from './i18n';
import { Layout } from './components/Layout';
import { ToastProvider } from './components/Toast';
import { LoginPage } from './features/auth/LoginPage';
import { RegisterPage } from './features/auth/RegisterPage';
import { ResetConfirmPage, ResetRequestPage } from './features/auth/ResetPages';
import { OAuthCallbackPage } from './features/auth/OAuthCallbackPage';
import { ChannelsPage } from './features/channels/ChannelsPage';
import { ChannelEditPage } from './features/channels/ChannelEditPage';
import { TokensPage } from './features/tokens/TokensPage';
import { TokenEditPage } from './features/tokens/TokenEditPage';
import { LogsPage } from './features/logs/LogsPage';
import { UsersPage } from './features/users/UsersPage';
import { UserEditPage } from './features/users/UserEditPage';
import { RedemptionsPage } from './features/redemptions/RedemptionsPage';
import { TopUpPage } from './features/topup/TopUpPage';
import { SettingsPage } from './features/settings/SettingsPage';
import { AboutPage, HomePage, NotFoundPage, PricingPage } from './features/content/ContentPages';

// The dashboard pulls in the chart library: load it on demand to keep the first page light.
const DashboardPage = lazy(() => import('./features/dashboard/DashboardPage').then((m) => ({ default: m.DashboardPage })));

const user = (el: ReactElement) => <RequireAuth>{el}</RequireAuth>;
const admin = (el: ReactElement) => <RequireAuth level={ROLE_ADMIN}>{el}</RequireAuth>;

export function AppRoutes() {
  return (
    <Layout>
      <Suspense fallback={<div className="muted">…</div>}>
      <Routes>
        <Route path="/" element={<HomePage />} />
        <Route path="/login" element={<LoginPage />} />
        <Route path="/register" element={<RegisterPage />} />
        <Route path="/reset" element={<ResetRequestPage />} />
        <Route path="/user/reset" element={<ResetConfirmPage />} />
        <Route path="/oauth/github" element={<OAuthCallbackPage provider="github" />} />
        <Route path="/oauth/oidc" element={<OAuthCallbackPage provider="oidc" />} />
        <Route path="/about" element={<AboutPage />} />
        <Route path="/pricing" element={<PricingPage />} />
        <Route path="/dashboard" element={user(<DashboardPage />)} />
        <Route path="/tokens" element={user(<TokensPage />)} />
        <Route path="/tokens/add" element={user(<TokenEditPage />)} />
        <Route path="/tokens/edit/:id" element={user(<TokenEditPage />)} />
        <Route path="/logs" element={user(<LogsPage />)} />
        <Route path="/topup" element={user(<TopUpPage />)} />
        <Route path="/settings" element={user(<SettingsPage />)} />
        <Route path="/settings/:tab" element={user(<SettingsPage />)} />
        <Route path="/channels" element={admin(<ChannelsPage />)} />
        <Route path="/channels/add" element={admin(<ChannelEditPage />)} />
        <Route path="/channels/edit/:id" element={admin(<ChannelEditPage />)} />
        <Route path="/users" element={admin(<UsersPage />)} />
        <Route path="/users/add" element={admin(<UserEditPage />)} />
        <Route path="/users/edit/:id" element={admin(<UserEditPage />)} />
        <Route path="/redemptions" element={admin(<RedemptionsPage />)} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
      </Suspense>
    </Layout>
  );
}

export function App() {
  return (
    <I18nProvider>
      <ToastProvider>
        <BrowserRouter>
          <AuthProvider>
            <AppRoutes />
          </AuthProvider>
        </BrowserRouter>
      </ToastProvider>
    </I18nProvider>
  );
}
