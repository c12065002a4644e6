/**
 * The public size, aspect_ratio and resolution → Ark's one `size` field ("2048x2048", or a tier "2K").
 * Every combination Ark cannot honour exactly is a 400 naming the field and listing what works.
 */
import type { SizeRule } from '../../domain/model-spec.js';
import { invalidRequest } from '../../domain/errors.js';
import type { ImageParams } from '../../domain/job.js';
import { type Dimensions, describeSizeRule, formatSize, parseSize, sizeRuleViolation } from '../../domain/size.js';
import { ASPECT_RATIO_2K, DEFAULT_RESOLUTION, isResolution, RESOLUTION_SCALE, type Resolution, SIDE_MULTIPLE } from './mapping.js';

/** What the catalog says the model makes: its WIDTHxHEIGHT rule and the tiers Ark takes as `size`. */
export interface SizeFacts {
  rule: SizeRule | undefined;
  tiers: readonly string[];
}

const quoted = (values: readonly string[]) => values.map((v) => `"${v}"`).join(', ');

const roundSide = (side: number) => Math.round(side / SIDE_MULTIPLE) * SIDE_MULTIPLE;

/** The WxH Ark is asked for at this aspect ratio and resolution. */
export function sizeAt(ratio: string, resolution: Resolution): Dimensions | undefined {
  if (!Object.hasOwn(ASPECT_RATIO_2K, ratio)) return undefined;
  const base = ASPECT_RATIO_2K[ratio]!;
  const scale = RESOLUTION_SCALE[resolution];
  return { width: roundSide(base.width * scale), height: roundSide(base.height * scale) };
}

/** Why the model cannot make these dimensions, or undefined when it can (or states no rule). */
const violation = (dims: Dimensions, facts: SizeFacts) => (facts.rule ? sizeRuleViolation(dims, facts.rule) : undefined);

/** Resolutions whose size at this ratio the model can make. */
function resolutionsFor(ratio: string, facts: SizeFacts): Resolution[] {
  return (Object.keys(RESOLUTION_SCALE) as Resolution[]).filter((r) => !violation(sizeAt(ratio, r)!, facts));
}

/** Ark's `size` value for the job, or undefined to leave it out (Ark then makes 2048x2048). */
export function upstreamSize(params: ImageParams, facts: SizeFacts, model: string): string | undefined {
  const { aspect_ratio: ratio, resolution } = params;
  const size = params.size === 'auto' ? undefined : params.size;
  if (size !== undefined) {
    if (ratio !== undefined)
      throw invalidRequest(
        'aspect_ratio',
        `Send either size or aspect_ratio, not both: model "${model}" takes size "${size}" as it is. Remove aspect_ratio, or remove size to use the aspect ratio's recommended size.`,
      );
    if (resolution !== undefined)
      throw invalidRequest(
        'resolution',
        `Send either size or resolution, not both: size "${size}" already fixes the resolution. Remove resolution, or set size to "auto".`,
      );
    return explicitSize(size, facts, model);
  }
  if (ratio !== undefined) return aspectRatioSize(ratio, resolution ?? DEFAULT_RESOLUTION, facts, model);
  if (resolution !== undefined) {
    const tiers = facts.tiers;
    if (!tiers.includes(resolution)) {
      throw invalidRequest(
        'resolution',
        `resolution "${resolution}" is not offered by model "${model}"; use one of ${quoted(tiers)}, or a size such as "2048x2048".`,
      );
    }
    return resolution;
  }
  return undefined;
}

function explicitSize(size: string, facts: SizeFacts, model: string): string {
  const accepted = facts.rule ? describeSizeRule(facts.rule) : 'WIDTHxHEIGHT';
  const parsed = parseSize(size);
  if (!parsed || parsed === 'auto') throw invalidRequest('size', `size "${size}" is not WIDTHxHEIGHT; model "${model}" accepts ${accepted}.`);
  const why = violation(parsed, facts);
  if (why) throw invalidRequest('size', `size "${size}" cannot be made by model "${model}": ${why}. Accepted: ${accepted}.`);
  return formatSize(parsed);
}

function aspectRatioSize(ratio: string, resolution: string, facts: SizeFacts, model: string): string {
  const known = Object.keys(ASPECT_RATIO_2K);
  if (!Object.hasOwn(ASPECT_RATIO_2K, ratio)) {
    throw invalidRequest('aspect_ratio', `aspect_ratio "${ratio}" is not offered by model "${model}"; use one of ${quoted(known)}, or an explicit size.`);
  }
  const fitting = resolutionsFor(ratio, facts);
  if (!isResolution(resolution)) {
    throw invalidRequest(
      'resolution',
      `resolution "${resolution}" is not offered by model "${model}"; with aspect_ratio "${ratio}" use one of ${quoted(fitting)}.`,
    );
  }
  const dims = sizeAt(ratio, resolution)!;
  const why = violation(dims, facts);
  if (why) {
    throw invalidRequest(
      'resolution',
      `resolution "${resolution}" with aspect_ratio "${ratio}" means ${formatSize(dims)}, which model "${model}" cannot make (${why}); with aspect_ratio "${ratio}" use resolution ${quoted(fitting)}.`,
    );
  }
  return formatSize(dims);
}
