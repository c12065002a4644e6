/** Builders for driving the real local adapter the way the pipeline does: a checked job, its route, a context. */
import sharp from 'sharp';
import type { ImageJob, ImageMime, InputImage } from '../../../src/core/job.js';
import { createLocalAdapter } from '../../../src/providers/local/adapter.js';
import type { CallContext, Route } from '../../../src/providers/types.js';

export const adapter = createLocalAdapter();

export const localRoute: Route = {
  id: 'local#0',
  provider: 'local',
  baseUrl: '',
  apiKey: '',
  upstreamModel: 'local',
  priority: 0,
  weight: 1,
  options: {},
};

export function localJob(overrides: Partial<ImageJob> = {}): ImageJob {
  return {
    requestId: 'req_test',
    model: 'local',
    operation: 'text-to-image',
    prompt: 'a red fox in the snow',
    n: 1,
    params: {},
    images: [],
    responseFormat: 'b64_json',
    ...overrides,
  };
}

export function callContext(signal: AbortSignal = new AbortController().signal): CallContext {
  return { signal, deadline: Date.now() + 60_000, requestId: 'req_test' };
}

/** Render through the adapter and return the bytes of every image. */
export async function generate(overrides: Partial<ImageJob> = {}, ctx = callContext()): Promise<Buffer[]> {
  const job = localJob(overrides);
  adapter.validate?.(job, localRoute);
  const result = await adapter.generate(job, localRoute, ctx);
  return result.images.map((image) => {
    if (image.payload.kind !== 'bytes') throw new Error(`expected bytes, got ${image.payload.kind}`);
    return image.payload.bytes;
  });
}

/** An InputImage as the core's input loader would hand it over. */
export async function inputImage(bytes: Buffer, field: string): Promise<InputImage> {
  const m = await sharp(bytes).metadata();
  return { field, bytes, mime: `image/${m.format}` as ImageMime, width: m.width!, height: m.height!, hasAlpha: m.hasAlpha ?? false };
}

/** Decoded RGBA pixels. */
export async function rgba(bytes: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
