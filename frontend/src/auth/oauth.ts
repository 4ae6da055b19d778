import type { Status } from '../api/types';

export function githubAuthorizeUrl(status: Status, state: string): string {
  const q = new URLSearchParams({ client_id: status.github_client_id || '', state, scope: 'user:email' });
  return `https://github.com/login/oauth/authorize?${q.toString()}`;
}

export function oidcAuthorizeUrl(status: Status, state: string, origin: string): string {
  const base = (status.server_address || origin).replace(/\/$/, '');
  const q = new URLSearchParams({
    client_id: status.oidc_client_id || '',
    redirect_uri: `${base}/oauth/oidc`,
    response_type: 'code',
    scope: 'openid profile email',
    state,
  });
  const ep = status.oidc_authorization_endpoint || '';
  return `${ep}${ep.includes('?') ? '&' : '?'}${q.toString()}`;
}
