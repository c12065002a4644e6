/**
 * A model's facts as one route takes them (its `accepts`), and the facts every configured route takes (the
 * intersection a model offers by default). Narrowing only removes: a route can never widen its model.
 */
import type { ModelSpec, RouteAccepts } from '../domain/model-spec.js';

const pick = <T>(record: Record<string, T>, keep: readonly string[] | undefined): Record<string, T> =>
  keep === undefined ? record : Object.fromEntries(Object.entries(record).filter(([k]) => keep.includes(k)));

export function narrowSpec(spec: ModelSpec, accepts: RouteAccepts | undefined): ModelSpec {
  if (!accepts) return spec;
  const operations = Object.fromEntries(
    Object.entries(pick(spec.operations, accepts.operations)).map(([op, o]) => [op, o.fields ? { ...o, fields: pick(o.fields, accepts.fields) } : o]),
  );
  const max = Math.min(spec.n.max, accepts.n_max ?? spec.n.max);
  const sizes = accepts.sizes === undefined || spec.sizes === undefined ? spec.sizes : { values: spec.sizes.values.filter((v) => accepts.sizes!.includes(v)) };
  return {
    ...spec,
    operations,
    fields: pick(spec.fields, accepts.fields),
    n: { max, default: Math.min(spec.n.default, max) },
    ...(sizes ? { sizes } : {}),
  };
}

/** What every one of these routes takes. */
export function intersectRoutes(spec: ModelSpec, accepts: ReadonlyArray<RouteAccepts | undefined>): ModelSpec {
  return accepts.reduce<ModelSpec>((facts, a) => narrowSpec(facts, a), spec);
}
