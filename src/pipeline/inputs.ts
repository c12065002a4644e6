/**
 * Turns the client's image sources (multipart files, data: URLs, public URLs, uploaded files) into inspected
 * InputImages and checks them against the operation's rules. Counts are checked before anything is fetched.
 */
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { GatewayConfig } from '../config/config.js';
import { decodeDataUrl, isDataUrl } from '../domain/data-url.js';
import { safeFetch } from '../net/safe-fetch.js';
import type { ImageSource } from '../domain/draft.js';
import { invalidRequest } from '../domain/errors.js';
import { checkImages, checkMask, inspectImage, sniffImageType } from '../media/image-input.js';
import type { InputImage } from '../domain/job.js';
import type { InputLoader } from './pipeline.js';

/**
 * All input images and the mask of one request together hold at most `budget` pixels, checked on the
 * header dimensions before anything is decoded; the image that crosses the budget is the one named.
 */
function checkPixelBudget(images: readonly InputImage[], budget: number): void {
  let total = 0;
  for (const img of images) {
    const pixels = img.width * img.height;
    total += pixels;
    if (total <= budget) continue;
    const what =
      total === pixels
        ? `${img.field} is ${img.width}x${img.height} (${pixels} pixels)`
        : `${img.field} (${img.width}x${img.height}) brings the input images to ${total} pixels`;
    throw invalidRequest(
      img.field,
      `${what}; at most ${budget} pixels of input images (the mask included) are accepted per request. Downscale or send fewer images.`,
    );
  }
}

/** Files uploaded through the Files API, as the loader reads them: one account's own, live ones only. */
export interface UploadedFiles {
  open(accountId: string, id: string): Promise<{ stream: Readable; size: number } | undefined>;
}

export function createInputLoader(
  config: Pick<GatewayConfig, 'urlAllowlist' | 'fetchMaxBytes' | 'fetchTimeoutMs' | 'maxPixels' | 'maxRequestPixels'>,
  files: UploadedFiles,
): InputLoader {
  /** An uploaded file's bytes; another account's file, or one expired or deleted, is no file to this caller. */
  async function readFile(src: { field: string; fileId: string }, accountId: string): Promise<Buffer> {
    const opened = await files.open(accountId, src.fileId);
    if (!opened) {
      throw invalidRequest(
        src.field,
        `${src.field}: no file "${src.fileId}" exists for this account (it may have expired or been deleted). Upload the image with POST /v1/files and use the id it returns.`,
      );
    }
    return buffer(opened.stream);
  }

  async function loadOne(src: ImageSource, maxBytes: number, ctx: { accountId: string; signal: AbortSignal }): Promise<InputImage> {
    const { signal } = ctx;
    const cap = Math.min(maxBytes, config.fetchMaxBytes);
    if (src.kind === 'bytes') return inspectImage(src.bytes, src.field, { maxPixels: config.maxPixels });
    // Checked like an upload in the request itself: the size rule of the model names the field if it is too big.
    if (src.kind === 'file') return inspectImage(await readFile(src, ctx.accountId), src.field, { maxPixels: config.maxPixels });
    if (isDataUrl(src.url)) {
      const { bytes } = decodeDataUrl(src.url, { param: src.field, maxBytes: maxBytes });
      return inspectImage(bytes, src.field, { maxPixels: config.maxPixels });
    }
    const fetched = await safeFetch(src.url, {
      param: src.field,
      allowlist: config.urlAllowlist,
      maxBytes: cap,
      timeoutMs: config.fetchTimeoutMs,
      signal,
      accept: (bytes) => {
        if (!sniffImageType(bytes))
          throw invalidRequest(src.field, `${src.field}: the URL did not return a PNG, JPEG, WEBP, GIF or BMP image (checked by content).`);
      },
    });
    const image = await inspectImage(fetched.bytes, src.field, { maxPixels: config.maxPixels });
    return { ...image, sourceUrl: src.url };
  }

  return {
    async load(draft, model, { operation }, ctx) {
      if (draft.images.length === 0 && !draft.mask) {
        const rules = model.spec.operations[operation]?.images;
        if (rules && rules.min_images > 0) {
          throw invalidRequest(
            draft.imagesField,
            `${operation} on model "${model.id}" needs at least ${rules.min_images} input image${rules.min_images > 1 ? 's' : ''} in ${draft.imagesField}.`,
          );
        }
        return { images: [] };
      }
      const rules = model.spec.operations[operation]?.images;
      if (!rules) throw invalidRequest(draft.imagesField, `Model "${model.id}" does not take input images for ${operation}.`);
      if (draft.images.length > rules.max_images) {
        throw invalidRequest(
          draft.imagesField,
          `Model "${model.id}" accepts at most ${rules.max_images} input image${rules.max_images > 1 ? 's' : ''} for ${operation}; ${draft.images.length} were sent.`,
        );
      }
      const images = await Promise.all(draft.images.map((s) => loadOne(s, rules.max_bytes, ctx)));
      checkPixelBudget(images, config.maxRequestPixels);
      checkImages(images, rules, { fieldBase: draft.imagesField });
      let mask: InputImage | undefined;
      if (draft.mask) {
        if (!rules.mask) throw invalidRequest('mask', `Model "${model.id}" does not take a mask.`);
        mask = await loadOne(draft.mask, Math.min(rules.max_bytes, 4 * 1024 * 1024), ctx);
        checkPixelBudget([...images, mask], config.maxRequestPixels);
        await checkMask(mask, images[0]!, rules);
      }
      return { images, mask };
    },
  };
}
