/**
 * The public contract check: a job is held against its model's catalog contract before any money moves.
 * Each failure is a 400 that names the field and says what the model accepts.
 */
import type { CatalogModel } from './catalog.js';
import type { FieldRule } from '../domain/model-spec.js';
import { invalidRequest } from '../domain/errors.js';
import { outsideContract } from './outside-contract.js';
import { excerpt } from '../domain/excerpt.js';
import type { ImageParams, JsonValue, Operation, ResponseFormat } from '../domain/job.js';
import { describeSizeRule, isSizeTier, parseSize, sizeRuleViolation } from '../domain/size.js';

export interface ContractInput {
  operation: Operation;
  prompt: string | undefined;
  n: number | undefined;
  params: ImageParams;
  /** Params sent as untyped form text (DraftRequest.textParams), read as the type their field declares. */
  textParams?: readonly string[];
  responseFormat: ResponseFormat | undefined;
}

export interface ContractOutcome {
  prompt: string;
  n: number;
  params: ImageParams;
  responseFormat: ResponseFormat;
  /** Fields removed because the model does not take them (drop mode only). */
  dropped: string[];
}

const list = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');

export function fieldsFor(model: Pick<CatalogModel, 'spec'>, op: Operation): Record<string, FieldRule> {
  return { ...model.spec.fields, ...(model.spec.operations[op]?.fields ?? {}) };
}

export function checkContract(model: CatalogModel, input: ContractInput, opts: { dropUnsupported: boolean }): ContractOutcome {
  const spec = model.spec;
  const opSpec = spec.operations[input.operation];
  if (!opSpec) {
    const offered = Object.entries(spec.operations)
      .map(([op, o]) => `${op} (${o.endpoint})`)
      .join(', ');
    throw invalidRequest('model', `Model "${model.id}" does not support ${input.operation}; it supports ${offered}.`);
  }

  const prompt = input.prompt ?? '';
  if (input.operation !== 'variation' && spec.prompt.required && prompt.trim() === '') {
    throw invalidRequest('prompt', 'prompt is required: describe the image you want.');
  }
  if (prompt.length > spec.prompt.max_length) {
    throw invalidRequest('prompt', `prompt is ${prompt.length} characters; model "${model.id}" accepts at most ${spec.prompt.max_length}.`);
  }

  const n = input.n ?? spec.n.default;
  if (!Number.isInteger(n) || n < 1 || n > spec.n.max) {
    throw invalidRequest('n', `n must be an integer from 1 to ${spec.n.max} for model "${model.id}".`);
  }

  const responseFormat = input.responseFormat ?? spec.default_response_format;
  if (!spec.response_formats.includes(responseFormat)) {
    throw invalidRequest('response_format', `response_format must be one of ${list(spec.response_formats)} for model "${model.id}".`);
  }

  const fields = fieldsFor(model, input.operation);
  const params: ImageParams = {};
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(tierAsResolution(model, fields, input.params))) {
    if (value === undefined) continue;
    if (name === 'size') {
      if (!spec.sizes) {
        if (opts.dropUnsupported) {
          dropped.push(name);
          continue;
        }
        throw outsideContract(
          'size',
          `Model "${model.id}" does not take size${fields.aspect_ratio ? '; use aspect_ratio' : ''}. Remove the field or pick a model whose contract lists it (GET /v1/models/${model.id}).`,
        );
      }
      checkSize(model, value, tiersOf(fields));
      params.size = value as string;
      continue;
    }
    const rule = fields[name];
    if (!rule) {
      if (opts.dropUnsupported) {
        dropped.push(name);
        continue;
      }
      throw outsideContract(
        name,
        `Model "${model.id}" does not accept the field "${name}". Remove it, or see the fields this model accepts at GET /v1/models/${model.id}.`,
      );
    }
    const typed = input.textParams?.includes(name) ? fromFormText(rule, value) : value;
    checkField(model, name, rule, typed);
    params[name] = typed;
  }
  return { prompt, n, params, responseFormat, dropped };
}

/** Resolution tiers the model offers on this operation: its `resolution` values. */
function tiersOf(fields: Record<string, FieldRule>): string[] {
  return (fields.resolution?.values ?? []).filter((v): v is string => typeof v === 'string');
}

/** Everything `size` may be for this model, for error messages. */
function acceptedSizes(model: CatalogModel, tiers: readonly string[]): string {
  const sizes = model.spec.sizes;
  const parts = [...(sizes?.values ?? []), ...(sizes?.rule ? [describeSizeRule(sizes.rule)] : [])];
  if (tiers.length) parts.push(`a resolution tier ${tiers.join(', ')}`);
  return parts.join('; ') || 'no size (the model takes none)';
}

/**
 * `size: "2K"` is how Seedream and DashScope spell a resolution tier. Where the model's contract lists
 * tiers (its `resolution` values) the tier becomes `resolution`, so adapters and pricing find a tier in one
 * place only. A tier the model does not offer is a 400 on size that lists what the model takes.
 */
function tierAsResolution(model: CatalogModel, fields: Record<string, FieldRule>, params: ImageParams): ImageParams {
  const size = params.size;
  if (typeof size !== 'string' || !isSizeTier(size)) return params;
  const tiers = tiersOf(fields);
  // A model that takes no size at all: the field check below says so (or drops it in drop mode).
  if (!tiers.length && !model.spec.sizes) return params;
  if (!tiers.includes(size)) {
    throw invalidRequest('size', `size "${size}" is a resolution tier that model "${model.id}" does not offer. Accepted: ${acceptedSizes(model, tiers)}.`);
  }
  if (params.resolution !== undefined && params.resolution !== size) {
    throw invalidRequest('size', `size "${size}" and resolution ${JSON.stringify(params.resolution)} disagree; send the tier once, as size or as resolution.`);
  }
  const { size: _tier, ...rest } = params;
  return { ...rest, resolution: size };
}

function checkSize(model: CatalogModel, value: JsonValue, tiers: readonly string[]): void {
  const sizes = model.spec.sizes!;
  const accepted = acceptedSizes(model, tiers);
  if (typeof value !== 'string') throw invalidRequest('size', `size must be a string like "1024x1024" or "auto"; model "${model.id}" accepts: ${accepted}.`);
  const parsed = parseSize(value);
  if (!parsed) throw invalidRequest('size', `size "${value}" is not "auto" or WIDTHxHEIGHT (digits and a lowercase x, e.g. "1024x1024").`);
  if (sizes.values.includes(value)) return;
  if (parsed !== 'auto' && sizes.rule) {
    const why = sizeRuleViolation(parsed, sizes.rule);
    if (!why) return;
    throw invalidRequest('size', `size "${value}" is not accepted by model "${model.id}": ${why}. Accepted: ${accepted}.`);
  }
  throw invalidRequest('size', `size "${value}" is not accepted by model "${model.id}". Accepted: ${accepted}.`);
}

const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * A form field's text as the type the model's field declares; text that does not spell that type stays text,
 * so checkField refuses it with the usual message.
 */
function fromFormText(rule: FieldRule, value: JsonValue): JsonValue {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (rule.type === 'integer' && INTEGER_TEXT.test(text)) return Number(text);
  if (rule.type === 'number' && NUMBER_TEXT.test(text)) return Number(text);
  if (rule.type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return value;
}

/** Longer than any value a model's enumerated or free-text params need; such strings end up in logs. */
const PARAM_STRING_MAX_LENGTH = 4096;

function checkField(model: CatalogModel, name: string, rule: FieldRule, value: JsonValue): void {
  const want = rule.type;
  const typeOk =
    want === 'string'
      ? typeof value === 'string'
      : want === 'integer'
        ? typeof value === 'number' && Number.isInteger(value)
        : want === 'number'
          ? typeof value === 'number' && Number.isFinite(value)
          : want === 'boolean'
            ? typeof value === 'boolean'
            : want === 'array'
              ? Array.isArray(value)
              : typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!typeOk) throw invalidRequest(name, `${name} must be ${want === 'integer' ? 'an integer' : `a ${want}`}.`);
  if (typeof value === 'string' && value.length > PARAM_STRING_MAX_LENGTH) {
    throw invalidRequest(name, `${name} is ${value.length} characters; at most ${PARAM_STRING_MAX_LENGTH} are accepted.`);
  }
  if (rule.values && !rule.values.includes(value as string | number | boolean)) {
    throw invalidRequest(name, `${name} ${excerpt(JSON.stringify(value))} is not accepted by model "${model.id}"; use one of ${list(rule.values)}.`);
  }
  if (typeof value === 'number') {
    if (rule.min !== undefined && value < rule.min) throw invalidRequest(name, `${name} must be at least ${rule.min}.`);
    if (rule.max !== undefined && value > rule.max) throw invalidRequest(name, `${name} must be at most ${rule.max}.`);
  }
  if (typeof value === 'string' && rule.max_length !== undefined && value.length > rule.max_length) {
    throw invalidRequest(name, `${name} is ${value.length} characters; at most ${rule.max_length} are accepted.`);
  }
}
