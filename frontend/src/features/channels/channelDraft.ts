import type { Channel, ChannelType } from '../../api/types';
import { validateJson } from '../../lib/json';

export interface ChannelDraft {
  id?: number;
  type: number;
  name: string;
  key: string;
  base_url: string;
  models: string;
  group: string;
  model_mapping: string;
  priority: number;
  weight: number;
  testing_model: string;
  system_prompt: string;
  config: Record<string, string>;
}

export function emptyDraft(type = 1): ChannelDraft {
  return {
    type, name: '', key: '', base_url: '', models: '', group: 'default', model_mapping: '',
    priority: 0, weight: 0, testing_model: '', system_prompt: '', config: {},
  };
}

function parseConfig(s: string | undefined): Record<string, string> {
  if (!s) return {};
  try {
    const o = JSON.parse(s) as Record<string, unknown>;
    if (!o || typeof o !== 'object') return {};
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  } catch {
    return {};
  }
}

export function draftFromChannel(c: Channel): ChannelDraft {
  return {
    id: c.id,
    type: c.type,
    name: c.name || '',
    key: '',
    base_url: c.base_url || '',
    models: c.models || '',
    group: c.group || 'default',
    model_mapping: c.model_mapping || '',
    priority: c.priority ?? 0,
    weight: c.weight ?? 0,
    testing_model: c.testing_model || '',
    system_prompt: c.system_prompt || '',
    config: parseConfig(c.config),
  };
}

/** Returns an error message key (+ detail) or null when the draft can be saved. */
export function validateDraft(d: ChannelDraft, type: ChannelType | undefined, creating: boolean): string | null {
  if (!d.name.trim()) return 'channel.err.name';
  if (creating && !d.key.trim()) return 'channel.err.key';
  if (!d.models.trim()) return 'channel.err.models';
  if (validateJson(d.model_mapping, 'mapping')) return 'channel.err.mapping';
  for (const f of type?.config_fields ?? []) {
    if (f.required && !(d.config[f.name] ?? '').trim() && !(f.type === 'secret' && !creating)) return 'channel.err.config';
  }
  return null;
}

/** Body for POST/PUT /api/channel/. Only the config keys the type declares are sent. */
export function draftToPayload(d: ChannelDraft, type: ChannelType | undefined): Partial<Channel> {
  const allowed = new Set((type?.config_fields ?? []).map((f) => f.name));
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.config)) if (allowed.has(k) && v !== '') config[k] = v;
  const body: Partial<Channel> = {
    type: d.type,
    name: d.name.trim(),
    base_url: d.base_url.trim(),
    models: d.models.split(',').map((m) => m.trim()).filter(Boolean).join(','),
    group: d.group.split(',').map((m) => m.trim()).filter(Boolean).join(',') || 'default',
    model_mapping: d.model_mapping.trim(),
    priority: Number(d.priority) || 0,
    weight: Math.max(0, Number(d.weight) || 0),
    testing_model: d.testing_model.trim() || null,
    system_prompt: d.system_prompt,
    config: JSON.stringify(config),
  };
  if (d.id !== undefined) body.id = d.id;
  if (d.key.trim()) body.key = d.key.trim();
  return body;
}
