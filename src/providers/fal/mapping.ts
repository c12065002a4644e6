/**
 * imagegate job → fal.ai's queue API, as data (fal's Queue API reference, docs.fal.ai/model-endpoints/queue,
 * and each model's API page on fal.ai). A catalog model names its fal model id as the route's upstream model
 * (`fal-ai/flux/dev`) and, where the model's inputs differ from fal's usual names, its input mapping in the
 * route's options (inputs.ts). Nothing here does I/O.
 */

export const FAL = 'fal.ai';

/**
 * fal's named image sizes (the `image_size` enum most fal image models share) and their pixels, for models
 * whose route says `size_format: enum`.
 */
export const SIZE_NAMES: Readonly<Record<string, string>> = {
  '1024x1024': 'square_hd',
  '512x512': 'square',
  '768x1024': 'portrait_4_3',
  '576x1024': 'portrait_16_9',
  '1024x768': 'landscape_4_3',
  '1024x576': 'landscape_16_9',
};

/** Queue status values (fal's Queue API: status). */
export const QUEUE_STATUS = { queued: 'IN_QUEUE', running: 'IN_PROGRESS', completed: 'COMPLETED' } as const;

/** Image content types fal reports that the gateway takes as they are. */
export const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/webp']);
