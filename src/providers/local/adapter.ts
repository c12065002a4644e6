/**
 * The built-in `local` provider: renders pictures in-process with the offline renderer, so the gateway
 * serves real images with no network and no keys. Reads no route options.
 */
import { decodeSlots } from '../../media/decode-slots.js';
import { GatewayError, invalidRequest } from '../../domain/errors.js';
import { type GeneratedImage, type ImageJob, MIME_OF_FORMAT, type Operation, type OutputFormat } from '../../domain/job.js';
import type { CallContext, ProviderAdapter, Route } from '../../domain/adapter.js';
import { outputDimensions, sideBounds } from './dimensions.js';
import { STYLES } from './palette.js';
import { hashText } from './random.js';
import type { RenderOptions } from './render.js';

/** Operations whose input images are drawn into the picture. */
const USES_INPUT_IMAGES: ReadonlySet<Operation> = new Set<Operation>(['edit', 'image-to-image', 'variation']);
const FORMATS = Object.keys(MIME_OF_FORMAT) as OutputFormat[];

/** Everything one call renders with, checked (image i of n then uses seed + i). */
function planOf(job: ImageJob, route: Route): RenderOptions {
  const { width, height } = outputDimensions(job.params, sideBounds(route.model.sizes?.rule));
  const p = job.params;
  const format = p.output_format ?? 'png';
  if (!FORMATS.includes(format)) throw invalidRequest('output_format', `output_format "${format}" is not available; send one of ${FORMATS.join(', ')}.`);
  if (p.background === 'transparent' && format === 'jpeg') {
    throw invalidRequest('background', 'background "transparent" needs output_format png or webp (JPEG has no alpha channel); change one of them.');
  }
  const compression = p.output_compression;
  if (compression !== undefined && !(Number.isInteger(compression) && compression >= 0 && compression <= 100)) {
    throw invalidRequest('output_compression', 'output_compression must be an integer from 0 to 100.');
  }
  if (p.style !== undefined && !STYLES.includes(p.style)) {
    throw invalidRequest('style', `style "${p.style}" is not available on the local renderer; send one of ${STYLES.join(', ')}.`);
  }
  const seed = p.seed ?? hashText(job.prompt);
  if (!Number.isSafeInteger(seed) || seed < 0) throw invalidRequest('seed', 'seed must be a non-negative integer.');
  const usesImages = USES_INPUT_IMAGES.has(job.operation);
  return {
    prompt: job.prompt,
    seed,
    width,
    height,
    format,
    compression,
    transparent: p.background === 'transparent',
    style: p.style,
    references: usesImages ? job.images.map((image) => image.bytes) : undefined,
    mask: job.operation === 'edit' ? job.mask?.bytes : undefined,
  };
}

export function createLocalAdapter(): ProviderAdapter {
  return {
    name: 'local',
    validate(job, route) {
      planOf(job, route);
    },
    async generate(job, route, ctx) {
      const plan = planOf(job, route);
      const stop = stopOnAbandon(ctx);
      const images: GeneratedImage[] = [];
      try {
        for (let i = 0; i < job.n; i++) {
          stopIfAbandoned(ctx);
          const bytes = await render({ ...plan, seed: plan.seed + i }, job, ctx, stop.signal);
          images.push({ payload: { kind: 'bytes', bytes, mime: MIME_OF_FORMAT[plan.format] }, size: `${plan.width}x${plan.height}` });
        }
      } finally {
        stop.release();
      }
      return {
        images,
        failedCount: 0,
        meta: {
          size: `${plan.width}x${plan.height}`,
          output_format: plan.format,
          quality: job.params.quality ?? 'auto',
          background: plan.transparent ? 'transparent' : 'opaque',
        },
      };
    },
  };
}

/** The longest delay a Node timer takes as given (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A signal that aborts when the client leaves or the deadline passes: the renderer stops at its next
 * stripe or step. A timer and a listener of our own, not AbortSignal.any over AbortSignal.timeout: on
 * Node 20 that pair was seen to let the deadline pass without aborting (it holds the timeout signal only
 * weakly: nodejs/node#57736). `release` drops both.
 */
function stopOnAbandon(ctx: CallContext): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  const untilDeadline = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(ctx.deadline - Date.now())));
  const timer = setTimeout(stop, untilDeadline);
  ctx.signal.addEventListener('abort', stop, { once: true });
  if (ctx.signal.aborted) stop();
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', stop);
    },
  };
}

/** A client that left or a passed deadline ends the job (a retry would not help). */
function stopIfAbandoned(ctx: CallContext): void {
  if (ctx.signal.aborted || Date.now() >= ctx.deadline) throw abandoned(ctx);
}

function abandoned(ctx: CallContext): GatewayError {
  if (ctx.signal.aborted) return new GatewayError('upstream_error', 'The request was cancelled before the local renderer finished.');
  return new GatewayError('upstream_error', "The local renderer did not finish within the model's time limit.", { details: { reason: 'timeout' } });
}

async function render(options: RenderOptions, job: ImageJob, ctx: CallContext, stop: AbortSignal): Promise<Buffer> {
  try {
    // Loaded on first use, with sharp: see media/lazy-sharp.ts.
    const { renderImage } = await import('./render.js');
    // Input images are decoded whole: such renders take a decode slot (media/decode-slots.ts).
    return await (options.references?.length ? decodeSlots.run(() => renderImage(options, stop)) : renderImage(options, stop));
  } catch (e) {
    if (stop.aborted) throw abandoned(ctx);
    // The only inputs that can fail to render are the client's images (the scene is our own SVG).
    if (!options.references?.length) throw e;
    const param = job.images.length === 1 && !options.mask ? job.images[0]!.field : 'image';
    throw new GatewayError('invalid_request', 'An input image could not be decoded; send PNG, JPEG or WebP files that open in an image viewer.', {
      param,
      cause: e,
    });
  }
}
