import { useState, type FormEvent } from 'react';
import { optionApi } from '../../api/option';
import { useAuth } from '../../auth/AuthContext';
import { useI18n } from '../../i18n';
import { useToast } from '../../components/Toast';
import { JsonEditor } from '../../components/JsonEditor';
import { validateJson } from '../../lib/json';
import type { OptionField } from './optionSections';

/** Keys whose value differs from the loaded one; JSON fields must be valid (else the returned error blocks saving). */
export function diffOptions(fields: OptionField[], initial: Record<string, string>, values: Record<string, string>): { changed: [string, string][]; error: string | null } {
  const changed: [string, string][] = [];
  for (const f of fields) {
    const v = values[f.key] ?? '';
    if (f.kind === 'json') {
      const err = validateJson(v, 'ratio');
      if (err) return { changed: [], error: `${f.key}: ${err}` };
    }
    if (f.kind === 'secret' && v === '') continue; // empty secret = keep stored value
    if (v !== (initial[f.key] ?? '')) changed.push([f.key, v]);
  }
  return { changed, error: null };
}

export function OptionsForm({ fields, initial, onSaved }: { fields: OptionField[]; initial: Record<string, string>; onSaved: () => void }) {
  const { t } = useI18n();
  const toast = useToast();
  const { refreshStatus } = useAuth();
  const [values, setValues] = useState<Record<string, string>>(() => ({ ...initial }));
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k: string, v: string) => setValues((o) => ({ ...o, [k]: v }));
  const label = (k: string) => t(`opt.${k}`) === `opt.${k}` ? k : t(`opt.${k}`);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const { changed, error: err } = diffOptions(fields, initial, values);
    if (err) {
      setError(`${t('json.invalid')}: ${err}`);
      return;
    }
    setError('');
    if (changed.length === 0) {
      toast.info(t('settings.nothingChanged'));
      return;
    }
    setBusy(true);
    try {
      for (const [k, v] of changed) await optionApi.update(k, v);
      toast.success(t('common.saved'));
      await refreshStatus();
      onSaved();
    } catch (e2) {
      setError((e2 as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card form-grid" onSubmit={submit}>
      {fields.map((f) => {
        const id = `opt-${f.key}`;
        const v = values[f.key] ?? '';
        if (f.kind === 'bool') {
          return (
            <div className="field" key={f.key}>
              <label className="check">
                <input id={id} type="checkbox" checked={v === 'true'} onChange={(e) => set(f.key, e.target.checked ? 'true' : 'false')} /> {label(f.key)}
              </label>
            </div>
          );
        }
        if (f.kind === 'json') {
          return <div className="span-2" key={f.key}><JsonEditor id={id} label={label(f.key)} value={v} onChange={(nv) => set(f.key, nv)} /></div>;
        }
        if (f.kind === 'textarea') {
          return (
            <div className="field span-2" key={f.key}>
              <label htmlFor={id}>{label(f.key)}</label>
              <textarea id={id} rows={5} value={v} onChange={(e) => set(f.key, e.target.value)} />
            </div>
          );
        }
        return (
          <div className="field" key={f.key}>
            <label htmlFor={id}>{label(f.key)}</label>
            <input
              id={id}
              type={f.kind === 'secret' ? 'password' : f.kind === 'number' ? 'number' : 'text'}
              autoComplete="off"
              placeholder={f.kind === 'secret' ? t('settings.secretKeep') : ''}
              value={v}
              onChange={(e) => set(f.key, e.target.value)}
            />
          </div>
        );
      })}
      {error ? <div className="error-text span-2" role="alert">{error}</div> : null}
      <div className="row form-actions span-2">
        <button type="submit" className="btn btn-primary" disabled={busy}>{t('common.save')}</button>
      </div>
    </form>
  );
}
