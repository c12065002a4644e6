/**
 * What a model is, as the catalog states it: the vocabulary of model facts (size rules, fields, operations,
 * prices) that the catalog, the contract check and every adapter speak, so it sits with the domain. It is
 * also the catalog file format (built-in YAML and the IMAGEGATE_CONFIG overlay). Catalog data is data: models,
 * their routes, public contracts and prices. Validated with zod so a bad file fails at start-up with the
 * file, the path and the problem.
 */
import { z } from 'zod';
import { OPERATIONS } from './job.js';

const micro = z.number().int().nonnegative();

export const FieldRuleSchema = z
  .object({
    type: z.enum(['string', 'integer', 'number', 'boolean', 'array', 'object']).default('string'),
    values: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    max_length: z.number().int().positive().optional(),
    description: z.string().optional(),
  })
  .strict();
export type FieldRule = z.infer<typeof FieldRuleSchema>;

/** Free-form WIDTHxHEIGHT sizes accepted beside (or instead of) the listed ones. */
export const SizeRuleSchema = z
  .object({
    multiple_of: z.number().int().positive().default(1),
    min_width: z.number().int().positive().default(1),
    min_height: z.number().int().positive().default(1),
    max_width: z.number().int().positive(),
    max_height: z.number().int().positive(),
    min_pixels: z.number().int().positive().optional(),
    max_pixels: z.number().int().positive().optional(),
    /** Long side over short side. */
    max_ratio: z.number().positive().optional(),
  })
  .strict();
export type SizeRule = z.infer<typeof SizeRuleSchema>;

export const ImageInputRulesSchema = z
  .object({
    /** Most images (edit sources or references) accepted. */
    max_images: z.number().int().positive().default(1),
    min_images: z.number().int().nonnegative().default(1),
    max_bytes: z
      .number()
      .int()
      .positive()
      .default(50 * 1024 * 1024),
    formats: z.array(z.enum(['png', 'jpeg', 'webp', 'gif', 'bmp'])).default(['png', 'jpeg', 'webp']),
    min_side: z.number().int().positive().optional(),
    max_side: z.number().int().positive().optional(),
    square: z.boolean().default(false),
    requires_alpha: z.boolean().default(false),
    no_alpha: z.boolean().default(false),
    mask: z.boolean().default(false),
    /** How a client passes references on this operation (for the public contract). */
    shapes: z.array(z.string()).optional(),
  })
  .strict();
export type ImageInputRules = z.infer<typeof ImageInputRulesSchema>;

export const OperationSchema = z
  .object({
    endpoint: z.string(),
    /** Per-operation image input rules (edit, variation, image-to-image). */
    images: ImageInputRulesSchema.optional(),
    /** Fields accepted only on this operation, beyond the model's common ones. */
    fields: z.record(z.string(), FieldRuleSchema).optional(),
  })
  .strict();
export type OperationSpec = z.infer<typeof OperationSchema>;

const tokenCount = z.number().int().nonnegative();

/**
 * Image tokens an output image takes by its area, for upstreams that take free sizes (gpt-image-2): per
 * quality a factor f; the short side's factor s = round(f × short / long); tokens = ceil(f × s × (offset +
 * width × height) / divisor). It reproduces the upstream's published table at its listed sizes.
 */
export const AreaTokensSchema = z
  .object({
    quality_factors: z.record(z.string(), z.number().int().positive()),
    offset_pixels: tokenCount,
    divisor: z.number().int().positive(),
  })
  .strict();
export type AreaTokens = z.infer<typeof AreaTokensSchema>;

/**
 * Image tokens an input image takes: a fixed count, or tiles of its scaled-down picture (the image is fitted
 * within `fit_within` square, then its short side scaled to `short_side`; each `tile`-pixel square costs
 * `per_tile`, plus `base`). High input fidelity adds a fixed count, by the image's shape.
 */
export const InputImageTokensSchema = z
  .object({
    per_image: tokenCount.optional(),
    tiles: z
      .object({
        fit_within: z.number().int().positive(),
        short_side: z.number().int().positive(),
        tile: z.number().int().positive(),
        base: tokenCount,
        per_tile: tokenCount,
      })
      .strict()
      .optional(),
    high_fidelity: z
      .object({
        square: tokenCount,
        other: tokenCount,
        /** `requested`: only with input_fidelity=high; `always`: the upstream always reads inputs at high fidelity. */
        applies: z.enum(['requested', 'always']).default('requested'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type InputImageTokens = z.infer<typeof InputImageTokensSchema>;

/** How many tokens a request takes, class by class: the quote's upper bounds for a token-priced model. */
export const TokenCountsSchema = z
  .object({
    /** Output image tokens per image, keyed like per_image_by: quality, size or tier, or "quality/size". */
    output_image: z.record(z.string(), tokenCount).optional(),
    /** Output image tokens of a size the table does not list, from its area. */
    output_image_by_area: AreaTokensSchema.optional(),
    /** Extra output image tokens per streamed partial image. */
    partial_image: tokenCount.default(0),
    input_image: InputImageTokensSchema.optional(),
    /** Text tokens the upstream adds beside the prompt (framing), and per input image. */
    input_text_overhead: tokenCount.default(0),
    input_text_per_image: tokenCount.default(0),
  })
  .strict()
  .refine((t) => !t.output_image_by_area || t.output_image, {
    message: 'output_image_by_area needs an output_image table: size auto is held at its dearest entry',
    path: ['output_image'],
  });
export type TokenCounts = z.infer<typeof TokenCountsSchema>;

export const PriceSchema = z
  .object({
    /** Default price of one image, micro-units. */
    per_image: micro.optional(),
    /** Price of one image by quality tier, by size, or by "quality/size" (most specific wins). */
    per_image_by: z.record(z.string(), micro).optional(),
    /** Price per started megapixel of output, micro-units. */
    per_megapixel: micro.optional(),
    /** Token prices in micro-units per million tokens; actual usage is settled when the upstream reports it. */
    per_million_tokens: z
      .object({ input_text: micro.default(0), input_image: micro.default(0), output_image: micro.default(0), output_text: micro.default(0) })
      .strict()
      .optional(),
    /** Token counts by class that bound what a request can take (the hold of a token-priced model). */
    tokens: TokenCountsSchema.optional(),
    /** Tokens assumed per output image when quoting, where `tokens.output_image` gives no table. */
    quote_output_tokens_per_image: z.number().int().positive().optional(),
    /** Tokens assumed for the prompt when quoting, instead of the bound from its length. */
    quote_input_tokens: z.number().int().nonnegative().optional(),
  })
  .strict()
  .refine((p) => !p.tokens || p.per_million_tokens, { message: 'tokens needs per_million_tokens', path: ['tokens'] })
  // Without a count of output tokens per image the hold would leave the images out, and every charge be clipped to it.
  .refine((p) => !p.per_million_tokens?.output_image || p.tokens?.output_image || p.quote_output_tokens_per_image, {
    message: 'a price per output image token needs tokens.output_image (or quote_output_tokens_per_image) to hold the images at',
    path: ['tokens', 'output_image'],
  });
export type Price = z.infer<typeof PriceSchema>;

/**
 * How many partial images (previews while the image is made) the model can send on a stream: OpenAI's GPT
 * Image models up to 3, every other model none (it sends the finished image only).
 */
export const MAX_PARTIAL_IMAGES = 3;
export const StreamSpecSchema = z
  .object({ partial_images: z.number().int().min(0).max(MAX_PARTIAL_IMAGES).default(0) })
  .strict()
  .default({ partial_images: 0 });

/**
 * What one route takes when it is narrower than its model's facts (another cloud's deployment of the same
 * model that lacks an operation, a field or sizes): each list keeps only the model's own entries it names.
 */
export const RouteAcceptsSchema = z
  .object({
    operations: z.array(z.enum(OPERATIONS)).optional(),
    /** Names among the model's fields (model-wide and per operation). */
    fields: z.array(z.string()).optional(),
    n_max: z.number().int().positive().optional(),
    /** Listed sizes among the model's; a route that lists sizes takes no free-form size. */
    sizes: z.array(z.string()).optional(),
  })
  .strict();
export type RouteAccepts = z.infer<typeof RouteAcceptsSchema>;

/**
 * How a model whose routes accept different things shows its contract: `intersection` (the default) offers
 * only what every configured route takes, so any route can serve any accepted request; `per_route` offers
 * what any route takes, and each request goes only to the routes that take it.
 */
export const ROUTE_CONTRACTS = ['intersection', 'per_route'] as const;
export type RouteContract = (typeof ROUTE_CONTRACTS)[number];

const scalarOption = z.union([z.string(), z.number(), z.boolean()]);
export const RouteOptionValueSchema = z.union([scalarOption, z.record(z.string(), z.string())]);
export type RouteOptionValue = z.infer<typeof RouteOptionValueSchema>;

export const RouteSchema = z
  .object({
    provider: z.string(),
    upstream_model: z.string().optional(),
    /** Override the provider's base URL / key variable for this route (several accounts, regions). */
    base_url: z.string().url().optional(),
    key_env: z.string().optional(),
    priority: z.number().int().default(0),
    weight: z.number().positive().default(1),
    /**
     * Adapter-specific settings for this route (e.g. DashScope `protocol: task`), documented by each adapter.
     * A value is a scalar, or one level of named strings (ComfyUI's `bindings: { prompt: "6.inputs.text" }`).
     */
    options: z.record(z.string(), RouteOptionValueSchema).default({}),
    accepts: RouteAcceptsSchema.optional(),
  })
  .strict();

export const ModelSchema = z
  .object({
    owned_by: z.string(),
    description: z.string().optional(),
    aliases: z.array(z.string()).default([]),
    /**
     * Dated snapshot ids the provider itself distinguishes (`gpt-image-2-2026-04-21`): each is offered as a
     * model of its own, with this model's contract and price, and routed with the snapshot as the upstream
     * model. A name that should reach this model's own upstream id is an alias instead.
     */
    snapshots: z.array(z.string().min(1)).default([]),
    recommended_for: z.array(z.string()).default(['image']),
    /** Served on /v1/chat/completions as an image-capable chat model. */
    chat_completions: z.boolean().default(false),
    /** `async` models answer 202 with a task by default. */
    mode: z.enum(['sync', 'async']).default('sync'),
    timeout_ms: z.number().int().positive().default(300_000),
    routes: z.array(RouteSchema).min(1),
    route_contract: z.enum(ROUTE_CONTRACTS).default('intersection'),
    operations: z.record(z.string(), OperationSchema).refine((ops) => Object.keys(ops).every((k) => (OPERATIONS as readonly string[]).includes(k)), {
      message: `operation names must be one of ${OPERATIONS.join(', ')}`,
    }),
    prompt: z
      .object({ max_length: z.number().int().positive().default(32000), required: z.boolean().default(true) })
      .strict()
      .default({ max_length: 32000, required: true }),
    n: z
      .object({ max: z.number().int().positive().default(1), default: z.number().int().positive().default(1) })
      .strict()
      .default({ max: 1, default: 1 }),
    /** Accepted sizes: listed values and/or a free-form rule. Absent = the model takes no `size`. */
    sizes: z
      .object({ values: z.array(z.string()).default([]), rule: SizeRuleSchema.optional() })
      .strict()
      .optional(),
    /** Other accepted fields and their allowed values. */
    fields: z.record(z.string(), FieldRuleSchema).default({}),
    response_formats: z.array(z.enum(['url', 'b64_json'])).default(['url', 'b64_json']),
    default_response_format: z.enum(['url', 'b64_json']).default('b64_json'),
    /** What a streamed request (`stream: true`) gets beside the finished images. */
    stream: StreamSpecSchema,
    price: PriceSchema.default({ per_image: 0 }),
  })
  .strict();
export type ModelSpec = z.infer<typeof ModelSchema>;

export const ProviderSchema = z
  .object({
    key_env: z.string().optional(),
    /**
     * A second credential variable holding a bearer token, used when `key_env` is unset (Azure OpenAI's
     * `AZURE_OPENAI_AD_TOKEN`). The route then carries `credential: 'bearer-token'`.
     */
    token_env: z.string().optional(),
    base_url_env: z.string().optional(),
    default_base_url: z.string().url().optional(),
    /**
     * The provider has no one endpoint (each operator's resource has its own, as Azure OpenAI's): its routes
     * are offered only once `base_url_env` or the route's `base_url` is set.
     */
    base_url_required: z.boolean().default(false),
    /** Built-in providers need no key (the local renderer). */
    builtin: z.boolean().default(false),
    /**
     * The provider's servers may take no key (self-hosted OpenAI-compatible servers): a route that names no
     * `key_env` is offered without one and sends no credentials. A route that names one still needs it set.
     */
    key_optional: z.boolean().default(false),
    /** Most upstream calls in flight at once in each gateway process (pipeline/provider-slots.ts). */
    max_concurrency: z.number().int().positive().default(64),
    /** Retries per route for retryable failures, before moving to the next route. */
    retries: z.number().int().nonnegative().default(1),
    /** Consecutive failures that open the circuit breaker, and how long the route then cools down. */
    breaker_failures: z.number().int().positive().default(5),
    breaker_cooldown_ms: z.number().int().positive().default(30_000),
  })
  .strict();
export type ProviderSpec = z.infer<typeof ProviderSchema>;

export const CatalogFileSchema = z
  .object({
    currency: z.string().optional(),
    /** Name prefixes stripped when resolving a model (`google/gemini-2.5-flash-image`). */
    prefixes: z.array(z.string()).optional(),
    providers: z.record(z.string(), ProviderSchema.partial()).optional(),
    models: z.record(z.string(), z.unknown()).optional(),
    /** Extra aliases: alias → model id. */
    aliases: z.record(z.string(), z.string()).optional(),
  })
  .strict();
export type CatalogFile = z.infer<typeof CatalogFileSchema>;
