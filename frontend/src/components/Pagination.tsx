import { useI18n } from '../i18n';

export function Pagination({ page, size, total, onChange }: { page: number; size: number; total: number; onChange: (p: number) => void }) {
  const { t } = useI18n();
  const pages = Math.max(1, Math.ceil(total / size));
  return (
    <div className="pagination">
      <button type="button" className="btn btn-small" disabled={page <= 0} onClick={() => onChange(page - 1)}>
        {t('common.prev')}
      </button>
      <span>{t('common.pageOf', { page: page + 1, pages, total })}</span>
      <button type="button" className="btn btn-small" disabled={page + 1 >= pages} onClick={() => onChange(page + 1)}>
        {t('common.next')}
      </button>
    </div>
  );
}
