/**
 * The renderer is deterministic, so the bytes of a given request are part of its contract: clients cache
 * and compare them. These digests were taken from the single-pass renderer before pictures were drawn in
 * stripes; a change to how a picture is rasterised must keep every one of them.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ImageJob, ImageParams } from '../../../src/domain/job.js';
import { generate, inputImageOf } from './support.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const TEXT_TO_IMAGE: Array<[prompt: string, params: ImageParams, digest: string]> = [
  ['a red fox in the snow', { size: '1024x1024', seed: 1 }, '051d2d04cd7e56ffdac5913e4f0155143e02733872bbc120585c41848f6d3c28'],
  ['a city skyline at dusk', { size: '2048x2048', seed: 3 }, '4225bb5092ffd44f3521e67194aaf871cb74d96dbcf4374de7daeaefacff83fb'],
  ['a green hill at night', { size: '2048x2048', seed: 4, background: 'transparent' }, 'be29ad3af4870fa0b9e33271d6fd161ff197c75c0b04c66683880b70c10b1d46'],
  [
    'ocean waves',
    { size: '2048x1152', seed: 11, output_format: 'jpeg', output_compression: 80 },
    '7f9d301bcf10fc1b4fdae366847e7d595b99874b185521289cdab15e17b7f90d',
  ],
  [
    'abstract pattern',
    { size: '1152x2048', seed: 9, output_format: 'webp', background: 'transparent', style: 'vivid' },
    '977a837bf56f57977cba1d5b5aa8c0154ef71721b5e744cb850d4ffb1ebd1b41',
  ],
  ['a tall tower', { size: '16x2048', seed: 5 }, '2fd71f31d150625e20c1a395a3830b0b57fb1eb1eeb8e571eb28dfe223f03a60'],
  ['a wide valley', { size: '2048x16', seed: 6 }, 'e1a319f1b480b279f77942e5f8fbaf2602ae95761cbb080b52ff3ef054f25596'],
  [
    'forest in spring',
    { size: '2000x1999', seed: 8, output_format: 'webp', output_compression: 40 },
    'c80b8ef85867dd86b76f03b5adaf8bbb5a353138b4ec1640cee2f2a798ef9ab9',
  ],
];

/** An opaque source and a mask whose top half is transparent, both built from fixed pixels. */
async function editInputs(): Promise<Pick<ImageJob, 'images' | 'mask'>> {
  const source = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#1ea05a' } })
    .png()
    .toBuffer();
  const px = Buffer.alloc(300 * 200 * 4);
  for (let i = 0; i < 300 * 100; i++) px[i * 4 + 3] = 0;
  for (let i = 300 * 100; i < 300 * 200; i++) px[i * 4 + 3] = 255;
  const mask = await sharp(px, { raw: { width: 300, height: 200, channels: 4 } })
    .png()
    .toBuffer();
  return { images: [await inputImageOf(source, 'image')], mask: await inputImageOf(mask, 'mask') };
}

describe('local renderer: same request, same bytes', () => {
  it.each(TEXT_TO_IMAGE)('renders "%s" %j to the bytes it always had', async (prompt, params, digest) => {
    const [bytes] = await generate({ prompt, params });
    expect(sha256(bytes!)).toBe(digest);
  });

  it('renders an edit through a mask to the bytes it always had', async () => {
    const [bytes] = await generate({ operation: 'edit', prompt: 'a purple moon', params: { size: '2048x2048', seed: 12 }, ...(await editInputs()) });
    expect(sha256(bytes!)).toBe('3c12363114874014d5c7052b129b4a471db352911bb5789d1aafeb751054621d');
  });
});
