/**
 * A ComfyUI route's settings against its model's contract, checked once at start: the workflow template reads
 * and binds only inputs it has (workflow.ts), and everything the contract lets a client send has a binding
 * to go to. A gap stops the start naming the route, instead of failing requests later.
 */
import type { Route } from '../../domain/adapter.js';
import { templateOf } from './workflow.js';

export function routeProblem(route: Pick<Route, 'options' | 'model'>): string | undefined {
  const t = templateOf(route);
  if (typeof t === 'string') return t;
  const has = (name: string) => t.bindings.has(name);
  const facts = route.model;
  const sized = facts.sizes !== undefined && (facts.sizes.rule !== undefined || facts.sizes.values.some((v) => v !== 'auto'));
  if (sized && !has('width')) return 'the model takes size, but the bindings have no width and height';
  if (facts.n.max > 1 && !has('n')) return `the model takes n up to ${facts.n.max}, but the bindings have no n (the batch size)`;
  const fields = new Set(Object.keys(facts.fields));
  for (const [op, spec] of Object.entries(facts.operations)) {
    for (const f of Object.keys(spec.fields ?? {})) fields.add(f);
    if (spec.images && spec.images.max_images > 0 && !has('image')) return `the model's ${op} takes an image, but the bindings have no image`;
    if (spec.images?.mask && !has('mask')) return `the model's ${op} takes a mask, but the bindings have no mask`;
  }
  for (const f of fields) if (!has(f)) return `the model takes field ${f}, but the bindings have none of that name`;
  return undefined;
}
