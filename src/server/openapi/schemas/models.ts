/** The model list and detail (catalog/public-contract.ts), and the operator's view of every model. */
import { z } from 'zod';
import { currency, MICRO } from './common.js';

const contractSummary = z.object({
  operations: z.array(z.string()),
  endpoints: z.array(z.string()),
  fields: z.array(z.string()),
  max_n: z.number().int(),
  mode: z.string(),
});

export const PublicContract = z
  .object({
    mode: z.string(),
    operations: z.array(z.object({ operation: z.string(), endpoint: z.string(), method: z.string(), fields: z.array(z.string()) }).loose()),
    fields: z.record(z.string(), z.unknown()).describe('Each field the model takes, with its type, values or range and default.'),
    max_n: z.number().int(),
    sizes: z.array(z.string()).optional(),
    aspect_ratios: z.array(z.string()).optional(),
    price: z.object({ currency, unit: MICRO, basis: z.enum(['image', 'tokens']) }).loose(),
    stream: z.object({ partial_images: z.object({ min: z.number().int(), max: z.number().int() }) }),
    timeout_ms: z.number().int(),
  })
  .describe('Everything a client needs to build a valid request for the model.');

export const Model = z.object({
  id: z.string(),
  object: z.literal('model'),
  created: z.number().int(),
  owned_by: z.string(),
  imagegate: z.object({
    aliases: z.array(z.string()),
    snapshots: z.array(z.string()).optional(),
    snapshot_of: z.string().optional(),
    recommended_for: z.array(z.string()),
    providers: z.array(z.string()),
    description: z.string().optional(),
    public_contract: PublicContract.optional().describe('On GET /v1/models/{id}.'),
    public_contract_summary: contractSummary.optional().describe('On GET /v1/models.'),
  }),
});

export const ModelList = z.object({ object: z.literal('list'), data: z.array(Model) });

// Not tied to AdminModelView: its routes are catalog interfaces, which TypeScript does not fit to an open object.
export const AdminModel = z.object({
  id: z.string(),
  object: z.literal('admin.model'),
  owned_by: z.string(),
  providers: z.array(z.string()),
  operations: z.array(z.string()),
  mode: z.string(),
  price: z.record(z.string(), z.unknown()),
  available: z.boolean(),
  unavailable_because: z
    .array(z.object({ route: z.string(), provider: z.string(), missing_env: z.string().nullable() }))
    .optional()
    .describe('The environment variables each route lacks, when no route can serve the model.'),
  routes: z.array(z.object({ id: z.string(), provider: z.string() }).loose()),
  public_contract: PublicContract,
});

export const AdminModelList = z.object({ object: z.literal('list'), currency, unit: MICRO, data: z.array(AdminModel) });
