import { describe, expect, it } from 'vitest';
import { validateJson } from './json';

describe('validateJson', () => {
  it('accepts a ratio object of non-negative numbers', () => {
    expect(validateJson('{"gpt-4o": 1.25, "x": 0}', 'ratio')).toBeNull();
  });
  it('rejects syntax errors, arrays, strings and negatives', () => {
    expect(validateJson('{"a": 1,', 'ratio')).toMatch(/^Invalid JSON/);
    expect(validateJson('[1]', 'ratio')).toBe('Must be a JSON object');
    expect(validateJson('{"a": "1"}', 'ratio')).toMatch(/"a"/);
    expect(validateJson('{"a": -1}', 'ratio')).toMatch(/non-negative/);
  });
  it('mapping allows empty text and requires string values', () => {
    expect(validateJson('', 'mapping')).toBeNull();
    expect(validateJson('{"a": "b"}', 'mapping')).toBeNull();
    expect(validateJson('{"a": 1}', 'mapping')).toMatch(/string/);
  });
});
