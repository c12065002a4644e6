/**
 * The model list and detail as clients see them: the OpenAI model object plus `imagegate.public_contract`
 * (everything a client needs to build a valid request) and its one-line summary for listings.
 */
import { fieldsFor } from './contract.js';
import type { Operation } from '../domain/job.js';
import { describeSizeRule } from '../domain/size.js';
import type { CatalogModel } from './catalog.js';

export function publicContract(m: Pick<CatalogModel, 'spec'>, currency: string) {
  const spec = m.spec;
  const operations = Object.entries(spec.operations).map(([name, op]) => ({
    operation: name,
    endpoint: op.endpoint,
    method: 'POST',
    fields: Object.keys(fieldsFor(m, name as Operation)),
    ...(op.images
      ? {
          reference_images: {
            shapes: op.images.shapes ?? [],
            min: op.images.min_images,
            max: op.images.max_images,
            max_bytes: op.images.max_bytes,
            formats: op.images.formats,
            ...(op.images.min_side ? { min_side: op.images.min_side } : {}),
            ...(op.images.max_side ? { max_side: op.images.max_side } : {}),
            ...(op.images.square ? { square: true } : {}),
            ...(op.images.requires_alpha ? { requires_alpha: true } : {}),
            mask: op.images.mask,
          },
        }
      : {}),
  }));
  const fields: Record<string, unknown> = {
    prompt: { type: 'string', required: spec.prompt.required, max_length: spec.prompt.max_length },
    n: { type: 'integer', min: 1, max: spec.n.max, default: spec.n.default },
    response_format: { type: 'string', values: spec.response_formats, default: spec.default_response_format },
  };
  // A tier sent as size ("2K") is taken as resolution (catalog/contract.ts), so the size field lists the tiers too.
  const tiers = spec.fields.resolution?.values;
  if (spec.sizes || tiers) {
    fields.size = {
      type: 'string',
      values: spec.sizes?.values ?? [],
      ...(spec.sizes?.rule ? { rule: describeSizeRule(spec.sizes.rule), ...spec.sizes.rule } : {}),
      ...(tiers ? { tiers } : {}),
    };
  }
  for (const [name, rule] of Object.entries(spec.fields)) fields[name] = rule;
  return {
    mode: spec.mode,
    operations,
    fields,
    max_n: spec.n.max,
    ...(spec.sizes ? { sizes: spec.sizes.values } : {}),
    ...(spec.fields.aspect_ratio?.values ? { aspect_ratios: spec.fields.aspect_ratio.values } : {}),
    // `basis` says which way the model is priced; a token price lists its rates and the token counts its hold is made of.
    price: { currency, unit: 'micro', basis: spec.price.per_million_tokens ? ('tokens' as const) : ('image' as const), ...spec.price },
    // Every model takes `stream: true`; this says how many partial images it can send before the finished one.
    stream: { partial_images: { min: 0, max: spec.stream.partial_images } },
    timeout_ms: spec.timeout_ms,
  };
}

export function contractSummary(m: CatalogModel) {
  const spec = m.spec;
  return {
    operations: Object.keys(spec.operations),
    endpoints: [...new Set(Object.values(spec.operations).map((o) => o.endpoint))],
    fields: [...new Set(['prompt', 'n', 'response_format', ...(spec.sizes || spec.fields.resolution ? ['size'] : []), ...Object.keys(spec.fields)])],
    max_n: spec.n.max,
    mode: spec.mode,
  };
}

export function modelObject(m: CatalogModel, detail: boolean, currency: string) {
  return {
    id: m.id,
    object: 'model',
    created: 0,
    owned_by: m.spec.owned_by,
    imagegate: {
      aliases: m.spec.aliases,
      // OpenAI lists dated snapshots as models of their own; each side names the other.
      ...(m.snapshotOf ? { snapshot_of: m.snapshotOf } : { snapshots: m.spec.snapshots }),
      recommended_for: m.spec.recommended_for,
      providers: [...new Set(m.routes.map((r) => r.provider))],
      ...(m.spec.description ? { description: m.spec.description } : {}),
      ...(detail ? { public_contract: publicContract(m, currency) } : { public_contract_summary: contractSummary(m) }),
    },
  };
}
