// The pure parts of versioning: the tag rule and the settings flattened and diffed for compare.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/domain-error.ts';
import { flattenSettings, settingDifferences, validateTag } from './versioning.service.ts';

describe('validateTag', () => {
  it('takes 1 to 40 characters of a-z, 0-9, ".", "_", "-"', () => {
    for (const tag of ['production', 'staging', 'v1.2-rc_3', 'a', 'x'.repeat(40)]) expect(validateTag(tag)).toBe(tag);
  });

  it('refuses anything else, naming the field, the rule and the value', () => {
    for (const tag of ['', 'Production', ' production', 'has space', 'x'.repeat(41), 'ünï', 'a/b', 'a:b']) {
      let error: unknown;
      try {
        validateTag(tag);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fieldErrors).toEqual([{ field: 'tag', message: `must be 1 to 40 characters of a-z, 0-9, ".", "_" and "-" (got ${JSON.stringify(tag)})` }]);
    }
  });
});

describe('settings compared', () => {
  it('flattens nested settings to dotted keys; arrays are values; null and undefined are absent', () => {
    const flat = flattenSettings({ learningRate: 0.001, lora: { rank: 8, targets: ['attn', 'mlp'], alpha: null }, precision: 'bf16', bias: false, missing: undefined }, 'training');
    expect(Object.fromEntries(flat)).toEqual({ 'training.learningRate': '0.001', 'training.lora.rank': '8', 'training.lora.targets': '["attn","mlp"]', 'training.precision': 'bf16', 'training.bias': 'false' });
  });

  it('lists only the differences, architecture first, with null for a side that lacks the setting', () => {
    const a = flattenSettings({ layers: 2, heads: 2 }, 'architecture', flattenSettings({ seed: 7, lr: 0.003 }, 'training'));
    const b = flattenSettings({ layers: 4, heads: 2 }, 'architecture');
    expect(settingDifferences(a, b)).toEqual([
      { key: 'architecture.layers', a: '2', b: '4' },
      { key: 'training.lr', a: '0.003', b: null },
      { key: 'training.seed', a: '7', b: null },
    ]);
    expect(settingDifferences(a, new Map(a))).toEqual([]);
  });
});
