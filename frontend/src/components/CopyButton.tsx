import { copyText } from '../lib/format';
import { useI18n } from '../i18n';
import { useToast } from './Toast';

export function CopyButton({ text, label, className = 'btn btn-small' }: { text: string; label?: string; className?: string }) {
  const { t } = useI18n();
  const toast = useToast();
  return (
    <button
      type="button"
      className={className}
      onClick={async () => {
        if (await copyText(text)) toast.success(t('common.copied'));
        else toast.error(t('common.copyFailed'));
      }}
    >
      {label ?? t('common.copy')}
    </button>
  );
}
