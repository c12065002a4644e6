/** Shapes many answers share: the error, money fields, the admin lists' pages, unix times and ids. */
import { z } from 'zod';

/** `{"error": {message, type, param, code}}`; some errors add fields (e.g. the amounts of a 402). */
export const ErrorSchema = z
  .object({
    error: z
      .object({
        message: z.string().describe('What went wrong and what to change.'),
        type: z.string(),
        param: z.string().nullable().describe('The request field at fault, when there is one.'),
        code: z.string(),
      })
      .loose(),
  })
  .describe('Every error, in the OpenAI shape.');

export const unixSeconds = z.number().int().describe('unix seconds');
export const isoTime = z.string().describe('ISO 8601 time');
export const micro = z.number().int().describe('micro-units of the currency');
export const MICRO = z.literal('micro');
export const currency = z.string().describe('ISO 4217 code of the gateway currency');

/** An admin list page: newest first, `last_id` is the cursor for `after`. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ object: z.literal('list'), data: z.array(item), has_more: z.boolean(), last_id: z.string().nullable() });

/** The query of the paged admin lists. */
export const PageQuery = z.object({
  after: z.string().optional().describe('The last id of the previous page.'),
  limit: z.coerce.number().int().min(1).max(200).optional().describe('Rows per page (default 50).'),
});

/** `from` and `to`: an ISO date or unix seconds; `to` is exclusive. */
export const RangeQuery = z.object({
  from: z.string().optional().describe('ISO date (2026-11-21) or unix seconds, inclusive.'),
  to: z.string().optional().describe('ISO date or unix seconds, exclusive.'),
});

export const IdParams = z.object({ id: z.string() });

export const Billing = z.object({ billing_transaction_id: z.string(), amount: micro, currency, unit: MICRO });

/**
 * Why a view type is not what a response schema describes, as a tuple the call below must then be given:
 * empty when every value of the view fits the schema and the view has no field the schema lacks.
 */
type Misfit<View, Described> = [View] extends [Described]
  ? [Exclude<keyof View, keyof Described>] extends [never]
    ? []
    : [fieldsTheSchemaLacks: Exclude<keyof View, keyof Described>]
  : [viewDoesNotFitTheSchema: View];

/**
 * A response schema for the type a handler answers with, checked when the code is compiled: a field added
 * to the view and not to the schema, or a type that changed, fails the typecheck here rather than in a test.
 * The failure reads "Expected 2 arguments": the missing argument's type names the fields that differ.
 */
export const describes =
  <View>() =>
  <S extends z.ZodType>(schema: S, ..._misfit: Misfit<View, z.output<S>>): S =>
    schema;
