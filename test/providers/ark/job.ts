/** The Ark adapter tests' defaults, bound to the shared builders (../builders.ts). */
import type { ImageJob, InputImage } from '../../../src/domain/job.js';
import type { Route } from '../../../src/domain/adapter.js';
import type { ArkFake } from '../../fakes/ark.js';
import { imageJob, inputImage, upstreamRoute } from '../builders.js';

export { callContext, failure } from '../builders.js';

export const SEEDREAM_40 = 'doubao-seedream-4-0-250828';
export const SEEDREAM_45 = 'doubao-seedream-4-5-251128';

export const job = (over: Partial<ImageJob> = {}): ImageJob => imageJob({ model: SEEDREAM_40, prompt: 'a lighthouse at dusk', ...over });

export const routeTo = (fake: ArkFake, over: Partial<Route> = {}): Route =>
  upstreamRoute('ark', `${fake.url}/api/v3`, SEEDREAM_40, { apiKey: fake.apiKey, ...over });

/** A reference image (64x48 unless told). */
export const reference = (field: string, opts: { sourceUrl?: string; width?: number; height?: number } = {}): Promise<InputImage> =>
  inputImage(field, opts.width ?? 64, opts.height ?? 48, { sourceUrl: opts.sourceUrl });
