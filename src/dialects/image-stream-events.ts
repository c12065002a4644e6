/**
 * The events of a streamed OpenAI images answer, as the spec defines them (ImageGenPartialImageEvent,
 * ImageGenCompletedEvent and their `image_edit.*` twins): a partial image is a preview, a completed event
 * the finished image with the usage it was billed on. Their size, quality, background and output_format are
 * required: what the upstream reported, else `auto`, and the
 * output format from the image's own type (image-settings.ts).
 */
import type { Base64Text, PartialImage } from '../domain/job.js';
import type { Delivery } from '../pipeline/pipeline.js';
import { type StreamedSettings, streamedSettings } from './image-settings.js';
import { type ImagesUsage, imagesUsage } from './openai-images.js';

/** `image_generation` on /v1/images/generations, `image_edit` on /v1/images/edits. */
export type StreamFamily = 'image_generation' | 'image_edit';

export const streamFamilyOf = (endpoint: string): StreamFamily => (endpoint === '/v1/images/edits' ? 'image_edit' : 'image_generation');

export interface PartialImageEvent extends StreamedSettings {
  type: `${StreamFamily}.partial_image`;
  b64_json: Base64Text;
  created_at: number;
  partial_image_index: number;
}

export interface CompletedEvent extends StreamedSettings {
  type: `${StreamFamily}.completed`;
  b64_json: Base64Text;
  created_at: number;
  usage: ImagesUsage;
  /** imagegate's extension, on the last completed event: the request and what it was charged. */
  imagegate?: {
    request_id: string;
    model: string;
    billing?: { billing_transaction_id: string; amount: number; currency: string; unit: 'micro' };
  };
}

const NO_USAGE = imagesUsage({});

export function partialImageEvent(family: StreamFamily, p: PartialImage, createdAt: number): PartialImageEvent {
  return { type: `${family}.partial_image`, b64_json: p.b64, created_at: createdAt, ...streamedSettings(p.meta, p.mime), partial_image_index: p.partialIndex };
}

/**
 * One completed event per delivered image, in order. The upstream's usage covers the whole request: it goes
 * on the last event (with imagegate's billing), the others carry none, so a client that adds them up counts it once.
 */
export function completedEvents(family: StreamFamily, d: Delivery, requestId: string): CompletedEvent[] {
  const usage = d.result.usage ? imagesUsage(d.result.usage) : NO_USAGE;
  return d.images.map((img, i) => {
    const last = i === d.images.length - 1;
    const event: CompletedEvent = {
      type: `${family}.completed`,
      // A streamed request is always b64_json and never passed through (server/image-stream.ts): b64 is set.
      b64_json: img.b64!,
      created_at: d.created,
      ...streamedSettings(d.result.meta, img.mime),
      usage: last ? usage : NO_USAGE,
    };
    if (last) {
      event.imagegate = { request_id: requestId, model: d.model.id };
      if (d.billingTransactionId) {
        event.imagegate.billing = { billing_transaction_id: d.billingTransactionId, amount: d.charged, currency: d.currency, unit: 'micro' };
      }
    }
    return event;
  });
}
