/** The local adapter tests' defaults, bound to the shared builders (../builders.ts), and image helpers of their own. */
import sharp from 'sharp';
import type { ImageJob, ImageMime, InputImage } from '../../../src/domain/job.js';
import { createLocalAdapter } from '../../../src/providers/local/adapter.js';
import type { CallContext, Route } from '../../../src/domain/adapter.js';
import { callContext as sharedCallContext, imageJob, upstreamRoute } from '../builders.js';

export const adapter = createLocalAdapter();

export const route: Route = upstreamRoute('local', '', 'local', { apiKey: '' });

export const job = (over: Partial<ImageJob> = {}): ImageJob => imageJob({ model: 'local', prompt: 'a red fox in the snow', ...over });

/** Local renders run in this process: a long deadline, so a busy machine does not fail them. */
export const callContext = (ms = 60_000, over: Partial<CallContext> = {}): CallContext => sharedCallContext(ms, over);

/** Render through the adapter and return the bytes of every image. */
export async function generate(overrides: Partial<ImageJob> = {}, ctx = callContext()): Promise<Buffer[]> {
  const j = job(overrides);
  adapter.validate?.(j, route);
  const result = await adapter.generate(j, route, ctx);
  return result.images.map((image) => {
    if (image.payload.kind !== 'bytes') throw new Error(`expected bytes, got ${image.payload.kind}`);
    return image.payload.bytes;
  });
}

/** An InputImage as the core's input loader would hand it over. */
export async function inputImageOf(bytes: Buffer, field: string): Promise<InputImage> {
  const m = await sharp(bytes).metadata();
  return { field, bytes, mime: `image/${m.format}` as ImageMime, width: m.width!, height: m.height!, hasAlpha: m.hasAlpha ?? false };
}

/** Decoded RGBA pixels. */
export async function rgba(bytes: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}
