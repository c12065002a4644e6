/**
 * imagegate job → OpenAI Images request fields. Public names equal OpenAI's, so most fields pass as they
 * are; the table says which endpoint takes which field, and which models take response_format.
 */
import type { ImageJob } from '../../core/job.js';

type Endpoint = 'generations' | 'edits' | 'variations';

/** Public param → OpenAI field, with the endpoints that take it. */
export const FIELD_MAP: Record<string, { to: string; on: readonly Endpoint[] }> = {
  size: { to: 'size', on: ['generations', 'edits', 'variations'] },
  quality: { to: 'quality', on: ['generations', 'edits'] },
  background: { to: 'background', on: ['generations', 'edits'] },
  moderation: { to: 'moderation', on: ['generations'] },
  output_format: { to: 'output_format', on: ['generations', 'edits'] },
  output_compression: { to: 'output_compression', on: ['generations', 'edits'] },
  style: { to: 'style', on: ['generations'] },
  input_fidelity: { to: 'input_fidelity', on: ['edits'] },
};

/** GPT image models always answer b64_json and refuse response_format; DALL·E takes it. */
export const takesResponseFormat = (upstreamModel: string) => upstreamModel.startsWith('dall-e');

export function endpointOf(job: ImageJob): Endpoint {
  if (job.operation === 'variation') return 'variations';
  if (job.operation === 'edit' || job.operation === 'image-to-image') return 'edits';
  return 'generations';
}

/** The fields to send, as [name, value] pairs, for the job's endpoint. */
export function mappedFields(job: ImageJob, upstreamModel: string): Array<[string, string | number]> {
  const ep = endpointOf(job);
  const out: Array<[string, string | number]> = [['model', upstreamModel]];
  if (ep !== 'variations') out.push(['prompt', job.prompt]);
  out.push(['n', job.n]);
  for (const [name, value] of Object.entries(job.params)) {
    const rule = FIELD_MAP[name];
    if (rule && rule.on.includes(ep) && value !== undefined && value !== null) out.push([rule.to, value as string | number]);
  }
  if (takesResponseFormat(upstreamModel)) out.push(['response_format', job.responseFormat]);
  if (job.user) out.push(['user', job.user]);
  return out;
}
