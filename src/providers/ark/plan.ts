/**
 * Decides, without I/O, how a job is sent to Ark: the `size` value, and whether the n images come from n
 * single-image calls or from one sequential ("group") call. Anything Ark cannot honour exactly is a 400
 * naming the field, so the pipeline can refuse before money is held.
 *
 * n: Seedream has no `n`. Without `sequential_image_generation: "auto"` the adapter makes n calls at once and
 * merges them (n independent images). With "auto" it makes one call with `max_images` = n (or the client's
 * smaller max_images): Ark then returns a coherent set of up to that many images.
 */
import { invalidRequest, unsupportedField } from '../../domain/errors.js';
import { type ImageJob, listFieldOf } from '../../domain/job.js';
import type { ModelFacts, Route } from '../../domain/adapter.js';
import { FIELD_MAP, MAX_SEQUENTIAL_TOTAL, type PlanFacts, SIZE_PARAMS } from './mapping.js';
import { type SizeFacts, upstreamSize } from './size.js';

export interface ArkPlan extends PlanFacts {
  size: string | undefined;
  /** Upstream calls to make; each returns one image unless the call is sequential. */
  calls: number;
}

const formatMb = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/** `image_urls[2]` → `image_urls`: the client's field for the whole list. */

export function planJob(job: ImageJob, route: Route): ArkPlan {
  checkOperation(job, route.model);
  checkParams(job);
  return { size: upstreamSize(job.params, sizeFacts(job, route.model), job.model), ...nPlan(job) };
}

/** The catalog model's size rule, and its resolution tiers on this operation. */
function sizeFacts(job: ImageJob, model: ModelFacts): SizeFacts {
  const resolution = model.operations[job.operation]?.fields?.resolution ?? model.fields.resolution;
  return { rule: model.sizes?.rule, tiers: (resolution?.values ?? []).map(String) };
}

function checkOperation(job: ImageJob, model: ModelFacts): void {
  if (job.operation === 'variation')
    throw invalidRequest('model', `Model "${job.model}" makes no variations; send the image as a reference with a prompt to /v1/images/edits instead.`);
  if (job.mask) throw invalidRequest('mask', `Model "${job.model}" takes no mask: remove it and say in the prompt what to change.`);
  if (job.operation === 'text-to-image') return;
  const field = listFieldOf(job.images[0]?.field ?? 'image');
  if (job.images.length === 0) throw invalidRequest(field, `${job.operation} on model "${job.model}" needs at least one reference image.`);
  const limits = model.operations[job.operation]?.images;
  if (!limits) return;
  if (job.images.length > limits.max_images) {
    throw invalidRequest(field, `Model "${job.model}" takes at most ${limits.max_images} reference images; ${job.images.length} were sent.`);
  }
  const big = job.images.find((img) => img.bytes.length > limits.max_bytes);
  if (big) {
    throw invalidRequest(
      big.field,
      `${big.field} is ${big.bytes.length} bytes; model "${job.model}" takes reference images of at most ${limits.max_bytes} bytes (${formatMb(limits.max_bytes)}).`,
    );
  }
}

function checkParams(job: ImageJob): void {
  for (const [name, value] of Object.entries(job.params)) {
    if (value === undefined || SIZE_PARAMS.includes(name)) continue;
    const mapping = Object.hasOwn(FIELD_MAP, name) ? FIELD_MAP[name] : undefined;
    if (!mapping)
      throw unsupportedField(name, `Model "${job.model}" on Ark does not take "${name}". Remove it (see GET /v1/models/${job.model} for the fields it takes).`);
    if (!mapping.valid(value)) throw invalidRequest(name, `${name} must be ${mapping.accepts} for model "${job.model}".`);
  }
}

function nPlan(job: ImageJob): Pick<ArkPlan, 'calls' | 'sequentialMaxImages'> {
  const sequential = job.params.sequential_image_generation === 'auto';
  const options = job.params.sequential_image_generation_options as { max_images?: number } | undefined;
  if (!sequential) {
    if (options !== undefined) {
      throw invalidRequest(
        'sequential_image_generation_options',
        'sequential_image_generation_options only applies with sequential_image_generation "auto"; add that, or remove the options (n images are then made independently).',
      );
    }
    return { calls: job.n, sequentialMaxImages: undefined };
  }
  const maxImages = options?.max_images ?? job.n;
  // n is what was quoted and held: a larger max_images could deliver images nobody paid for.
  if (maxImages > job.n) {
    throw invalidRequest(
      'sequential_image_generation_options.max_images',
      `max_images ${maxImages} is more than n ${job.n}: set n to the number of images you want (n is what is quoted and billed); max_images may be left out.`,
    );
  }
  if (job.images.length + maxImages > MAX_SEQUENTIAL_TOTAL) {
    const param = options?.max_images !== undefined ? 'sequential_image_generation_options.max_images' : 'n';
    throw invalidRequest(
      param,
      `With sequential generation, reference images plus generated images may be at most ${MAX_SEQUENTIAL_TOTAL}; ${job.images.length} references allow at most ${MAX_SEQUENTIAL_TOTAL - job.images.length} images.`,
    );
  }
  return { calls: 1, sequentialMaxImages: maxImages };
}
