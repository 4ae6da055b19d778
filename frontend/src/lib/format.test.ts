import { describe, expect, it } from 'vitest';
import { fullKey, localInputToUnix, renderQuota, usdToQuota } from './format';

describe('format helpers', () => {
  it('renders quota as USD or raw units', () => {
    expect(renderQuota(500000, { display_in_currency: true, quota_per_unit: 500000 }, 2)).toBe('$1.00');
    expect(renderQuota(1234, { display_in_currency: false })).toBe((1234).toLocaleString());
    expect(usdToQuota(2.5, { quota_per_unit: 500000 })).toBe(1250000);
  });
  it('prefixes keys with sk- once', () => {
    expect(fullKey('abc')).toBe('sk-abc');
    expect(fullKey('sk-abc')).toBe('sk-abc');
  });
  it('maps an empty expiry to -1', () => {
    expect(localInputToUnix('')).toBe(-1);
    expect(localInputToUnix('2030-01-01T00:00')).toBeGreaterThan(1e9);
  });
});
