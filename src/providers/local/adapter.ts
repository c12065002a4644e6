/**
 * The built-in `local` provider: renders images in-process with the offline renderer. Sizes come from
 * `size`, or `aspect_ratio` with an optional `resolution` tier.
 */
import { createHash } from 'node:crypto';
import { GatewayError, invalidRequest } from '../../core/errors.js';
import { type ImageJob, MIME_OF_FORMAT, type OutputFormat } from '../../core/job.js';
import { type Dimensions, parseAspectRatio, parseSize } from '../../core/size.js';
import type { ProviderAdapter } from '../types.js';
import { renderImage } from './render.js';

/** Long side per resolution tier. */
const TIER_LONG_SIDE: Record<string, number> = { '1K': 1024, '2K': 2048 };
const MAX_SIDE = 2048;

export function localDimensions(job: ImageJob): Dimensions {
  const { size, aspect_ratio: ratio, resolution } = job.params;
  if (size && size !== 'auto') {
    if (ratio) throw invalidRequest('aspect_ratio', 'Send either size or aspect_ratio, not both.');
    const d = parseSize(size);
    if (!d || d === 'auto') throw invalidRequest('size', `size "${size}" is not WIDTHxHEIGHT.`);
    return d;
  }
  const long = TIER_LONG_SIDE[resolution ?? '1K'];
  if (!long) throw invalidRequest('resolution', `resolution must be one of ${Object.keys(TIER_LONG_SIDE).join(', ')}.`);
  if (!ratio) return { width: long, height: long };
  const r = parseAspectRatio(ratio);
  if (!r) throw invalidRequest('aspect_ratio', `aspect_ratio "${ratio}" must look like "16:9".`);
  const d = r.w >= r.h ? { width: long, height: Math.round((long * r.h) / r.w) } : { width: Math.round((long * r.w) / r.h), height: long };
  if (d.width > MAX_SIDE || d.height > MAX_SIDE || Math.min(d.width, d.height) < 16) {
    throw invalidRequest('aspect_ratio', `aspect_ratio ${ratio} at ${resolution ?? '1K'} gives ${d.width}x${d.height}, outside 16..${MAX_SIDE} px.`);
  }
  return d;
}

function seedOf(job: ImageJob): number {
  if (typeof job.params.seed === 'number') return job.params.seed;
  return createHash('sha256').update(job.prompt).digest().readUInt32BE(0) & 0x7fffffff;
}

export function createLocalAdapter(): ProviderAdapter {
  return {
    name: 'local',
    validate(job) {
      localDimensions(job);
    },
    async generate(job, _route, ctx) {
      const { width, height } = localDimensions(job);
      const format: OutputFormat = job.params.output_format ?? 'png';
      const transparent = job.params.background === 'transparent' && format !== 'jpeg';
      const seed = seedOf(job);
      const references = job.images.map((i) => i.bytes);
      const images = [];
      for (let i = 0; i < job.n; i++) {
        if (ctx.signal.aborted) throw new GatewayError('upstream_error', 'The request was cancelled.');
        const bytes = await renderImage({
          prompt: job.prompt,
          seed: seed + i,
          width,
          height,
          format,
          compression: job.params.output_compression,
          transparent,
          references,
          mask: job.mask?.bytes,
        });
        images.push({ payload: { kind: 'bytes' as const, bytes, mime: MIME_OF_FORMAT[format] }, size: `${width}x${height}` });
      }
      return {
        images,
        failedCount: 0,
        meta: { size: `${width}x${height}`, output_format: format, quality: job.params.quality, background: transparent ? 'transparent' : 'opaque' },
      };
    },
  };
}
