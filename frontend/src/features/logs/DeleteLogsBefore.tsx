import { useState } from 'react';
import { deleteLogsBefore } from '../../api/log';
import { useI18n } from '../../i18n';
import { useToast } from '../../components/Toast';
import { localInputToUnix } from '../../lib/format';

/** Admin tool: remove logs older than a chosen time (DELETE /api/log/?target_timestamp=). */
export function DeleteLogsBefore({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const toast = useToast();
  const [when, setWhen] = useState('');
  async function run() {
    const ts = localInputToUnix(when);
    if (ts === -1) {
      toast.error(t('log.pickTime'));
      return;
    }
    if (!window.confirm(t('log.confirmDelete', { when: when.replace('T', ' ') }))) return;
    try {
      const n = await deleteLogsBefore(ts);
      toast.success(t('log.deleted', { n: Number(n ?? 0) }));
      onDone();
    } catch (e) {
      toast.error(e as Error);
    }
  }
  return (
    <div className="row wrap">
      <label className="small">{t('log.deleteBefore')} <input type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} /></label>
      <button type="button" className="btn btn-small btn-danger" onClick={run}>{t('common.delete')}</button>
    </div>
  );
}
