/**
 * Decides the BFL endpoint and the exact body fields for a job, or throws the 400 that says why it cannot be
 * sent. Pure: validate() runs it before money is held, submit again to build the request. The catalog's
 * contract has already checked values and ranges (size rule, ratios, field bounds); this maps them.
 */
import type { ModelFacts, Route } from '../../domain/adapter.js';
import { invalidRequest } from '../../domain/errors.js';
import type { ImageJob, JsonValue, Operation } from '../../domain/job.js';
import { parseSize } from '../../domain/size.js';
import { BFL, type BflEndpoint, ENDPOINTS } from './mapping.js';

export interface BflPlan {
  /** The path under the base URL, `/v1/{model}`. */
  path: string;
  endpoint: BflEndpoint;
  /** BFL body fields except the input images, which the request adds. */
  fields: Record<string, JsonValue>;
}

/** Params the catalog model offers on the operation that the endpoint defines: the catalog narrows, the endpoint bounds. */
function offeredFields(model: ModelFacts, operation: Operation, defined: readonly string[]): string[] {
  const op = model.operations[operation];
  return [...new Set([...Object.keys(model.fields), ...Object.keys(op?.fields ?? {})])].filter((f) => defined.includes(f));
}

function geometryFields(job: ImageJob, endpoint: BflEndpoint, who: string): Record<string, JsonValue> {
  const size = job.params.size;
  if (size === undefined || size === 'auto') return {};
  if (endpoint.geometry === 'ratio') throw invalidRequest('size', `${who} takes aspect_ratio, not size; send aspect_ratio instead.`);
  const d = parseSize(size);
  if (!d || d === 'auto') throw invalidRequest('size', `${who} takes size as WIDTHxHEIGHT; "${size}" is not one.`);
  return { width: d.width, height: d.height };
}

export function planJob(job: ImageJob, route: Route): BflPlan {
  const endpoint = ENDPOINTS[route.upstreamModel];
  const who = `Model "${job.model}" (${BFL} ${route.upstreamModel})`;
  if (!endpoint) throw invalidRequest('model', `${who} is not a ${BFL} endpoint this gateway knows; the operator must fix the catalog route.`);
  const edits = endpoint.inputImages !== undefined;
  if (job.operation !== 'text-to-image' && !(edits && job.operation === 'edit')) {
    throw invalidRequest('model', `${who} does ${edits ? 'text-to-image and edit' : 'text-to-image'}; ${job.operation} is another model's work.`);
  }
  if (job.n > 1) throw invalidRequest('n', `${who} makes one image per request; send n 1.`);
  if (job.mask) throw invalidRequest(job.mask.field, `${who} takes no mask: describe the change in the prompt instead.`);
  const maxImages = endpoint.inputImages ?? 0;
  if (job.operation === 'edit' && job.images.length === 0) throw invalidRequest('image', `${who} needs an image to edit.`);
  if (job.images.length > maxImages) {
    const extra = job.images[maxImages]!;
    throw invalidRequest(extra.field, `${who} takes at most ${maxImages} image${maxImages === 1 ? '' : 's'}; ${job.images.length} were sent.`);
  }
  if (!job.prompt) throw invalidRequest('prompt', `${who} needs a prompt.`);
  const fields: Record<string, JsonValue> = { prompt: job.prompt, ...geometryFields(job, endpoint, who) };
  const defined = endpoint.geometry === 'ratio' ? [...endpoint.fields, 'aspect_ratio'] : endpoint.fields;
  const offered = offeredFields(route.model, job.operation, defined);
  for (const [name, value] of Object.entries(job.params)) {
    if (name === 'size' || value === undefined || value === null) continue;
    if (!offered.includes(name))
      throw invalidRequest(
        name,
        `${who} does not take ${name}; it takes ${[...(endpoint.geometry === 'pixels' ? ['size'] : []), ...offered].join(', ')}. Remove ${name}.`,
      );
    fields[name] = value;
  }
  return { path: `/v1/${route.upstreamModel}`, endpoint, fields };
}
