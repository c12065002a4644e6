/**
 * The public size / aspect_ratio / resolution → DashScope's single `size` field ("1280*1280" or "2K").
 * Anything the model cannot take exactly is a 400 naming the field and listing what the model accepts.
 */
import { invalidRequest } from '../../domain/errors.js';
import type { ImageJob } from '../../domain/job.js';
import { describeSizeRule, parseSize, sizeRuleViolation } from '../../domain/size.js';
import { fromUpstreamSize, type ModelTraits, toUpstreamSize } from './mapping.js';

const quoted = (values: readonly string[]) => values.map((v) => `"${v}"`).join(', ');

/** What the model takes instead (its traits are those of the job's operation), for messages about a field it does not take. */
function alternatives(traits: ModelTraits): string {
  const options: string[] = [];
  const tiers = traits.tiers;
  if (tiers.length) options.push(`resolution (${quoted(tiers)})`);
  const ratios = Object.keys(traits.aspectRatios);
  if (ratios.length) options.push(`aspect_ratio (${quoted(ratios)})`);
  if (traits.sizes.listed.length || traits.sizes.rule) options.push('size');
  return options.length ? `use ${options.join(' or ')}` : 'leave the size to the model';
}

function tierFor(resolution: string, job: ImageJob, traits: ModelTraits, model: string): string {
  const tiers = traits.tiers;
  if (tiers.includes(resolution)) return resolution;
  const why = tiers.length ? `takes resolution ${quoted(tiers)} for ${job.operation}` : `does not take resolution; ${alternatives(traits)}`;
  throw invalidRequest('resolution', `resolution "${resolution}" is not available: model "${model}" ${why}.`);
}

function ratioFor(ratio: string, traits: ModelTraits, model: string): string {
  if (Object.hasOwn(traits.aspectRatios, ratio)) return traits.aspectRatios[ratio]!;
  const ratios = Object.keys(traits.aspectRatios);
  const why = ratios.length ? `takes aspect_ratio ${quoted(ratios)}` : `does not take aspect_ratio; ${alternatives(traits)}`;
  throw invalidRequest('aspect_ratio', `aspect_ratio "${ratio}" is not available: model "${model}" ${why}.`);
}

function freeSizeFor(size: string, traits: ModelTraits, model: string): string {
  const dims = parseSize(size);
  if (!dims || dims === 'auto') throw invalidRequest('size', `size "${size}" must be "auto" or WIDTHxHEIGHT, e.g. "1280x1280".`);
  const { listed, rule } = traits.sizes;
  if (listed.includes(size)) return toUpstreamSize(size);
  const why = rule ? sizeRuleViolation(dims, rule) : 'it is not one of the listed sizes';
  if (rule && !why) return toUpstreamSize(size);
  const accepted = [...(listed.length ? [quoted(listed)] : []), ...(rule ? [describeSizeRule(rule)] : [])];
  if (!accepted.length) throw invalidRequest('size', `size "${size}" is not available: model "${model}" takes no WIDTHxHEIGHT size; ${alternatives(traits)}.`);
  throw invalidRequest('size', `size "${size}" is not accepted by model "${model}" (${why}). Accepted: ${accepted.join('; ')}.`);
}

/** The upstream `size`, or undefined to leave the model's default. */
export function upstreamSize(job: ImageJob, traits: ModelTraits, model: string): string | undefined {
  const { aspect_ratio: ratio, resolution } = job.params;
  const size = job.params.size === 'auto' ? undefined : job.params.size;
  if (resolution !== undefined) {
    // DashScope has one size field: a tier and explicit dimensions cannot both be honoured.
    if (size !== undefined) throw invalidRequest('size', `send either size or resolution, not both: model "${model}" takes one size value.`);
    if (ratio !== undefined)
      throw invalidRequest('aspect_ratio', `send either aspect_ratio or resolution, not both: model "${model}" cannot combine a tier with an aspect ratio.`);
    return tierFor(resolution, job, traits, model);
  }
  if (ratio !== undefined) {
    const mapped = ratioFor(ratio, traits, model);
    if (size !== undefined && toUpstreamSize(size) !== mapped) {
      throw invalidRequest(
        'size',
        `size "${size}" contradicts aspect_ratio "${ratio}", which model "${model}" renders at ${fromUpstreamSize(mapped)}; send one of the two.`,
      );
    }
    return mapped;
  }
  return size === undefined ? undefined : freeSizeFor(size, traits, model);
}
