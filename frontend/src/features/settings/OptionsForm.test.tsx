import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, renderWithProviders } from '../../test/utils';
import { OptionsForm, diffOptions } from './OptionsForm';
import { SECTIONS } from './optionSections';

afterEach(() => vi.unstubAllGlobals());

const initial = { ModelRatio: '{"gpt-4o":1.25}', CompletionRatio: '{"gpt-4o":4}', GroupRatio: '{"default":1}' };

describe('ratio option editors', () => {
  it('invalid JSON blocks saving with a message', async () => {
    const { calls } = mockFetch([
      { path: '/api/status', body: { success: true, data: {} } },
      { method: 'PUT', path: '/api/option/', body: { success: true, message: '' } },
    ]);
    const onSaved = vi.fn();
    renderWithProviders(<OptionsForm fields={SECTIONS.ratios} initial={initial} onSaved={onSaved} />, { auth: true });
    const editor = screen.getByLabelText('Group ratio (JSON)');
    fireEvent.change(editor, { target: { value: '{"default": 1,' } });
    expect(editor).toHaveAttribute('aria-invalid', 'true');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/Invalid: GroupRatio: Invalid JSON/)).toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(0);
    expect(onSaved).not.toHaveBeenCalled();
  });

  it('saves only the changed keys once valid', async () => {
    const { calls } = mockFetch([
      { path: '/api/status', body: { success: true, data: {} } },
      { method: 'PUT', path: '/api/option/', body: { success: true, message: '' } },
    ]);
    const onSaved = vi.fn();
    renderWithProviders(<OptionsForm fields={SECTIONS.ratios} initial={initial} onSaved={onSaved} />, { auth: true });
    fireEvent.change(screen.getByLabelText('Group ratio (JSON)'), { target: { value: '{"default":1,"vip":0.5}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const puts = calls.filter((c) => c.method === 'PUT');
    expect(puts).toEqual([{ method: 'PUT', url: '/api/option/', body: { key: 'GroupRatio', value: '{"default":1,"vip":0.5}' } }]);
  });

  it('diffOptions skips empty secrets and reports ratio errors', () => {
    const fields = [{ key: 'SMTPToken', kind: 'secret' as const }, { key: 'SystemName', kind: 'text' as const }];
    expect(diffOptions(fields, { SystemName: 'A' }, { SMTPToken: '', SystemName: 'B' }).changed).toEqual([['SystemName', 'B']]);
    expect(diffOptions(SECTIONS.ratios, initial, { ...initial, ModelRatio: '{"a":-2}' }).error).toMatch(/ModelRatio/);
  });
});
