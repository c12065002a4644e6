/**
 * Decides imageConfig (aspectRatio, imageSize) for a job from its public size / aspect_ratio / resolution,
 * and the output dimensions that follow from it. Pure: validate() and generate() both call it, so a job that
 * cannot be represented exactly is a 400 before any money is held.
 */
import { invalidRequest } from '../../domain/errors.js';
import type { ImageJob, InputImage } from '../../domain/job.js';
import type { ModelFacts, Route } from '../../domain/adapter.js';
import { type GeminiProfile, OPENAI_SIZE_APPROXIMATIONS, profileFor, sizeAt, TIERS, tableSizes, type Tier } from './mapping.js';

export interface ImageConfig {
  aspectRatio?: string;
  imageSize?: Tier;
}

export interface ResolvedImageConfig {
  imageConfig: ImageConfig;
  /** WxH Gemini returns for this config, when the ratio is known. */
  outputSize?: string;
}

/** The model's profile: the ratios and tiers its catalog entry offers on this operation, sized by mapping.ts. */
function profileOf(job: ImageJob, route: Route): GeminiProfile | undefined {
  const fields = { ...route.model.fields, ...(route.model.operations[job.operation]?.fields ?? {}) };
  return profileFor(route.upstreamModel, { ratios: fields.aspect_ratio?.values ?? [], tiers: fields.resolution?.values ?? [] });
}

export function resolveImageConfig(job: ImageJob, route: Route): ResolvedImageConfig {
  const { upstreamModel } = route;
  const profile = profileOf(job, route);
  checkInputs(job, route.model);
  if (!profile) return passThrough(job, upstreamModel);
  const fromSize = shapeOfSize(job, profile);
  const ratio = fromSize?.ratio ?? checkRatio(job, profile) ?? nearestRatio(job.images[0], profile);
  const tier = fromSize?.tier ?? checkTier(job, profile);
  const imageSize = profile.takesImageSize ? tier : undefined;
  return {
    imageConfig: { ...(ratio ? { aspectRatio: ratio } : {}), ...(imageSize ? { imageSize } : {}) },
    outputSize: ratio ? sizeAt(profile, ratio, tier ?? '1K') : undefined,
  };
}

function checkInputs(job: ImageJob, model: ModelFacts): void {
  if (job.mask) throw invalidRequest('mask', `Model "${job.model}" does not take a mask; describe the change in the prompt and send the image without one.`);
  const limits = model.operations[job.operation]?.images;
  if (!limits) return;
  if (job.images.length > limits.max_images) {
    throw invalidRequest(job.images[0]!.field, `Model "${job.model}" takes at most ${limits.max_images} reference images; ${job.images.length} were sent.`);
  }
  const big = job.images.find((img) => img.bytes.length > limits.max_bytes);
  if (big) {
    const mb = Math.round((limits.max_bytes / 1024 / 1024) * 10) / 10;
    throw invalidRequest(
      big.field,
      `${big.field} is ${big.bytes.length} bytes; Gemini takes at most ${limits.max_bytes} bytes (${mb} MB) per image. Send a smaller or more compressed image.`,
    );
  }
}

/** A `size` from the table (or one of the OpenAI sizes) → its ratio and tier; anything else is a 400. */
function shapeOfSize(job: ImageJob, profile: GeminiProfile): { ratio: string; tier: Tier } | undefined {
  const size = job.params.size;
  if (!size || size === 'auto') return undefined;
  const exact = tableSizes(profile).find((s) => s.size === size);
  const approx = OPENAI_SIZE_APPROXIMATIONS[size];
  const shape = exact ?? (approx && profile.ratios[approx] ? { ratio: approx, tier: '1K' as Tier } : undefined);
  if (!shape) throw invalidRequest('size', `size "${size}" is not an output size of model "${job.model}". ${acceptedSizes(profile)}`);
  const { aspect_ratio: ratio, resolution } = job.params;
  if (ratio !== undefined && ratio !== shape.ratio) {
    throw invalidRequest(
      'aspect_ratio',
      `size "${size}" has aspect ratio ${shape.ratio}, but aspect_ratio is "${ratio}". Send only one of them, or make them agree.`,
    );
  }
  if (resolution !== undefined && resolution !== shape.tier) {
    throw invalidRequest('resolution', `size "${size}" is a ${shape.tier} size, but resolution is "${resolution}". Send only one of them, or make them agree.`);
  }
  return shape;
}

function checkRatio(job: ImageJob, profile: GeminiProfile): string | undefined {
  const ratio = job.params.aspect_ratio;
  if (ratio === undefined) return undefined;
  if (!profile.ratios[ratio]) {
    throw invalidRequest(
      'aspect_ratio',
      `aspect_ratio "${ratio}" is not available on model "${job.model}"; use one of ${Object.keys(profile.ratios).join(', ')}.`,
    );
  }
  return ratio;
}

function checkTier(job: ImageJob, profile: GeminiProfile): Tier | undefined {
  const tier = job.params.resolution;
  if (tier === undefined) return undefined;
  if (!profile.takesImageSize) {
    throw invalidRequest('resolution', `Model "${job.model}" has a single output resolution (about 1024 px); remove resolution.`);
  }
  if (!(profile.tiers as readonly string[]).includes(tier)) {
    throw invalidRequest('resolution', `resolution "${tier}" is not available on model "${job.model}"; use one of ${profile.tiers.join(', ')}.`);
  }
  return tier as Tier;
}

/**
 * With references and no requested shape Gemini follows the first image's shape anyway; sending that ratio
 * explicitly makes the output dimensions known, so the result can report them.
 */
function nearestRatio(image: InputImage | undefined, profile: GeminiProfile): string | undefined {
  if (!image) return undefined;
  const target = Math.log(image.width / image.height);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const [ratio, [w, h]] of Object.entries(profile.ratios)) {
    const distance = Math.abs(Math.log(w / h) - target);
    if (distance < bestDistance) [best, bestDistance] = [ratio, distance];
  }
  return best;
}

/**
 * A Gemini model the tables do not know (an operator's own catalog entry): aspect_ratio and resolution go
 * through as the contract admitted them; a pixel size cannot be translated without a table.
 */
function passThrough(job: ImageJob, upstreamModel: string): ResolvedImageConfig {
  const { size, aspect_ratio: ratio, resolution } = job.params;
  if (size && size !== 'auto') {
    throw invalidRequest(
      'size',
      `Model "${job.model}" (${upstreamModel}) has no size table in this gateway; send aspect_ratio and resolution instead of size.`,
    );
  }
  if (resolution !== undefined && !(TIERS as readonly string[]).includes(resolution)) {
    throw invalidRequest('resolution', `resolution must be one of ${TIERS.join(', ')}.`);
  }
  return { imageConfig: { ...(ratio ? { aspectRatio: ratio } : {}), ...(resolution ? { imageSize: resolution as Tier } : {}) } };
}

function acceptedSizes(profile: GeminiProfile): string {
  const approx = Object.keys(OPENAI_SIZE_APPROXIMATIONS).filter((s) => profile.ratios[OPENAI_SIZE_APPROXIMATIONS[s]!]);
  const sizes = [...new Set([...tableSizes(profile).map((s) => s.size), ...approx])];
  const instead = profile.takesImageSize
    ? `aspect_ratio (${Object.keys(profile.ratios).join(', ')}) with resolution (${profile.tiers.join(', ')})`
    : `aspect_ratio (${Object.keys(profile.ratios).join(', ')})`;
  return `Accepted sizes: auto, ${sizes.join(', ')}. Or send ${instead} instead of size.`;
}
