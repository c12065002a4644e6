/**
 * The public model contract as the playground reads it from `GET /v1/models/{id}`, typed from the server's own
 * function so a renamed field fails the console's typecheck. The per-field rules are the catalog's FieldRule
 * (plus the size field's extras), which the server hands out as an open record.
 */
import type { modelObject, publicContract } from '../../../../src/catalog/public-contract.js';
import type { FieldRule } from '../../../../src/domain/model-spec.js';
import type { Operation } from '../../../../src/domain/job.js';

export type { Operation };
export type PublicContract = ReturnType<typeof publicContract>;
export type OperationContract = PublicContract['operations'][number];
export type Price = PublicContract['price'];

/** `GET /v1/models` lists models with a summary; `GET /v1/models/{id}` adds the whole contract. */
export type ModelListItem = Omit<ReturnType<typeof modelObject>, 'imagegate'> & {
  imagegate: { aliases: string[]; providers: string[]; description?: string; public_contract_summary: { operations: string[]; mode: string; max_n: number } };
};
export type ModelDetail = Omit<ReturnType<typeof modelObject>, 'imagegate'> & {
  imagegate: { aliases: string[]; providers: string[]; description?: string; public_contract: PublicContract };
};

/** The size field adds its listed values, the free-form rule (as text) and resolution tiers. */
export type FieldView = Partial<FieldRule> & { rule?: string; tiers?: string[]; default?: string | number };

/** Fields the form draws itself (the prompt box, the count, the images) rather than from their rule. */
export const OWN_FIELDS = new Set(['prompt', 'n', 'response_format', 'size']);

export const OPERATION_ORDER: Operation[] = ['text-to-image', 'image-to-image', 'edit', 'variation'];

/** The model's operations in the tab order, with their contract. */
export function operationsOf(c: PublicContract): OperationContract[] {
  const byName = new Map(c.operations.map((o) => [o.operation, o]));
  return OPERATION_ORDER.flatMap((name) => byName.get(name) ?? []);
}

export function fieldRule(c: PublicContract, name: string): FieldView | undefined {
  return c.fields[name] as FieldView | undefined;
}
