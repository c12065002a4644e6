import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/catalog/catalog.js';
import { checkContract } from '../../src/catalog/contract.js';
import { loadCatalogData } from '../../src/catalog/load.js';
import { thrown } from '../providers/builders.js';

const catalog = new Catalog(loadCatalogData({ overlayText: 'models: { stability-outpaint: { fields: { flag: { type: boolean } } } }' }), {
  STABILITY_API_KEY: 'k',
});
const outpaint = catalog.resolve('stability-outpaint')!;
const check = (params: Record<string, string | number>, textParams?: string[]) =>
  checkContract(
    outpaint,
    { operation: 'edit', prompt: 'sky', n: 1, params, responseFormat: undefined, ...(textParams ? { textParams } : {}) },
    { dropUnsupported: false },
  );

describe('the contract reads multipart text as the type the model declares', () => {
  it('reads form text as the integer, number or boolean the field declares', () => {
    const out = check({ left: '64', creativity: '0.25', flag: 'true', style_preset: 'anime' }, ['left', 'creativity', 'flag', 'style_preset']);
    expect(out.params).toEqual({ left: 64, creativity: 0.25, flag: true, style_preset: 'anime' });
  });

  it('still refuses form text that does not spell the declared type, naming the field', () => {
    expect(thrown(() => check({ left: '6.5' }, ['left']))).toMatchObject({ param: 'left', message: 'left must be an integer.' });
    expect(thrown(() => check({ creativity: 'lots' }, ['creativity'])).param).toBe('creativity');
  });

  it('still refuses a JSON string where the field is a number: only form text is read', () => {
    expect(thrown(() => check({ left: '64' })).param).toBe('left');
  });

  it('still holds the range after reading the number', () => {
    expect(thrown(() => check({ left: '5000' }, ['left'])).message).toBe('left must be at most 2000.');
  });
});
