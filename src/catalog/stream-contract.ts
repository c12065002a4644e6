/**
 * The streamed part of a model's contract: how many partial images it can send (`stream.partial_images` in
 * the catalog). Asking for more is a 400 naming `partial_images`, or in drop mode is cut down to what the
 * model sends and reported as dropped, the way catalog/contract.ts treats any field the model does not take.
 */
import type { CatalogModel } from './catalog.js';
import { outsideContract } from './outside-contract.js';
import type { ImageStream } from '../domain/job.js';

export interface StreamOutcome {
  stream: ImageStream | undefined;
  /** `partial_images` when it was cut down (drop mode only). */
  dropped: string[];
}

export function checkStream(model: Pick<CatalogModel, 'id' | 'spec'>, stream: ImageStream | undefined, opts: { dropUnsupported: boolean }): StreamOutcome {
  const most = model.spec.stream.partial_images;
  if (!stream || stream.partialImages <= most) return { stream, dropped: [] };
  if (opts.dropUnsupported) return { stream: { partialImages: most }, dropped: ['partial_images'] };
  const sends = most === 0 ? 'sends no partial images: it streams the finished image only' : `sends at most ${most} partial images`;
  throw outsideContract(
    'partial_images',
    `Model "${model.id}" ${sends}. Lower partial_images to ${most}${most === 0 ? ' or remove it' : ''} (see GET /v1/models/${model.id}).`,
  );
}
