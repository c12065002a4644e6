/**
 * The image endpoints' wire shapes. Request bodies are the dialects' own field lists (dialects/request-fields.ts):
 * an images body's other fields go to the model's contract, which differs per model (`GET /v1/models/{id}`
 * lists it as `imagegate.public_contract`), so those bodies are left open; a chat body is closed.
 */
import { z } from 'zod';
import { CHAT_IGNORED_FIELDS, ChatFields, ChatImageParams, EditsJsonFields, GenerationsFields } from '../../../dialects/request-fields.js';
import { Billing, currency, describes, ErrorSchema, micro, unixSeconds } from './common.js';
import type { ChatCompletion as ChatCompletionView } from '../../../dialects/chat-completions.js';
import type { renderTask } from '../../task-object.js';

const contractFields =
  "Any other field is a parameter of the model's contract (size, quality, aspect_ratio, seed, …): GET /v1/models/{id} lists the fields a model takes.";

const size = z.string().max(16).describe('"auto", WIDTHxHEIGHT ("1024x1024"), or a resolution tier ("2K") where the model has tiers.');

export const GenerationsRequest = GenerationsFields.extend({ size: size.optional() })
  .catchall(z.unknown())
  .describe(`An OpenAI images request. ${contractFields}`);

/** DashScope's own shape on the same path, told apart by `input.messages`. */
export const DashScopeRequest = z
  .object({
    model: z.string().optional(),
    input: z.object({
      messages: z.array(
        z.object({
          role: z.string().optional(),
          content: z.array(z.union([z.object({ text: z.string() }), z.object({ image: z.string() })])),
        }),
      ),
    }),
    parameters: z.record(z.string(), z.unknown()).optional().describe('size ("1280*1280" or a tier), n, negative_prompt, seed, watermark, …'),
  })
  .describe("DashScope's native request (Wan, Qwen-Image), answered in DashScope's shape.");

export const EditsJsonRequest = EditsJsonFields.extend({ size: size.optional() })
  .catchall(z.unknown())
  .describe(`An edit with images by URL or uploaded file id. ${contractFields}`);

const file = z.string().describe('a file part').meta({ contentMediaType: 'application/octet-stream' });
const text = (d?: string) => (d ? z.string().describe(d) : z.string());

/** Multipart fields arrive as text: numbers and flags are written as text too. */
export const EditsMultipartRequest = z
  .object({
    image: file.optional().describe('One image; several go as repeated `image[]` parts (up to 16).'),
    'image[]': z.array(file).optional(),
    mask: file.optional(),
    model: text().optional(),
    prompt: text().optional(),
    n: text('an integer').optional(),
    response_format: z.enum(['url', 'b64_json']).optional(),
    size: text().optional(),
    async: z.enum(['true', 'false']).optional(),
    stream: z.enum(['true', 'false']).optional(),
    partial_images: text('an integer').optional(),
    callback_url: text().optional(),
  })
  .catchall(z.string())
  .describe(`An edit as multipart/form-data. ${contractFields}`);

export const VariationsMultipartRequest = z
  .object({
    image: file,
    model: text().optional(),
    n: text('an integer').optional(),
    response_format: z.enum(['url', 'b64_json']).optional(),
    size: text().optional(),
    async: z.enum(['true', 'false']).optional(),
    callback_url: text().optional(),
  })
  .catchall(z.string())
  .describe('A variation of one image, as multipart/form-data.');

const TokenDetails = z.object({ text_tokens: z.number().int(), image_tokens: z.number().int() });
export const ImagesUsage = z.object({
  input_tokens: z.number().int(),
  input_tokens_details: TokenDetails,
  output_tokens: z.number().int(),
  output_tokens_details: TokenDetails,
  total_tokens: z.number().int(),
});

const ImageData = z.object({
  b64_json: z.string().optional(),
  url: z.string().optional(),
  revised_prompt: z.string().optional(),
  size: z.string().optional().describe('The real dimensions, WIDTHxHEIGHT.'),
});

// Not tied to the dialect's ImagesResponse type: its b64_json is Base64Text, a string only once serialized.
export const ImagesResponse = z
  .object({
    created: unixSeconds,
    data: z.array(ImageData),
    usage: ImagesUsage.optional(),
    size: z.string().optional(),
    quality: z.string().optional(),
    background: z.string().optional(),
    output_format: z.string().optional(),
    imagegate: z.object({
      request_id: z.string(),
      model: z.string(),
      billing: Billing.optional(),
      failed: z.number().int().optional().describe('Images of n that the model did not deliver (not charged).'),
    }),
  })
  .describe("OpenAI's images response, with imagegate's request id and charge.");

export const DashScopeResponse = z.object({
  output: z.object({
    choices: z.array(
      z.object({
        finish_reason: z.string(),
        message: z.object({ role: z.literal('assistant'), content: z.array(z.object({ image: z.string(), type: z.literal('image') })) }),
      }),
    ),
    finished: z.boolean(),
  }),
  usage: z.object({
    image_count: z.number().int(),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    total_tokens: z.number().int(),
    size: z.string().optional(),
  }),
  request_id: z.string(),
  imagegate: z.object({ billing: Billing }).optional(),
});

export const WebhookAttempt = z.object({
  at: unixSeconds,
  status: z.number().int().nullable().describe("The receiver's HTTP status; null when it could not be reached."),
  error: z.string().optional(),
});
export const WebhookStatus = z.enum(['pending', 'delivered', 'failed']);

export const Task = describes<ReturnType<typeof renderTask>>()(
  z
    .object({
      id: z.string(),
      task_id: z.string(),
      object: z.literal('image.task'),
      status: z.enum(['pending', 'running', 'succeeded', 'failed', 'canceled']),
      model: z.string(),
      created: unixSeconds,
      started_at: unixSeconds.nullable(),
      finished_at: unixSeconds.nullable(),
      progress: z.number().nullable(),
      poll_url: z.string(),
      data: z.array(ImageData).optional(),
      usage: ImagesUsage.optional(),
      billing_transaction_id: z.string().nullable().optional(),
      imagegate: z.object({ request_id: z.string(), model: z.string(), billing: Billing.optional(), failed: z.number().int().optional() }).optional(),
      error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string() }).loose().optional(),
      webhook: z.object({ url: z.string(), status: WebhookStatus.optional(), attempts: z.array(WebhookAttempt) }).optional(),
    })
    .describe("An async image task; once succeeded it carries the images reply's fields."),
);

export const TaskList = z.object({ object: z.literal('list'), data: z.array(Task), has_more: z.boolean(), last_id: z.string().nullable() });

const ChatTokenDetails = TokenDetails;
export const ChatRequest = ChatFields.extend(ChatImageParams.shape)
  .extend(Object.fromEntries(CHAT_IGNORED_FIELDS.map((f) => [f, z.unknown().optional().describe('Accepted and ignored.')])))
  .strict()
  .describe('A chat completion that asks an image model for images. Fields not listed here are refused.');

export const ChatCompletion = describes<ChatCompletionView>()(
  z.object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: unixSeconds,
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({
          role: z.literal('assistant'),
          content: z.string().describe('Text and each image as a Markdown data URL.'),
          refusal: z.null(),
          images: z.array(z.object({ type: z.literal('image_url'), image_url: z.object({ url: z.string() }) })).optional(),
        }),
        logprobs: z.null(),
        finish_reason: z.literal('stop'),
      }),
    ),
    usage: z.object({
      prompt_tokens: z.number().int(),
      completion_tokens: z.number().int(),
      total_tokens: z.number().int(),
      prompt_tokens_details: ChatTokenDetails,
      completion_tokens_details: ChatTokenDetails,
    }),
    imagegate: z.object({ request_id: z.string(), billing: Billing.optional() }),
  }),
);

const streamedSettings = { size: z.string(), quality: z.string(), background: z.string(), output_format: z.string() };
const family = z.enum(['image_generation', 'image_edit']).describe('image_edit on /v1/images/edits');
const StreamError = z.object({ error: ErrorSchema.shape.error }).describe('A failure after the stream began (its hold refunded).');

/** The data of each event of a streamed images answer, named by its `type` (`event:` carries the same name). */
export const ImageStreamEvent = z
  .union([
    z.object({
      type: z.templateLiteral([family, '.partial_image']),
      b64_json: z.string(),
      created_at: unixSeconds,
      partial_image_index: z.number().int(),
      ...streamedSettings,
    }),
    z.object({
      type: z.templateLiteral([family, '.completed']),
      b64_json: z.string(),
      created_at: unixSeconds,
      usage: ImagesUsage,
      ...streamedSettings,
      imagegate: z.object({ request_id: z.string(), model: z.string(), billing: Billing.optional() }).optional(),
    }),
    StreamError,
  ])
  .describe('Partial images as they come, then one completed event per image; the stream ends after the last.');

const ImageUrlPart = z.object({ type: z.literal('image_url'), image_url: z.object({ url: z.string() }) });

/** The data of each event of a streamed chat answer; the stream ends with `data: [DONE]`. */
export const ChatStreamEvent = z
  .union([
    z.object({
      id: z.string(),
      object: z.literal('chat.completion.chunk'),
      created: unixSeconds,
      model: z.string(),
      choices: z.array(
        z.object({
          index: z.literal(0),
          delta: z.object({
            role: z.literal('assistant').optional(),
            content: z.string().optional(),
            refusal: z.null().optional(),
            images: z.array(ImageUrlPart).optional(),
          }),
          logprobs: z.null(),
          finish_reason: z.literal('stop').nullable(),
        }),
      ),
      usage: ChatCompletion.shape.usage.optional().describe('On the last chunk, when stream_options.include_usage asked for it.'),
      imagegate: z.object({ request_id: z.string(), billing: Billing.optional() }).optional(),
    }),
    StreamError,
  ])
  .describe('chat.completion.chunk objects, then `data: [DONE]`.');

export { currency, micro };
