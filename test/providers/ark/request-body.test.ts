import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createArkAdapter } from '../../../src/providers/ark/adapter.js';
import { type ArkFake, startArkFake } from '../../fakes/ark.js';
import { callContext, job, reference, routeTo, SEEDREAM_40, SEEDREAM_45 } from './job.js';

let fake: ArkFake;
const adapter = createArkAdapter();

beforeAll(async () => {
  fake = await startArkFake();
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

describe('ark request: the exact upstream request', () => {
  it('posts JSON with Bearer auth to /images/generations with model, prompt, watermark false and response_format', async () => {
    await adapter.generate(job(), routeTo(fake), callContext());
    const [sent] = fake.requestsTo('/api/v3/images/generations');
    expect(sent!.method).toBe('POST');
    expect(sent!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(sent!.headers['content-type']).toBe('application/json');
    expect(sent!.json).toEqual({ model: SEEDREAM_40, prompt: 'a lighthouse at dusk', watermark: false, response_format: 'b64_json' });
  });

  it('sends size 1536x1024 as size "1536x1024"', async () => {
    await adapter.generate(job({ params: { size: '1536x1024' } }), routeTo(fake), callContext());
    expect(fake.bodies[0]).toMatchObject({ size: '1536x1024' });
  });

  it('leaves size out for size "auto" so Ark makes its default 2048x2048', async () => {
    const r = await adapter.generate(job({ params: { size: 'auto' } }), routeTo(fake), callContext());
    expect(fake.bodies[0]).not.toHaveProperty('size');
    expect(r.images[0]!.size).toBe('2048x2048');
  });

  it('sends resolution alone as the size tier string', async () => {
    await adapter.generate(job({ params: { resolution: '4K' } }), routeTo(fake), callContext());
    await adapter.generate(job({ model: SEEDREAM_45, params: { resolution: '2K' } }), routeTo(fake, { upstreamModel: SEEDREAM_45 }), callContext());
    expect(fake.bodies.map((b) => b.size)).toEqual(['4K', '2K']);
  });

  it('sends aspect_ratio 16:9 without resolution as the recommended 2K size 2560x1440', async () => {
    await adapter.generate(job({ params: { aspect_ratio: '16:9' } }), routeTo(fake), callContext());
    expect(fake.bodies[0]!.size).toBe('2560x1440');
  });

  const RECOMMENDED: Record<string, Record<string, string>> = {
    '1K': {
      '1:1': '1024x1024',
      '4:3': '1152x864',
      '3:4': '864x1152',
      '16:9': '1280x720',
      '9:16': '720x1280',
      '3:2': '1248x832',
      '2:3': '832x1248',
      '21:9': '1520x656',
    },
    '2K': {
      '1:1': '2048x2048',
      '4:3': '2304x1728',
      '3:4': '1728x2304',
      '16:9': '2560x1440',
      '9:16': '1440x2560',
      '3:2': '2496x1664',
      '2:3': '1664x2496',
      '21:9': '3024x1296',
    },
    '4K': {
      '1:1': '4096x4096',
      '4:3': '4608x3456',
      '3:4': '3456x4608',
      '16:9': '5120x2880',
      '9:16': '2880x5120',
      '3:2': '4992x3328',
      '2:3': '3328x4992',
      '21:9': '6048x2592',
    },
  };
  const cases = (resolutions: string[]) => resolutions.flatMap((res) => Object.entries(RECOMMENDED[res]!).map(([ratio, size]) => ({ res, ratio, size })));

  it.each(cases(['1K', '2K', '4K']))('seedream 4.0 sends aspect_ratio $ratio at $res as $size, and Ark accepts it', async ({ res, ratio, size }) => {
    const r = await adapter.generate(job({ params: { aspect_ratio: ratio, resolution: res } }), routeTo(fake), callContext());
    expect(fake.bodies[0]!.size).toBe(size);
    expect(r.images[0]!.size).toBe(size);
  });

  it.each(cases(['2K', '4K']))('seedream 4.5 sends aspect_ratio $ratio at $res as $size, and Ark accepts it', async ({ res, ratio, size }) => {
    const r = await adapter.generate(
      job({ model: SEEDREAM_45, params: { aspect_ratio: ratio, resolution: res } }),
      routeTo(fake, { upstreamModel: SEEDREAM_45 }),
      callContext(),
    );
    expect(fake.bodies[0]!.size).toBe(size);
    expect(r.images[0]!.size).toBe(size);
  });

  it('sends watermark false by default, and Ark would otherwise watermark', async () => {
    await adapter.generate(job(), routeTo(fake), callContext());
    expect(fake.bodies[0]!.watermark).toBe(false);
    expect(fake.watermarks).toEqual([false]);
  });

  it('sends watermark true when the client asks for it', async () => {
    await adapter.generate(job({ params: { watermark: true } }), routeTo(fake), callContext());
    expect(fake.bodies[0]!.watermark).toBe(true);
    expect(fake.watermarks).toEqual([true]);
  });

  it('asks for url results when the job wants url', async () => {
    await adapter.generate(job({ responseFormat: 'url' }), routeTo(fake), callContext());
    expect(fake.bodies[0]!.response_format).toBe('url');
  });

  it('passes a reference the client gave as a public URL on as that URL, in image as a string', async () => {
    const img = await reference('image_url', { sourceUrl: 'https://example.com/cat.png' });
    await adapter.generate(job({ operation: 'image-to-image', images: [img] }), routeTo(fake), callContext());
    expect(fake.bodies[0]!.image).toBe('https://example.com/cat.png');
  });

  it('sends an uploaded reference inline as a data:image/png;base64 URL of its exact bytes', async () => {
    const img = await reference('image');
    await adapter.generate(job({ operation: 'edit', images: [img] }), routeTo(fake), callContext());
    expect(fake.bodies[0]!.image).toBe(`data:image/png;base64,${img.bytes.toString('base64')}`);
  });

  it('sends several references as an image list in client order, URLs and data URLs mixed', async () => {
    const a = await reference('image_urls[0]', { sourceUrl: 'https://example.com/a.png' });
    const b = await reference('image_urls[1]', { width: 32, height: 32 });
    await adapter.generate(job({ operation: 'image-to-image', images: [a, b] }), routeTo(fake), callContext());
    expect(fake.bodies[0]!.image).toEqual(['https://example.com/a.png', `data:image/png;base64,${b.bytes.toString('base64')}`]);
  });

  it('passes optimize_prompt_options through unchanged', async () => {
    await adapter.generate(job({ params: { optimize_prompt_options: { thinking: 'disabled', mode: 'fast' } } }), routeTo(fake), callContext());
    expect(fake.bodies[0]!.optimize_prompt_options).toEqual({ thinking: 'disabled', mode: 'fast' });
  });

  it('sends sequential generation with max_images equal to n, in one call', async () => {
    await adapter.generate(job({ n: 3, params: { sequential_image_generation: 'auto' } }), routeTo(fake), callContext());
    expect(fake.bodies).toEqual([
      {
        model: SEEDREAM_40,
        prompt: 'a lighthouse at dusk',
        watermark: false,
        sequential_image_generation: 'auto',
        sequential_image_generation_options: { max_images: 3 },
        response_format: 'b64_json',
      },
    ]);
  });

  it('sends the client max_images when it is below n', async () => {
    const r = await adapter.generate(
      job({ n: 4, params: { sequential_image_generation: 'auto', sequential_image_generation_options: { max_images: 2 } } }),
      routeTo(fake),
      callContext(),
    );
    expect(fake.bodies[0]!.sequential_image_generation_options).toEqual({ max_images: 2 });
    expect(r.images).toHaveLength(2);
  });

  it('passes sequential_image_generation "disabled" through and fans out for n > 1', async () => {
    await adapter.generate(job({ n: 2, params: { sequential_image_generation: 'disabled' } }), routeTo(fake), callContext());
    expect(fake.bodies).toHaveLength(2);
    for (const b of fake.bodies) {
      expect(b.sequential_image_generation).toBe('disabled');
      expect(b).not.toHaveProperty('sequential_image_generation_options');
    }
  });
});
