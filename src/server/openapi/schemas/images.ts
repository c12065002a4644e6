/**
 * The image endpoints' wire shapes. The dialects (src/dialects/) read these bodies field by field, and every
 * field outside the envelope goes to the model's contract, which differs per model (`GET /v1/models/{id}`
 * lists it as `imagegate.public_contract`): so the envelope is described here and the rest is left open.
 */
import { z } from 'zod';
import { MAX_PARTIAL_IMAGES } from '../../../domain/model-spec.js';
import { Billing, currency, micro, unixSeconds } from './common.js';

const contractFields =
  "Any other field is a parameter of the model's contract (size, quality, aspect_ratio, seed, …): GET /v1/models/{id} lists the fields a model takes.";

const envelope = {
  model: z.string().max(256).optional().describe('A model id or alias; IMAGEGATE_DEFAULT_MODEL when left out.'),
  prompt: z.string().optional(),
  n: z.number().int().optional().describe("How many images; the model's contract sets the maximum."),
  response_format: z.enum(['url', 'b64_json']).optional(),
  user: z.string().max(256).optional(),
  size: z.string().max(16).optional().describe('"auto", WIDTHxHEIGHT ("1024x1024"), or a resolution tier ("2K") where the model has tiers.'),
  async: z.boolean().optional().describe('Answer 202 with a task to poll instead of waiting.'),
  callback_url: z.string().max(2048).optional().describe('Run as a task and POST the finished task here.'),
  stream: z.boolean().optional().describe('Answer as server-sent events (partial images, then the finished one).'),
  partial_images: z.number().int().min(0).max(MAX_PARTIAL_IMAGES).optional(),
};

const urlOrList = z.union([z.string(), z.array(z.string())]);

export const GenerationsRequest = z
  .object({
    ...envelope,
    operation: z.enum(['text-to-image', 'image-to-image']).optional().describe('image-to-image when reference images are given.'),
    image_url: z.string().optional().describe('A reference image: a public http(s) or data: URL.'),
    image_urls: urlOrList.optional(),
    reference_image_urls: urlOrList.optional(),
    image: urlOrList.optional().describe("Seedream's flat reference field."),
    reference_file_ids: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe('Files uploaded to POST /v1/files.'),
  })
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

const imageRef = z.union([z.object({ image_url: z.string() }), z.object({ file_id: z.string() })]);

export const EditsJsonRequest = z
  .object({ ...envelope, images: z.array(imageRef).min(1), mask: imageRef.optional() })
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

const WebhookAttempt = z.object({}).loose();

export const Task = z
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
    webhook: z
      .object({ url: z.string(), attempts: z.array(WebhookAttempt) })
      .loose()
      .optional(),
  })
  .describe("An async image task; once succeeded it carries the images reply's fields.");

export const TaskList = z.object({ object: z.literal('list'), data: z.array(Task), has_more: z.boolean(), last_id: z.string().nullable() });

const ChatTokenDetails = TokenDetails;
export const ChatRequest = z
  .object({
    model: z.string().max(256).optional(),
    messages: z
      .array(
        z
          .object({
            role: z.string(),
            content: z.union([
              z.string(),
              z.array(
                z.union([
                  z.object({ type: z.literal('text'), text: z.string() }),
                  z.object({ type: z.literal('image_url'), image_url: z.object({ url: z.string() }) }),
                ]),
              ),
            ]),
          })
          .loose(),
      )
      .min(1),
    n: z.number().int().optional(),
    stream: z.boolean().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).optional(),
    user: z.string().max(256).optional(),
    size: z.string().optional(),
    aspect_ratio: z.string().optional(),
    resolution: z.string().optional(),
    quality: z.string().optional(),
    output_format: z.string().optional(),
    seed: z.number().int().optional(),
    watermark: z.boolean().optional(),
    negative_prompt: z.string().optional(),
  })
  .catchall(z.unknown())
  .describe(
    "A chat completion that asks an image model for images: the last user message is the prompt (and its image_url parts the references). OpenAI's sampling fields are accepted and ignored.",
  );

export const ChatCompletion = z.object({
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
});

export const EventStream = z.string().describe('Server-sent events: `event:` and `data:` lines, each data a JSON object.');

export { currency, micro };
