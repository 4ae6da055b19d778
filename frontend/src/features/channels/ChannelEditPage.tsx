import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { channelApi } from '../../api/channel';
import { useI18n } from '../../i18n';
import { useToast } from '../../components/Toast';
import { ChannelForm } from './ChannelForm';
import { draftFromChannel, draftToPayload, emptyDraft, validateDraft, type ChannelDraft } from './channelDraft';
import { useChannelTypes } from './useChannelTypes';

export function ChannelEditPage() {
  const { id } = useParams();
  const creating = !id;
  const { t } = useI18n();
  const toast = useToast();
  const nav = useNavigate();
  const { types, byId, error: typesError } = useChannelTypes();
  const [draft, setDraft] = useState<ChannelDraft | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (creating) {
      if (types.length && !draft) {
        const first = types.find((x) => x.id === 1) ?? types[0];
        setDraft(emptyDraft(first.id));
      }
      return;
    }
    if (draft) return;
    channelApi.get(Number(id)).then((c) => setDraft(draftFromChannel(c)), (e: Error) => setError(e.message));
  }, [creating, id, types, draft]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    const type = byId.get(draft.type);
    const bad = validateDraft(draft, type, creating);
    if (bad) {
      setError(t(bad));
      return;
    }
    setBusy(true);
    setError('');
    try {
      const body = draftToPayload(draft, type);
      if (creating) await channelApi.create(body);
      else await channelApi.update(body);
      toast.success(t('common.saved'));
      nav('/channels');
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page">
      <div className="page-head"><h2>{creating ? t('channel.add') : t('channel.edit')}</h2></div>
      {typesError ? <div className="error-text" role="alert">{t('channel.typesFailed')}: {typesError.message}</div> : null}
      {draft ? (
        <form className="card" onSubmit={submit}>
          <ChannelForm draft={draft} onChange={setDraft} types={types} creating={creating} />
          {error ? <div className="error-text" role="alert">{error}</div> : null}
          <div className="row form-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>{t('common.save')}</button>
            <button type="button" className="btn" onClick={() => nav('/channels')}>{t('common.cancel')}</button>
          </div>
        </form>
      ) : error ? <div className="error-text" role="alert">{error}</div> : <div className="muted">{t('common.loading')}</div>}
    </div>
  );
}
