/**
 * Decides the exact prediction input for a job, or throws the 400 that says why it cannot be sent. Pure:
 * validate() runs it before money is held, submit() again to build the request. Images are left for the
 * request to encode (request.ts), since publishing one as a URL is I/O.
 */
import type { Route } from '../../domain/adapter.js';
import { invalidRequest } from '../../domain/errors.js';
import type { ImageJob, InputImage, JsonValue } from '../../domain/job.js';
import { parseSize } from '../../domain/size.js';
import { modelOf, type ReplicateModel } from './mapping.js';

export type JsonObject = { [k: string]: JsonValue };

export interface ReplicatePlan {
  /** The prediction's `input`, images aside. */
  input: JsonObject;
  /** The image to send, and the input field it goes in. */
  image?: { field: string; image: InputImage };
}

const who = (job: ImageJob, route: Route) => `Model "${job.model}" (Replicate ${route.upstreamModel})`;

function translated(model: ReplicateModel, name: string, value: JsonValue): JsonValue {
  const table = model.values?.[name];
  return typeof value === 'string' && table && Object.hasOwn(table, value) ? table[value]! : value;
}

function sizeInput(model: ReplicateModel, size: string, job: ImageJob, route: Route): JsonObject {
  if (size === 'auto') return {};
  if (!model.size) throw invalidRequest('size', `${who(job, route)} takes no size; choose aspect_ratio instead.`);
  if (model.size.kind === 'text') return { [model.size.field]: size };
  const parsed = parseSize(size);
  if (!parsed || parsed === 'auto') throw invalidRequest('size', `size must be WIDTHxHEIGHT, e.g. 1024x768; "${size}" is not.`);
  return { ...model.size.with, width: parsed.width, height: parsed.height };
}

export function planJob(job: ImageJob, route: Route): ReplicatePlan {
  const { model, known } = modelOf(route.upstreamModel);
  const input: JsonObject = { prompt: job.prompt };
  if (job.n > 1) {
    if (!model.count || route.model.n.max < job.n) {
      const most = model.count ? route.model.n.max : 1;
      throw invalidRequest('n', `${who(job, route)} makes at most ${most} image${most > 1 ? 's' : ''} per request; lower n.`);
    }
    input[model.count] = job.n;
  } else if (model.count && (known || route.model.n.max > 1)) {
    input[model.count] = 1;
  }
  for (const [name, value] of Object.entries(job.params)) {
    if (value === undefined || value === null) continue;
    if (name === 'size') {
      Object.assign(input, sizeInput(model, String(value), job, route));
      continue;
    }
    const field = known ? model.inputs[name] : name;
    if (!field) throw invalidRequest(name, `${who(job, route)} does not take ${name}; remove it.`);
    input[field] = translated(model, name, value);
  }
  if (job.mask) throw invalidRequest(job.mask.field, `${who(job, route)} takes no mask; remove it.`);
  if (job.operation === 'text-to-image' || job.images.length === 0) {
    if (job.images.length) throw invalidRequest(job.images[0]!.field, `${who(job, route)} takes no image for ${job.operation}.`);
    return { input };
  }
  if (!model.image) throw invalidRequest(job.images[0]!.field, `${who(job, route)} takes no image; it does text-to-image only.`);
  if (job.images.length !== 1) {
    throw invalidRequest(job.images[1]!.field, `${who(job, route)} takes exactly one image for ${job.operation}; ${job.images.length} were sent.`);
  }
  return { input, image: { field: model.image, image: job.images[0]! } };
}
