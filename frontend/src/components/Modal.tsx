import type { ReactNode } from 'react';
import { useI18n } from '../i18n';

export function Modal({ title, children, onClose }: { title: string; children: ReactNode; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal" role="dialog" aria-label={title} onClick={(e) => e.stopPropagation()}>
        <div className="modal-head">
          <h3>{title}</h3>
          <button type="button" className="btn btn-small" onClick={onClose}>{t('common.close')}</button>
        </div>
        <div className="modal-body">{children}</div>
      </div>
    </div>
  );
}
