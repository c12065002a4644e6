/**
 * The fal input object for a job (images aside, which need I/O), or the 400 that says why the job cannot be
 * sent. Pure: validate() runs it before money is held, submit again to build the request.
 */
import type { Route } from '../../domain/adapter.js';
import { invalidRequest } from '../../domain/errors.js';
import type { ImageJob, JsonValue } from '../../domain/job.js';
import { parseSize } from '../../domain/size.js';
import { type InputMap, inputMapOf } from './inputs.js';
import { FAL, SIZE_NAMES } from './mapping.js';

export interface FalPlan {
  /** The fal model id (`fal-ai/flux/dev`): the submit path under the queue's base URL. */
  modelId: string;
  map: InputMap;
  /** fal inputs except the images. */
  input: Record<string, JsonValue>;
}

const MODEL_ID = /^[\w.-]+\/[\w.-]+(\/[\w.-]+)*$/;

function sizeInput(job: ImageJob, map: InputMap, who: string): JsonValue | undefined {
  const size = job.params.size;
  if (size === undefined || size === 'auto') return undefined;
  if (!map.size) throw invalidRequest('size', `${who} takes no size; remove it.`);
  const d = parseSize(size);
  if (!d || d === 'auto') throw invalidRequest('size', `${who} takes size as WIDTHxHEIGHT; "${size}" is not one.`);
  if (map.size.format === 'object') return { width: d.width, height: d.height };
  const name = SIZE_NAMES[size];
  if (!name) throw invalidRequest('size', `${who} makes ${Object.keys(SIZE_NAMES).join(', ')}; "${size}" is not one of them.`);
  return name;
}

function checkImages(job: ImageJob, map: InputMap, who: string): void {
  if (job.mask && !map.mask) throw invalidRequest(job.mask.field, `${who} takes no mask; remove it.`);
  if (job.images.length === 0 || map.images) return;
  if (!map.image) throw invalidRequest(job.images[0]!.field, `${who} takes no input image; remove it.`);
  if (job.images.length > 1) throw invalidRequest(job.images[1]!.field, `${who} takes one input image; ${job.images.length} were sent.`);
}

export function planJob(job: ImageJob, route: Route): FalPlan {
  const modelId = route.upstreamModel;
  const who = `Model "${job.model}" (${FAL} ${modelId})`;
  if (!MODEL_ID.test(modelId)) throw invalidRequest('model', `${who} names no fal model id (owner/name); the operator must fix the catalog route.`);
  const map = inputMapOf(route);
  const input: Record<string, JsonValue> = { prompt: job.prompt };
  const size = sizeInput(job, map, who);
  if (size !== undefined) input[map.size!.name] = size;
  if (map.n) input[map.n] = job.n;
  else if (job.n > 1) throw invalidRequest('n', `${who} makes one image per request; send n 1.`);
  checkImages(job, map, who);
  const op = route.model.operations[job.operation];
  const offered = new Set([...Object.keys(route.model.fields), ...Object.keys(op?.fields ?? {})]);
  for (const [name, value] of Object.entries(job.params)) {
    if (name === 'size' || value === undefined || value === null) continue;
    if (!offered.has(name)) throw invalidRequest(name, `${who} does not take ${name}; remove it.`);
    input[name] = value;
  }
  return { modelId, map, input };
}
