import type { ChannelType, ConfigField } from '../../api/types';
import { useI18n } from '../../i18n';
import { JsonEditor } from '../../components/JsonEditor';
import type { ChannelDraft } from './channelDraft';

function ConfigInput({ f, value, onChange }: { f: ConfigField; value: string; onChange: (v: string) => void }) {
  const id = `cfg-${f.name}`;
  let input;
  if (f.type === 'select') {
    input = (
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">—</option>
        {(f.options ?? []).map((o) => {
          const v = typeof o === 'string' ? o : o.value;
          const l = typeof o === 'string' ? o : o.label;
          return <option key={v} value={v}>{l}</option>;
        })}
      </select>
    );
  } else if (f.type === 'textarea') {
    input = <textarea id={id} rows={4} value={value} onChange={(e) => onChange(e.target.value)} />;
  } else {
    input = (
      <input id={id} type={f.type === 'secret' ? 'password' : 'text'} autoComplete="off" value={value} onChange={(e) => onChange(e.target.value)} />
    );
  }
  return (
    <div className="field" data-testid={`config-field-${f.name}`}>
      <label htmlFor={id}>{f.label}{f.required ? ' *' : ''}</label>
      {input}
      {f.help ? <div className="help">{f.help}</div> : null}
    </div>
  );
}

/** Channel edit form; the type list and the per-type extra fields come from the backend registry. */
export function ChannelForm({ draft, onChange, types, creating }: {
  draft: ChannelDraft; onChange: (d: ChannelDraft) => void; types: ChannelType[]; creating: boolean;
}) {
  const { t } = useI18n();
  const type = types.find((x) => x.id === draft.type);
  const set = <K extends keyof ChannelDraft>(k: K, v: ChannelDraft[K]) => onChange({ ...draft, [k]: v });

  return (
    <div className="form-grid">
      <div className="field">
        <label htmlFor="ch-type">{t('channel.type')}</label>
        <select id="ch-type" value={draft.type} onChange={(e) => onChange({ ...draft, type: Number(e.target.value), config: {} })}>
          {types.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor="ch-name">{t('common.name')}</label>
        <input id="ch-name" value={draft.name} onChange={(e) => set('name', e.target.value)} />
      </div>
      <div className="field span-2">
        <label htmlFor="ch-key">{t('channel.key')}</label>
        <textarea
          id="ch-key"
          rows={3}
          className="mono"
          autoComplete="off"
          placeholder={type?.key_hint || (creating ? t('channel.keyPlaceholder') : t('channel.keyKeep'))}
          value={draft.key}
          onChange={(e) => set('key', e.target.value)}
        />
        <div className="help">{creating ? t('channel.keyBatch') : t('channel.keyKeep')}</div>
      </div>
      <div className="field span-2">
        <label htmlFor="ch-base-url">{t('channel.baseUrl')}</label>
        <input id="ch-base-url" value={draft.base_url} placeholder={type?.default_base_url || ''} onChange={(e) => set('base_url', e.target.value)} />
      </div>
      {(type?.config_fields ?? []).map((f) => (
        <ConfigInput key={f.name} f={f} value={draft.config[f.name] ?? ''} onChange={(v) => onChange({ ...draft, config: { ...draft.config, [f.name]: v } })} />
      ))}
      <div className="field span-2">
        <label htmlFor="ch-models">{t('channel.models')}</label>
        <textarea id="ch-models" rows={3} value={draft.models} onChange={(e) => set('models', e.target.value)} placeholder={(type?.default_models ?? []).slice(0, 3).join(',')} />
        <div className="row">
          <button
            type="button"
            className="btn btn-small"
            disabled={!type?.default_models?.length}
            onClick={() => set('models', (type?.default_models ?? []).join(','))}
          >
            {t('channel.fillModels')}
          </button>
          <button type="button" className="btn btn-small" onClick={() => set('models', '')}>{t('channel.clearModels')}</button>
        </div>
      </div>
      <div className="field">
        <label htmlFor="ch-group">{t('channel.groups')}</label>
        <input id="ch-group" value={draft.group} onChange={(e) => set('group', e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="ch-testing-model">{t('channel.testingModel')}</label>
        <input id="ch-testing-model" value={draft.testing_model} onChange={(e) => set('testing_model', e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="ch-priority">{t('channel.priority')}</label>
        <input id="ch-priority" type="number" value={draft.priority} onChange={(e) => set('priority', Number(e.target.value))} />
      </div>
      <div className="field">
        <label htmlFor="ch-weight">{t('channel.weight')}</label>
        <input id="ch-weight" type="number" min={0} value={draft.weight} onChange={(e) => set('weight', Number(e.target.value))} />
      </div>
      <div className="span-2">
        <JsonEditor id="ch-mapping" kind="mapping" rows={4} label={t('channel.mapping')} value={draft.model_mapping} onChange={(v) => set('model_mapping', v)} />
      </div>
      <div className="field span-2">
        <label htmlFor="ch-system-prompt">{t('channel.systemPrompt')}</label>
        <textarea id="ch-system-prompt" rows={3} value={draft.system_prompt} onChange={(e) => set('system_prompt', e.target.value)} />
      </div>
    </div>
  );
}
