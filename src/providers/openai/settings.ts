/**
 * The settings an OpenAI reply reports it used (`size`, `quality`, `background`, `output_format`), made to
 * follow OpenAI's own families: GPT image models report what they used, DALL·E reports none of them.
 * A GPT image reply that leaves one out (an OpenAI-compatible relay) is completed from the request where
 * the request named a concrete value, since the upstream accepted the request only by honouring it;
 * `auto` stays unknown rather than being guessed.
 */
import type { ImageResult } from '../../domain/job.js';
import type { OpenAIPlan } from './plan.js';

type Settings = NonNullable<ImageResult['meta']>;
const SETTINGS = ['size', 'quality', 'background', 'output_format'] as const;

export function settingsUsed(reported: ImageResult['meta'], plan: OpenAIPlan): ImageResult['meta'] {
  // An operator's own model, unknown to the tables: what its upstream reported, as it is.
  if (!plan.profile) return reported;
  if (!plan.profile.reportsSettings) return undefined;
  const out: Settings = {};
  for (const name of SETTINGS) {
    const upstream = reported?.[name];
    const requested = plan.fields.get(name);
    if (upstream !== undefined && upstream !== 'auto') out[name] = upstream;
    else if (typeof requested === 'string' && requested !== 'auto') out[name] = requested;
  }
  return Object.keys(out).length ? out : undefined;
}
