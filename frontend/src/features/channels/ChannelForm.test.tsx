import { useState } from 'react';
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ChannelType } from '../../api/types';
import { renderWithProviders } from '../../test/utils';
import { ChannelForm } from './ChannelForm';
import { draftToPayload, emptyDraft, validateDraft, type ChannelDraft } from './channelDraft';

const TYPES: ChannelType[] = [
  { id: 1, name: 'OpenAI', default_base_url: 'https://api.openai.com', config_fields: [], default_models: ['gpt-4o-mini', 'gpt-4o'], supports_balance: true },
  {
    id: 3, name: 'Azure OpenAI', default_base_url: '', key_hint: 'Azure API key', default_models: [],
    config_fields: [
      { name: 'api_version', label: 'API version', type: 'string', required: true, help: 'e.g. 2024-03-01-preview' },
      { name: 'region', label: 'Region', type: 'select', options: ['eastus', 'westeurope'], required: false },
    ],
  },
  { id: 33, name: 'AWS Claude', config_fields: [{ name: 'sk', label: 'Secret key', type: 'secret', required: true }] },
];

let latest: ChannelDraft = emptyDraft(1);
function Harness() {
  const [d, setD] = useState<ChannelDraft>(emptyDraft(1));
  latest = d;
  return <ChannelForm draft={d} onChange={setD} types={TYPES} creating />;
}

describe('ChannelForm', () => {
  it('lists the types from metadata and shows the per-type fields', () => {
    renderWithProviders(<Harness />);
    const select = screen.getByLabelText('Type') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(['OpenAI', 'Azure OpenAI', 'AWS Claude']);
    expect(screen.getByLabelText('Base URL')).toHaveAttribute('placeholder', 'https://api.openai.com');
    expect(screen.queryByTestId('config-field-api_version')).toBeNull();

    fireEvent.change(select, { target: { value: '3' } });
    expect(screen.getByLabelText('API version *')).toBeInTheDocument();
    expect(screen.getByText('e.g. 2024-03-01-preview')).toBeInTheDocument();
    const region = screen.getByLabelText('Region') as HTMLSelectElement;
    expect([...region.options].map((o) => o.value)).toEqual(['', 'eastus', 'westeurope']);
    expect(screen.getByLabelText('Key')).toHaveAttribute('placeholder', 'Azure API key');

    fireEvent.change(select, { target: { value: '33' } });
    expect(screen.queryByTestId('config-field-api_version')).toBeNull();
    expect(screen.getByLabelText('Secret key *')).toHaveAttribute('type', 'password');
  });

  it('fills default models of the selected type', () => {
    renderWithProviders(<Harness />);
    fireEvent.click(screen.getByRole('button', { name: 'Fill default models' }));
    expect((screen.getByLabelText('Models (comma separated)') as HTMLTextAreaElement).value).toBe('gpt-4o-mini,gpt-4o');
  });

  it('validates required config fields and sends only declared config keys', () => {
    renderWithProviders(<Harness />);
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: '3' } });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'az' } });
    fireEvent.change(screen.getByLabelText('Key'), { target: { value: 'k1' } });
    fireEvent.change(screen.getByLabelText('Models (comma separated)'), { target: { value: 'gpt-4o, ,gpt-4' } });
    expect(validateDraft(latest, TYPES[1], true)).toBe('channel.err.config');
    fireEvent.change(screen.getByLabelText('API version *'), { target: { value: '2024-03-01-preview' } });
    expect(validateDraft(latest, TYPES[1], true)).toBeNull();
    const body = draftToPayload({ ...latest, config: { ...latest.config, stray: 'x' } }, TYPES[1]);
    expect(body).toMatchObject({ type: 3, name: 'az', key: 'k1', models: 'gpt-4o,gpt-4', group: 'default' });
    expect(JSON.parse(body.config as string)).toEqual({ api_version: '2024-03-01-preview' });
  });

  it('rejects an invalid model mapping', () => {
    const d = { ...emptyDraft(1), name: 'a', key: 'k', models: 'm', model_mapping: '{"a": 1}' };
    expect(validateDraft(d, TYPES[0], true)).toBe('channel.err.mapping');
    expect(validateDraft({ ...d, key: '' }, TYPES[0], false)).toBe('channel.err.mapping');
    expect(validateDraft({ ...d, model_mapping: '' , key: ''}, TYPES[0], false)).toBeNull();
  });
});
