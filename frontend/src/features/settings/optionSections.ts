// Root option editors, grouped like one-api's settings tabs. Keys are one-api option names.
export type OptionKind = 'bool' | 'text' | 'number' | 'secret' | 'textarea' | 'json';
export interface OptionField { key: string; kind: OptionKind }

const b = (key: string): OptionField => ({ key, kind: 'bool' });
const s = (key: string): OptionField => ({ key, kind: 'text' });
const n = (key: string): OptionField => ({ key, kind: 'number' });
const x = (key: string): OptionField => ({ key, kind: 'secret' });
const ta = (key: string): OptionField => ({ key, kind: 'textarea' });
const j = (key: string): OptionField => ({ key, kind: 'json' });

export const SECTIONS: Record<string, OptionField[]> = {
  system: [
    s('ServerAddress'),
    b('PasswordLoginEnabled'), b('PasswordRegisterEnabled'), b('RegisterEnabled'), b('EmailVerificationEnabled'),
    b('EmailDomainRestrictionEnabled'), s('EmailDomainWhitelist'),
    s('SMTPServer'), n('SMTPPort'), s('SMTPAccount'), s('SMTPFrom'), x('SMTPToken'),
    b('GitHubOAuthEnabled'), s('GitHubClientId'), x('GitHubClientSecret'),
    b('OidcEnabled'), s('OidcClientId'), x('OidcClientSecret'), s('OidcWellKnown'),
    s('OidcAuthorizationEndpoint'), s('OidcTokenEndpoint'), s('OidcUserinfoEndpoint'),
    b('TurnstileCheckEnabled'), s('TurnstileSiteKey'), x('TurnstileSecretKey'),
  ],
  operation: [
    n('QuotaForNewUser'), n('QuotaForInviter'), n('QuotaForInvitee'), n('QuotaRemindThreshold'), n('PreConsumedQuota'),
    s('TopUpLink'), s('ChatLink'), n('QuotaPerUnit'), n('RetryTimes'), n('ChannelDisableThreshold'),
    b('AutomaticDisableChannelEnabled'), b('AutomaticEnableChannelEnabled'), b('LogConsumeEnabled'),
    b('DisplayInCurrencyEnabled'), b('DisplayTokenStatEnabled'), b('ApproximateTokenEnabled'),
  ],
  ratios: [j('ModelRatio'), j('CompletionRatio'), j('GroupRatio')],
  other: [s('SystemName'), s('Logo'), ta('Notice'), ta('Footer'), ta('HomePageContent'), ta('About')],
};
