import { validateJson, prettyJson, type JsonKind } from '../lib/json';
import { useI18n } from '../i18n';

/** Textarea for a JSON option; shows the validation error, the parent blocks saving while `validateJson` fails. */
export function JsonEditor({ id, label, value, onChange, kind = 'ratio', rows = 8 }: {
  id: string; label: string; value: string; onChange: (v: string) => void; kind?: JsonKind; rows?: number;
}) {
  const { t } = useI18n();
  const err = validateJson(value, kind);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        className={`mono${err ? ' invalid' : ''}`}
        rows={rows}
        value={value}
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={!!err}
      />
      <div className="field-foot">
        {err ? <span className="error-text" role="alert">{t('json.invalid')}: {err}</span> : <span className="ok-text">{t('json.valid')}</span>}
        <button type="button" className="btn btn-small" disabled={!!err} onClick={() => onChange(prettyJson(value))}>
          {t('json.format')}
        </button>
      </div>
    </div>
  );
}
