export interface Status {
  version?: string;
  system_name?: string;
  logo?: string;
  footer_html?: string;
  email_verification?: boolean;
  github_oauth?: boolean;
  github_client_id?: string;
  oidc?: boolean;
  oidc_client_id?: string;
  oidc_authorization_endpoint?: string;
  server_address?: string;
  turnstile_check?: boolean;
  top_up_link?: string;
  chat_link?: string;
  quota_per_unit?: number;
  display_in_currency?: boolean;
  password_login?: boolean;
  password_register?: boolean;
  register_enabled?: boolean;
}

export interface User {
  id: number;
  username: string;
  display_name?: string;
  role: number;
  status: number;
  email?: string;
  quota?: number;
  used_quota?: number;
  request_count?: number;
  group?: string;
  aff_code?: string;
  github_id?: string;
  oidc_id?: string;
}

export interface Token {
  id: number;
  user_id?: number;
  key: string;
  name: string;
  status: number;
  created_time?: number;
  accessed_time?: number;
  expired_time: number;
  remain_quota: number;
  unlimited_quota: boolean;
  used_quota?: number;
  models?: string | null;
  subnet?: string | null;
}

export interface Channel {
  id: number;
  type: number;
  key?: string;
  status: number;
  name: string;
  weight?: number;
  created_time?: number;
  test_time?: number;
  response_time?: number;
  base_url?: string | null;
  other?: string;
  balance?: number;
  balance_updated_time?: number;
  models: string;
  group: string;
  used_quota?: number;
  model_mapping?: string | null;
  priority?: number;
  config?: string;
  system_prompt?: string | null;
  testing_model?: string | null;
}

export interface ConfigField {
  name: string;
  label: string;
  type: 'string' | 'select' | 'secret' | 'textarea';
  options?: (string | { value: string; label: string })[];
  required?: boolean;
  help?: string;
}

export interface ChannelType {
  id: number;
  name: string;
  slug?: string;
  default_base_url?: string;
  family?: string;
  native_format?: string;
  config_fields?: ConfigField[];
  default_models?: string[];
  supports_balance?: boolean;
  key_hint?: string;
}

export interface LogRow {
  id: number;
  user_id?: number;
  created_at: number;
  type: number;
  content?: string;
  username?: string;
  token_name?: string;
  model_name?: string;
  quota?: number;
  prompt_tokens?: number;
  completion_tokens?: number;
  channel?: number;
  channel_id?: number;
  request_id?: string;
  elapsed_time?: number;
  is_stream?: boolean;
}

export interface Redemption {
  id: number;
  name: string;
  key: string;
  status: number;
  quota: number;
  created_time?: number;
  redeemed_time?: number;
}

export interface DashboardRow {
  Day: string;
  ModelName: string;
  RequestCount: number;
  Quota: number;
  PromptTokens: number;
  CompletionTokens: number;
}

export interface PriceRow {
  model: string;
  model_ratio: number;
  completion_ratio: number;
  cached_input_ratio?: number | null;
  input_usd_per_1m: number;
  output_usd_per_1m: number;
}

export interface OptionRow {
  key: string;
  value: string;
}
