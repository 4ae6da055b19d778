import { describe, expect, it } from 'vitest';
import { en } from './en';

// Every literal t('…') key used by the app must exist in the English dictionary
// (and i18n.test.tsx checks that Chinese has every English key).
const sources = import.meta.glob(['../**/*.tsx', '../**/*.ts', '!../**/*.test.*'], { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

describe('translation keys', () => {
  it('are all defined', () => {
    const used = new Set<string>();
    for (const text of Object.values(sources)) {
      for (const m of text.matchAll(/\bt\('([a-zA-Z0-9_.]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/'((?:status|log\.type|role|channel\.err|token\.err|nav)\.[a-zA-Z.]+)'/g)) used.add(m[1]);
    }
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    expect([...used].filter((k) => !(k in en))).toEqual([]);
  });
});
