/**
 * The fields of the OpenAI-shaped request bodies, as zod objects. The dialects take their field lists from
 * these (an images body's other fields go to the model's contract; a chat body's other fields are refused),
 * and the API document (server/openapi/) describes the bodies from the same objects: a field a dialect reads
 * is a field the document names. The dialects still check each value by hand, to word each refusal for its
 * field; these schemas say what those checks accept.
 */
import { z } from 'zod';
import { MAX_PARTIAL_IMAGES } from '../domain/model-spec.js';

const urlOrList = z.union([z.string(), z.array(z.string())]);

/** What every OpenAI image endpoint reads itself. */
const imagesEnvelope = {
  model: z.string().max(256).optional().describe('A model id or alias; IMAGEGATE_DEFAULT_MODEL when left out.'),
  prompt: z.string().optional(),
  n: z.number().int().optional().describe("How many images; the model's contract sets the maximum."),
  response_format: z.enum(['url', 'b64_json']).optional(),
  user: z.string().max(256).optional(),
  async: z.boolean().optional().describe('Answer 202 with a task to poll instead of waiting.'),
  callback_url: z.string().max(2048).optional().describe('Run as a task and POST the finished task to this URL.'),
  stream: z.boolean().optional().describe('Answer as server-sent events: partial images, then the finished ones.'),
  partial_images: z.number().int().min(0).max(MAX_PARTIAL_IMAGES).optional(),
};

/** `POST /v1/images/generations`, OpenAI's shape with imagegate's image-to-image fields. */
export const GenerationsFields = z.object({
  ...imagesEnvelope,
  operation: z.enum(['text-to-image', 'image-to-image']).optional().describe('image-to-image when reference images are given.'),
  image_url: z.string().optional().describe('A reference image: a public http(s) or data: URL.'),
  image_urls: urlOrList.optional(),
  reference_image_urls: urlOrList.optional(),
  image: urlOrList.optional().describe("Seedream's flat reference field."),
  reference_file_ids: urlOrList.optional().describe('Files uploaded to POST /v1/files.'),
});

const imageRef = z.union([z.object({ image_url: z.string() }), z.object({ file_id: z.string() })]);

/** `POST /v1/images/edits` as JSON: images by URL or uploaded file id. */
export const EditsJsonFields = z.object({ ...imagesEnvelope, images: z.array(imageRef).min(1), mask: imageRef.optional() });

/** The file parts of a multipart edit or variation. */
export const IMAGE_FILE_FIELDS = ['image', 'image[]', 'mask'] as const;

const textPart = z.object({ type: z.literal('text').optional(), text: z.string() });
const imagePart = z.object({ type: z.literal('image_url'), image_url: z.union([z.string(), z.object({ url: z.string() })]) });

/** `POST /v1/chat/completions`: what the dialect reads. */
export const ChatFields = z.object({
  model: z.string().max(256).optional(),
  messages: z
    .array(z.object({ role: z.string(), content: z.union([z.string(), z.array(z.union([textPart, imagePart])), z.null()]).optional() }))
    .min(1)
    .describe('The last user message is the prompt, its image_url parts the reference images; system text is added to the prompt.'),
  n: z.number().int().optional(),
  stream: z.boolean().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).optional(),
  user: z.string().max(256).optional(),
});

/** Image parameters a chat client may add at the top level; they go to the model's contract. */
export const ChatImageParams = z.object({
  size: z.string().max(16).optional(),
  aspect_ratio: z.string().optional(),
  resolution: z.string().optional(),
  quality: z.string().optional(),
  output_format: z.string().optional(),
  seed: z.number().int().optional(),
  watermark: z.boolean().optional(),
  negative_prompt: z.string().optional(),
});

/** Generic chat parameters that do not steer an image model: accepted and left out. */
export const CHAT_IGNORED_FIELDS = [
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'modalities',
  'presence_penalty',
  'frequency_penalty',
  'logprobs',
  'top_logprobs',
  'response_format',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'metadata',
  'store',
  'reasoning_effort',
  'stop',
  'seed_hint',
] as const;
