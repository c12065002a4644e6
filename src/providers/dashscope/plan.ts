/**
 * Decides, without I/O, how a job goes to DashScope: the protocol, the upstream `size`, and each public
 * parameter's upstream field. Everything the model cannot honour exactly is a 400 here, so validate() and
 * generate() share one answer.
 */
import { GatewayError, invalidRequest } from '../../domain/errors.js';
import type { ImageJob, ImageParams, JsonValue } from '../../domain/job.js';
import type { ModelFacts, Route } from '../../domain/adapter.js';
import {
  ALWAYS_SENT_DEFAULTS,
  GEOMETRY_PARAMETERS,
  MAX_N_PER_REQUEST,
  spellingOf,
  type ModelSpelling,
  type ModelTraits,
  NATIVE_FIELDS,
  type NativeField,
  PARAMETERS,
  PROTOCOL_OPTION,
  PROTOCOLS,
  type Protocol,
} from './mapping.js';
import { upstreamSize } from './size.js';

export interface UpstreamValue {
  at: 'input' | 'parameters';
  name: string;
  value: JsonValue;
}

export interface DashScopePlan {
  protocol: Protocol;
  /** Upstream `size`, undefined for the model's default. */
  size: string | undefined;
  /** Every other field to send, already renamed. */
  values: UpstreamValue[];
}

function protocolOf(route: Route, spelling: ModelSpelling | undefined): Protocol {
  const option = route.options[PROTOCOL_OPTION];
  if (option === undefined) return spelling?.protocol ?? 'messages'; // the current API for models newer than this table
  if ((PROTOCOLS as readonly unknown[]).includes(option)) return option as Protocol;
  throw new GatewayError(
    'internal_error',
    `The gateway's DashScope route "${route.id}" is misconfigured: options.${PROTOCOL_OPTION} is ${JSON.stringify(option)}, expected ${PROTOCOLS.map((p) => `"${p}"`).join(' or ')}. The operator must fix the catalog.`,
  );
}

const isGeometry = (name: string) => (GEOMETRY_PARAMETERS as readonly string[]).includes(name);

function checkCount(job: ImageJob, traits: ModelTraits, model: string): void {
  const sequential = job.params.enable_sequential === true;
  const max = sequential && traits.maxSequentialN ? traits.maxSequentialN : traits.maxN;
  if (job.n <= max) return;
  const hint = !sequential && traits.maxSequentialN ? `; up to ${traits.maxSequentialN} with enable_sequential: true (a picture series)` : '';
  throw invalidRequest('n', `n is ${job.n}, but model "${model}" makes at most ${max} images per request${hint}.`);
}

function valuesFor(job: ImageJob, traits: ModelTraits, protocol: Protocol, model: string): UpstreamValue[] {
  const params: ImageParams = { ...job.params };
  for (const [name, value] of Object.entries(ALWAYS_SENT_DEFAULTS)) params[name] ??= value;
  const values: UpstreamValue[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || isGeometry(name)) continue;
    const field = Object.hasOwn(PARAMETERS, name) ? PARAMETERS[name]![protocol] : undefined;
    const native = (NATIVE_FIELDS as readonly string[]).includes(name);
    if (!field || (native && !traits.native.includes(name as NativeField))) {
      throw invalidRequest(name, `Model "${model}" on DashScope has no "${name}" parameter; remove it.`);
    }
    values.push({ ...field, value });
  }
  return values;
}

/** The catalog model's fields on this operation, and on any operation (for the native ones). */
const fieldsOn = (model: ModelFacts, job: ImageJob) => ({ ...model.fields, ...(model.operations[job.operation]?.fields ?? {}) });
const anyOperationTakes = (model: ModelFacts, name: string) =>
  Object.hasOwn(model.fields, name) || Object.values(model.operations).some((op) => op?.fields !== undefined && Object.hasOwn(op.fields, name));

/** The catalog's facts about the model, joined with how this adapter spells them upstream. */
function traitsOf(job: ImageJob, route: Route, protocol: Protocol, spelling: ModelSpelling | undefined): ModelTraits {
  const { model } = route;
  const fields = fieldsOn(model, job);
  const offered = (fields.aspect_ratio?.values ?? []).map(String);
  const spelled = spelling?.aspectRatios ?? {};
  const native = NATIVE_FIELDS.filter((f) => anyOperationTakes(model, f));
  return {
    protocol,
    sizes: { listed: (model.sizes?.values ?? []).filter((v) => v !== 'auto'), rule: model.sizes?.rule },
    aspectRatios: Object.fromEntries(offered.filter((r) => Object.hasOwn(spelled, r)).map((r) => [r, spelled[r]!])),
    tiers: (fields.resolution?.values ?? []).map(String),
    maxN: Math.min(model.n.max, MAX_N_PER_REQUEST),
    ...(native.includes('enable_sequential') ? { maxSequentialN: model.n.max } : {}),
    native,
  };
}

export function planJob(job: ImageJob, route: Route): DashScopePlan {
  const model = route.upstreamModel;
  const spelling = spellingOf(model);
  const protocol = protocolOf(route, spelling);
  const traits = traitsOf(job, route, protocol, spelling);
  if (job.mask) {
    throw invalidRequest(job.mask.field, `Model "${model}" on DashScope takes no mask: drop the mask and describe the area to change in the prompt.`);
  }
  checkCount(job, traits, model);
  if (job.params.bbox_list !== undefined && job.images.length === 0) {
    throw invalidRequest('bbox_list', 'bbox_list marks regions of the input images: send the images it refers to, or remove bbox_list.');
  }
  return { protocol, size: upstreamSize(job, traits, model), values: valuesFor(job, traits, protocol, model) };
}
