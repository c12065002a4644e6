/**
 * Decides the Stability service and the exact fields to send for a job, or throws the 400 that says why it
 * cannot be sent. Pure: validate() runs it before money is held, generate() again to build the request.
 */
import type { ModelFacts, Route } from '../../domain/adapter.js';
import { invalidRequest } from '../../domain/errors.js';
import type { ImageJob, Operation } from '../../domain/job.js';
import { FIELD_OF_PARAM, SERVICES, type StabilityService } from './mapping.js';

export type FieldValue = string | number;

export interface StabilityPlan {
  service: StabilityService;
  /** Upstream field → value, in the order they are sent (images go after them). */
  fields: Map<string, FieldValue>;
  /** The job's one image goes with the request (an edit's source, an image-to-image start). */
  sendsImage: boolean;
  /** One image per call: n images are n calls. */
  calls: number;
}

/** Params the catalog model offers on the operation that the service defines: the catalog narrows, the service bounds. */
function offeredFields(model: ModelFacts, operation: Operation, defined: readonly string[]): string[] {
  const op = model.operations[operation];
  return [...new Set([...Object.keys(model.fields), ...Object.keys(op?.fields ?? {})])].filter((f) => defined.includes(FIELD_OF_PARAM[f] ?? ''));
}

const REQUIRED_WHY: Readonly<Record<string, string>> = {
  search_prompt: 'say what to find in the image',
  strength: 'how far the output may depart from the image, 0 to 1',
};

export function planJob(job: ImageJob, route: Route): StabilityPlan {
  const service = SERVICES[route.upstreamModel];
  const who = `Model "${job.model}" (Stability AI ${route.upstreamModel})`;
  if (!service) throw invalidRequest('model', `${who} is not a Stability AI service this gateway knows; the operator must fix the catalog route.`);
  const i2i = job.operation === 'image-to-image' ? service.imageToImage : undefined;
  if (job.operation !== service.operation && !i2i) {
    const ops = [service.operation, ...(service.imageToImage ? ['image-to-image'] : [])];
    throw invalidRequest('model', `${who} does ${ops.join(' and ')}; ${job.operation} is another model's work.`);
  }
  const maxN = route.model.n.max;
  if (job.n > maxN) throw invalidRequest('n', `${who} makes at most ${maxN} image${maxN > 1 ? 's' : ''} per request; lower n.`);
  const sendsImage = service.operation === 'edit' || i2i !== undefined;
  if (sendsImage && job.images.length !== 1) {
    throw invalidRequest(job.images[1]?.field ?? 'image', `${who} takes exactly one image for ${job.operation}; ${job.images.length} were sent.`);
  }
  if (job.mask && !service.mask) throw invalidRequest(job.mask.field, `${who} takes no mask; remove it.`);
  const fields = new Map<string, FieldValue>();
  if (service.sendsModel) fields.set('model', route.upstreamModel);
  if (i2i?.sendsMode) fields.set('mode', 'image-to-image');
  if (service.prompt === 'none' && job.prompt) throw invalidRequest('prompt', `${who} takes no prompt; remove it.`);
  if (service.prompt === 'required' && !job.prompt) throw invalidRequest('prompt', `${who} needs a prompt.`);
  if (service.prompt !== 'none' && job.prompt) fields.set('prompt', job.prompt);
  const offered = offeredFields(route.model, job.operation, i2i ? i2i.fields : service.fields);
  for (const [name, raw] of Object.entries(job.params)) {
    if (raw === undefined || raw === null) continue;
    const to = FIELD_OF_PARAM[name];
    if (!to || !offered.includes(name)) {
      throw invalidRequest(name, `${who} does not take ${name}; it takes ${offered.join(', ')}. Remove ${name}.`);
    }
    if (typeof raw !== 'string' && typeof raw !== 'number') throw invalidRequest(name, `${name} must be a string or a number.`);
    fields.set(to, raw);
  }
  for (const name of i2i ? i2i.required : (service.required ?? [])) {
    if (!fields.has(name)) throw invalidRequest(name, `${who} needs ${name} for ${job.operation}: ${REQUIRED_WHY[name] ?? 'send it'}.`);
  }
  const formats = route.model.fields.output_format?.values;
  const format = fields.get('output_format');
  if (format !== undefined && formats && !formats.includes(format)) {
    throw invalidRequest('output_format', `${who} makes output_format ${formats.join(', ')}; "${String(format)}" is not one of them.`);
  }
  const sides = service.oneAboveZero;
  if (sides && !sides.some((d) => Number(fields.get(d) ?? 0) > 0)) {
    throw invalidRequest(sides[0]!, `${who} needs at least one of ${sides.join(', ')} above 0: the pixels to add on that side.`);
  }
  // One image per call: the same seed on every call would make n identical images.
  if (job.n > 1 && fields.has('seed'))
    throw invalidRequest('seed', `A seed makes one exact image; with n ${job.n} every image would be the same. Send n 1, or no seed.`);
  return { service, fields, sendsImage, calls: job.n };
}
