/**
 * What a succeeded task keeps as its result: a record of what was delivered, in no dialect's shape, which
 * the task routes render for their clients. Rows written by older versions hold the OpenAI images reply
 * they rendered then; it carries everything this record needs except the images' types and the route, so
 * both forms are read and only this one is written.
 */
import { z } from 'zod';
import { GatewayError } from '../domain/errors.js';
import { EXTENSION_OF_MIME, type ImageMime, type TokenUsage } from '../domain/job.js';
import type { Delivery } from '../pipeline/pipeline.js';

export interface TaskImage {
  /** Task images are hosted: a task's job always asks for URLs. */
  url: string;
  /** Null in results stored by older versions, which did not record it. */
  mime: ImageMime | null;
  revisedPrompt?: string;
  size?: string;
}

export interface TaskResult {
  images: TaskImage[];
  usage?: TokenUsage;
  /** The hold that paid for it, and what it charged (micro-units). Absent when nothing was held. */
  billing?: { transactionId: string; amount: number; currency: string };
  /** The catalog model that made the images. */
  model: string;
  /** The route that served it; null in results stored by older versions. */
  route: string | null;
  /** Images the upstream reported as failed (a partial success). */
  failed: number;
}

/** The result of a task whose delivery is charged `delivery.charged`. */
export function taskResultOf(d: Delivery): TaskResult {
  return {
    images: d.images.map((img, i) => {
      if (img.url === undefined) throw new GatewayError('internal_error', `Image ${i} of a task result has no hosted URL.`);
      return { url: img.url, mime: img.mime, ...(img.revisedPrompt ? { revisedPrompt: img.revisedPrompt } : {}), ...(img.size ? { size: img.size } : {}) };
    }),
    ...(d.result.usage ? { usage: d.result.usage } : {}),
    ...(d.billingTransactionId ? { billing: { transactionId: d.billingTransactionId, amount: d.charged, currency: d.currency } } : {}),
    model: d.model.id,
    route: d.route.id,
    failed: d.result.failedCount,
  };
}

/** The stored form; `v` tells it from the older OpenAI reply. */
export function encodeTaskResult(r: TaskResult): string {
  return JSON.stringify({ v: 1, ...r });
}

const count = z.number().int().nonnegative();
const mimes = Object.keys(EXTENSION_OF_MIME) as [ImageMime, ...ImageMime[]];

const stored = z.object({
  v: z.literal(1),
  images: z.array(z.object({ url: z.string(), mime: z.enum(mimes).nullable(), revisedPrompt: z.string().optional(), size: z.string().optional() })),
  usage: z
    .object({
      inputTextTokens: count.optional(),
      inputImageTokens: count.optional(),
      outputImageTokens: count.optional(),
      outputTextTokens: count.optional(),
      totalTokens: count.optional(),
    })
    .optional(),
  billing: z.object({ transactionId: z.string(), amount: count, currency: z.string() }).optional(),
  model: z.string(),
  route: z.string().nullable(),
  failed: count,
});

const tokenDetails = z.object({ text_tokens: count, image_tokens: count });
/** The OpenAI images reply older versions stored (server/task-object.ts renders the same fields back). */
const legacy = z.object({
  data: z.array(z.object({ url: z.string(), revised_prompt: z.string().optional(), size: z.string().optional() })),
  usage: z.object({ input_tokens_details: tokenDetails, output_tokens_details: tokenDetails, total_tokens: count }).optional(),
  imagegate: z.object({
    model: z.string(),
    billing: z.object({ billing_transaction_id: z.string(), amount: count, currency: z.string() }).optional(),
    failed: count.optional(),
  }),
});

function fromLegacy(r: z.infer<typeof legacy>): TaskResult {
  const u = r.usage;
  const b = r.imagegate.billing;
  return {
    images: r.data.map((d) => ({
      url: d.url,
      mime: null,
      ...(d.revised_prompt ? { revisedPrompt: d.revised_prompt } : {}),
      ...(d.size ? { size: d.size } : {}),
    })),
    ...(u
      ? {
          usage: {
            inputTextTokens: u.input_tokens_details.text_tokens,
            inputImageTokens: u.input_tokens_details.image_tokens,
            outputImageTokens: u.output_tokens_details.image_tokens,
            outputTextTokens: u.output_tokens_details.text_tokens,
            totalTokens: u.total_tokens,
          },
        }
      : {}),
    ...(b ? { billing: { transactionId: b.billing_transaction_id, amount: b.amount, currency: b.currency } } : {}),
    model: r.imagegate.model,
    route: null,
    failed: r.imagegate.failed ?? 0,
  };
}

/** A stored result in either form. */
export function readTaskResult(text: string): TaskResult {
  const value: unknown = JSON.parse(text);
  const current = stored.safeParse(value);
  if (current.success) return current.data;
  const old = legacy.safeParse(value);
  if (old.success) return fromLegacy(old.data);
  throw new GatewayError('internal_error', 'The stored result of this task cannot be read.');
}
