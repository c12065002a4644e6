/**
 * Decides the OpenAI endpoint and the exact fields to send for a job, or throws the 400 that says why the
 * model cannot honour it. What the model accepts is the catalog's (route.model); which endpoint takes which
 * field is OpenAI's (mapping.ts). Pure: validate() runs it before money is held, generate() runs it again
 * to build the request, so both always agree.
 */
import { invalidRequest } from '../../domain/errors.js';
import type { ImageJob, JsonValue, Operation } from '../../domain/job.js';
import { describeSizeRule, parseSize, sizeRuleViolation } from '../../domain/size.js';
import type { ModelFacts, Route } from '../../domain/adapter.js';
import type { ImagesApiFlavour } from './flavour.js';
import {
  ALPHA_FORMATS,
  COMPRESSIBLE_FORMATS,
  DEFAULT_OUTPUT_FORMAT,
  ENDPOINT_OF,
  type Endpoint,
  JSON_ONLY_EDIT_FIELDS,
  type ModelProfile,
  takesResponseFormat,
} from './mapping.js';

export type FieldValue = string | number;

export interface OpenAIPlan {
  endpoint: Endpoint;
  /** How the body is sent: generations are JSON; edits are multipart unless a field needs the JSON form. */
  encoding: 'json' | 'multipart';
  /** Upstream field → value, in the order they are sent. */
  fields: Map<string, FieldValue>;
  profile: ModelProfile | undefined;
  /**
   * Ask OpenAI for its own stream, with this many partial images: only when the client reads an image stream
   * that wants partial images, for one image (OpenAI streams one image per request).
   */
  upstreamStream?: { partialImages: number };
}

const quoted = (values: readonly unknown[]) => values.map((v) => `"${String(v)}"`).join(', ');

/** The endpoints the catalog model is served on: those of the operations it lists. */
const endpointsOf = (model: ModelFacts): Endpoint[] => (Object.keys(model.operations) as Operation[]).map((op) => ENDPOINT_OF[op]);

/**
 * Fields the catalog model takes on any of its operations (OpenAI's FIELD_MAP says on which endpoints).
 * Read for every field of every request, so worked out once per catalog model.
 */
const fieldsOfModel = new WeakMap<ModelFacts, ReadonlySet<string>>();
function fieldsOf(model: ModelFacts): ReadonlySet<string> {
  let fields = fieldsOfModel.get(model);
  if (!fields) {
    fields = new Set([...Object.keys(model.fields), ...Object.values(model.operations).flatMap((op) => Object.keys(op?.fields ?? {}))]);
    fieldsOfModel.set(model, fields);
  }
  return fields;
}

export function planRequest(job: ImageJob, route: Route, flavour: ImagesApiFlavour): OpenAIPlan {
  const { upstreamModel, model } = route;
  const profile = flavour.profileFor(upstreamModel);
  const endpoint = ENDPOINT_OF[job.operation];
  const who = `Model "${job.model}" (${flavour.who} ${upstreamModel})`;
  const endpoints = endpointsOf(model);
  if (!endpoints.includes(endpoint)) {
    const ops = Object.entries(ENDPOINT_OF)
      .filter(([, ep]) => endpoints.includes(ep))
      .map(([op]) => op);
    throw invalidRequest('model', `${who} does not support ${job.operation}; it supports ${ops.join(', ')}.`);
  }
  checkImages(job, endpoint, model, who);
  const maxN = model.n.max;
  if (job.n > maxN) throw invalidRequest('n', `${who} makes at most ${maxN} image${maxN > 1 ? 's' : ''} per request; lower n.`);

  const fields = new Map<string, FieldValue>([['model', upstreamModel]]);
  if (endpoint !== 'variations') fields.set('prompt', job.prompt);
  fields.set('n', job.n);
  for (const [name, raw] of Object.entries(job.params)) {
    if (raw === undefined || raw === null) continue;
    const [to, value] = translate(name, raw, endpoint, profile, model, who, flavour);
    const earlier = fields.get(to);
    if (earlier !== undefined && earlier !== value) {
      throw invalidRequest(
        name,
        `${name} "${String(raw)}" means size ${String(value)}, but size is "${String(earlier)}". Send only one of them, or make them agree.`,
      );
    }
    fields.set(to, value);
  }
  checkSize(fields.get('size'), model, who);
  checkFormatPairs(job);
  if (takesResponseFormat(upstreamModel, profile)) fields.set('response_format', job.responseFormat);
  if (job.user) fields.set('user', job.user);
  const encoding = endpoint === 'generations' || (endpoint === 'edits' && JSON_ONLY_EDIT_FIELDS.some((f) => fields.has(f))) ? 'json' : 'multipart';
  const upstreamStream = streamPlan(job, endpoint, upstreamModel, profile, who);
  return { endpoint, encoding, fields, profile, ...(upstreamStream ? { upstreamStream } : {}) };
}

/** OpenAI streams GPT Image generations and edits; DALL·E (which answers url or b64_json) has no stream. */
function streamPlan(job: ImageJob, endpoint: Endpoint, upstreamModel: string, profile: ModelProfile | undefined, who: string): OpenAIPlan['upstreamStream'] {
  const partialImages = job.stream?.partialImages ?? 0;
  if (partialImages === 0 || job.n > 1) return undefined;
  if (endpoint === 'variations' || takesResponseFormat(upstreamModel, profile)) {
    throw invalidRequest('partial_images', `${who} sends no partial images: OpenAI streams GPT Image models only. Remove partial_images.`);
  }
  return { partialImages };
}

function translate(
  name: string,
  raw: JsonValue,
  endpoint: Endpoint,
  profile: ModelProfile | undefined,
  model: ModelFacts,
  who: string,
  flavour: ImagesApiFlavour,
): [string, FieldValue] {
  const rule = flavour.fieldMap[name] ?? (flavour.passesListedFields ? { to: name, on: Object.values(ENDPOINT_OF) } : undefined);
  if (!rule) {
    const hint = name === 'resolution' && flavour.fieldMap.size ? ' and choose the output with size' : '';
    throw invalidRequest(name, `${flavour.who} image models have no ${name} parameter; remove it${hint}.`);
  }
  if (!rule.on.includes(endpoint)) {
    throw invalidRequest(
      name,
      `On ${flavour.who}, ${name} applies only to ${rule.on.map((ep) => `/images/${ep}`).join(' and ')}; remove it from this request.`,
    );
  }
  const common = flavour.commonParams;
  if (!common.includes(name) && !fieldsOf(model).has(name)) {
    const extras = [...fieldsOf(model)].filter((f) => !common.includes(f));
    const takes = [...common.filter((p) => p !== 'aspect_ratio'), ...extras];
    throw invalidRequest(name, `${who} does not take ${name}; it takes ${takes.join(', ')}. Remove ${name}.`);
  }
  const given: FieldValue = typeof raw === 'number' ? raw : String(raw);
  const value = rule.value ? rule.value(given, profile) : given;
  if (value === undefined) {
    const ratios = profile
      ? Object.entries(profile.sizeOfRatio)
          .map(([r, s]) => `${r} (${s})`)
          .join(', ')
      : '';
    throw invalidRequest(
      name,
      `${who} has no output size with ${name} "${String(raw)}". ${ratios ? `Use one of ${ratios}, or send size.` : 'Send size instead.'}`,
    );
  }
  const qualities = model.fields.quality?.values;
  if (name === 'quality' && qualities && !qualities.includes(String(value))) {
    throw invalidRequest('quality', `${who} takes quality ${quoted(qualities)}; "${String(value)}" is not one of them.`);
  }
  return [rule.to, value];
}

function checkImages(job: ImageJob, endpoint: Endpoint, model: ModelFacts, who: string): void {
  const count = job.images.length;
  if (endpoint === 'generations') return;
  if (count === 0) throw invalidRequest('image', `${job.operation} needs an input image; send it in image.`);
  // image-to-image goes to /images/edits: without its own limits there, the edit's apply.
  const limits = (model.operations[job.operation] ?? model.operations.edit)?.images;
  const max = endpoint === 'variations' ? 1 : (limits?.max_images ?? Infinity);
  if (count > max)
    throw invalidRequest(job.images[max]!.field, `${who} takes at most ${max} input image${max > 1 ? 's' : ''} for ${job.operation}; ${count} were sent.`);
  if (job.mask && endpoint !== 'edits') throw invalidRequest(job.mask.field, `A mask applies only to edits; remove it from this ${job.operation} request.`);
}

function checkSize(size: FieldValue | undefined, model: ModelFacts, who: string): void {
  // A model whose catalog entry lists no sizes takes none: the contract check refuses size before this.
  if (size === undefined || !model.sizes) return;
  const { values: sizes, rule } = model.sizes;
  const s = String(size);
  if (sizes.includes(s)) return;
  const dims = parseSize(s);
  if (rule && dims && dims !== 'auto') {
    const why = sizeRuleViolation(dims, rule);
    if (!why) return;
    throw invalidRequest('size', `size "${s}" does not fit ${who}: ${why}. It takes ${quoted(sizes)} or ${describeSizeRule(rule)}.`);
  }
  throw invalidRequest('size', `${who} takes size ${quoted(sizes)}${rule ? ` or ${describeSizeRule(rule)}` : ''}; "${s}" is not one of them.`);
}

/** Pairs OpenAI cannot honour together; the format decides, so the message names the other field. */
function checkFormatPairs(job: ImageJob): void {
  const { background, output_compression: compression } = job.params;
  const format = job.params.output_format ?? DEFAULT_OUTPUT_FORMAT;
  if (background === 'transparent' && !ALPHA_FORMATS.includes(format)) {
    throw invalidRequest(
      'background',
      `background "transparent" needs output_format ${quoted(ALPHA_FORMATS)}; ${format} has no transparency. Change output_format or background.`,
    );
  }
  if (compression !== undefined && compression !== null && !COMPRESSIBLE_FORMATS.includes(format)) {
    throw invalidRequest(
      'output_compression',
      `output_compression applies to output_format ${quoted(COMPRESSIBLE_FORMATS)} only, and the output is ${format}. Set output_format to jpeg or webp, or remove output_compression.`,
    );
  }
}
