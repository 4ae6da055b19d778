import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { I18nProvider, LanguageSwitcher, translate, useI18n } from '.';
import { en } from './en';
import { zh } from './zh';

function Probe() {
  const { t } = useI18n();
  return <p>{t('nav.dashboard')} {t('common.pageOf', { page: 2, pages: 5, total: 42 })}</p>;
}

describe('i18n', () => {
  it('switches language and remembers the choice', () => {
    render(<I18nProvider initial="en"><LanguageSwitcher /><Probe /></I18nProvider>);
    expect(screen.getByText('Dashboard Page 2 / 5 (42 items)')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Language'), { target: { value: 'zh' } });
    expect(screen.getByText('数据看板 第 2 / 5 页（共 42 条）')).toBeInTheDocument();
    expect(localStorage.getItem('oneapi.lang')).toBe('zh');
  });

  it('has a Chinese text for every English key', () => {
    const missing = Object.keys(en).filter((k) => !(k in zh));
    expect(missing).toEqual([]);
    expect(Object.keys(zh).filter((k) => !(k in en))).toEqual([]);
  });

  it('falls back to English then to the key', () => {
    expect(translate('zh', 'no.such.key')).toBe('no.such.key');
  });
});
