import { describe, expect, it } from 'vitest';
import { createBflAdapter } from '../../../src/providers/bfl/adapter.js';
import { baseUrlOf, isTrustedPollingUrl } from '../../../src/providers/bfl/endpoint.js';
import { upstreamRoute } from '../builders.js';
import { inputImage, job, thrown } from './job.js';

const adapter = createBflAdapter();
const route = (model: string, options: Record<string, string> = {}) => upstreamRoute('bfl', 'https://api.bfl.ai', model, { options });

describe('bfl: validate', () => {
  it('refuses size on flux-pro-1.1-ultra, which takes aspect_ratio, with a 400 naming size', () => {
    const e = thrown(() => adapter.validate!(job({ model: 'flux-pro-1.1-ultra', params: { size: '1024x1024' } }), route('flux-pro-1.1-ultra')));
    expect([e.code, e.param]).toEqual(['invalid_request', 'size']);
  });

  it('refuses n above 1 (one image per BFL job) naming n', () => {
    expect(thrown(() => adapter.validate!(job({ n: 2 }), route('flux-pro-1.1'))).param).toBe('n');
  });

  it('refuses a field the model does not take, naming it', () => {
    const e = thrown(() => adapter.validate!(job({ params: { raw: true } }), route('flux-pro-1.1')));
    expect([e.code, e.param]).toEqual(['invalid_request', 'raw']);
  });

  it('refuses a mask on a Kontext edit, naming it', async () => {
    const img = await inputImage('image', 32, 32);
    const mask = await inputImage('mask', 32, 32);
    const e = thrown(() => adapter.validate!(job({ model: 'flux-kontext-pro', operation: 'edit', images: [img], mask }), route('flux-kontext-pro')));
    expect(e.param).toBe('mask');
  });

  it('refuses an edit on flux-pro-1.1, which only generates', async () => {
    const img = await inputImage('image', 32, 32);
    expect(thrown(() => adapter.validate!(job({ operation: 'edit', images: [img] }), route('flux-pro-1.1'))).param).toBe('model');
  });
});

describe('bfl: regions', () => {
  it('sends a route with region eu to api.eu.bfl.ai, and refuses an unknown region at start', () => {
    expect(baseUrlOf(route('flux-dev', { region: 'eu' }))).toBe('https://api.eu.bfl.ai');
    expect(baseUrlOf(route('flux-dev'))).toBe('https://api.bfl.ai');
    expect(adapter.checkRoute!(route('flux-dev', { region: 'mars' }))).toContain('region must be one of global, eu, us');
    expect(adapter.checkRoute!(route('flux-dev', { region: 'us' }))).toBeUndefined();
  });

  it("trusts polling URLs on BFL's regional hosts over https only", () => {
    const r = route('flux-dev');
    expect(isTrustedPollingUrl(new URL('https://api.us1.bfl.ai/v1/get_result?id=1'), r)).toBe(true);
    expect(isTrustedPollingUrl(new URL('http://api.eu.bfl.ai/v1/get_result?id=1'), r)).toBe(false);
    expect(isTrustedPollingUrl(new URL('https://bfl.ai.example.com/v1/get_result?id=1'), r)).toBe(false);
    expect(isTrustedPollingUrl(new URL('https://user:pw@api.bfl.ai/v1/get_result?id=1'), r)).toBe(false);
  });
});
