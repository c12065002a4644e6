/**
 * The Chat Completions dialect for image-capable chat models (the Gemini image family): `messages` in,
 * an OpenAI `chat.completion` out whose content holds each image as a Markdown data URL
 * (`![image](data:image/png;base64,…)`) and whose `message.images[]` carries the same data as image_url parts.
 */
import type { DraftRequest, ImageSource } from '../domain/draft.js';
import { invalidRequest } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import type { Base64Text, ImageParams, JsonValue, TokenUsage } from '../domain/job.js';
import type { Delivery } from '../pipeline/pipeline.js';
import { sanitizeShape } from '../domain/sanitize.js';
import { asObject, modelField, checkSizeSyntax, optionalInteger, optionalString } from './openai-images.js';
import { CHAT_IGNORED_FIELDS, ChatFields, ChatImageParams } from './request-fields.js';

/** Generic chat parameters that do not steer an image model: accepted and left out. */
const IGNORED: ReadonlySet<string> = new Set(CHAT_IGNORED_FIELDS);
/** Image parameters a chat client may add as top-level extensions; they go to the model's contract. */
const IMAGE_PARAMS: ReadonlySet<string> = new Set(Object.keys(ChatImageParams.shape));
/** The chat fields the dialect reads itself; any other field is refused. */
const CHAT_FIELDS: ReadonlySet<string> = new Set(Object.keys(ChatFields.shape));

type Part = { type?: unknown; text?: unknown; image_url?: unknown };

function partsOf(content: unknown, i: number): Part[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (Array.isArray(content)) return content as Part[];
  if (content === null || content === undefined) return [];
  throw invalidRequest(`messages[${i}].content`, 'content must be a string or a list of content parts.');
}

export interface ChatDraft extends DraftRequest {
  stream: boolean;
  /** `stream_options.include_usage`: the final chunk carries usage, as OpenAI's streams do when asked. */
  includeUsage: boolean;
}

function includeUsageOf(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidRequest('stream_options', 'stream_options must be an object such as {"include_usage": true}.');
  const include = (v as { include_usage?: unknown }).include_usage;
  if (include !== undefined && typeof include !== 'boolean')
    throw invalidRequest('stream_options.include_usage', 'stream_options.include_usage must be true or false.');
  return include === true;
}

export function parseChat(raw: unknown): ChatDraft {
  const body = asObject(raw);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw invalidRequest('messages', 'messages must be a non-empty list of {role, content}.');
  // The image request is the last user turn; system text gives it context; earlier turns are conversation only.
  let lastUser = -1;
  messages.forEach((m, i) => {
    if (typeof m !== 'object' || m === null || typeof (m as { role?: unknown }).role !== 'string')
      throw invalidRequest(`messages[${i}]`, 'each message needs a role and content.');
    if ((m as { role: string }).role === 'user') lastUser = i;
  });
  if (lastUser < 0) throw invalidRequest('messages', 'messages must contain a user message.');
  const texts: string[] = [];
  const images: ImageSource[] = [];
  messages.forEach((m, i) => {
    const role = (m as { role: string }).role;
    if (role !== 'system' && i !== lastUser) return;
    partsOf((m as { content?: unknown }).content, i).forEach((p, j) => {
      const where = `messages[${i}].content[${j}]`;
      if (p.type === 'text' || (p.type === undefined && typeof p.text === 'string')) {
        if (typeof p.text !== 'string') throw invalidRequest(where, 'a text part needs a "text" string.');
        texts.push(p.text);
      } else if (p.type === 'image_url') {
        const url = typeof p.image_url === 'string' ? p.image_url : (p.image_url as { url?: unknown } | undefined)?.url;
        if (typeof url !== 'string') throw invalidRequest(`${where}.image_url`, 'an image_url part needs {"url": "<http(s) or data: URL>"}.');
        if (role === 'user') images.push({ field: `${where}.image_url`, kind: 'url', url });
      } else {
        throw invalidRequest(`${where}.type`, `content part type ${JSON.stringify(p.type)} is not supported; use "text" or "image_url".`);
      }
    });
  });
  const params: ImageParams = {};
  for (const [k, v] of Object.entries(body)) {
    if (v === undefined || v === null) continue;
    if (IMAGE_PARAMS.has(k)) params[k] = v as JsonValue;
    else if (!CHAT_FIELDS.has(k) && !IGNORED.has(k)) {
      throw invalidRequest(k, `The field "${k}" is not supported on /v1/chat/completions for image models.`);
    }
  }
  if ('size' in params) params.size = checkSizeSyntax(params.size);
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') throw invalidRequest('stream', 'stream must be true or false.');
  const stream = body.stream === true;
  const includeUsage = includeUsageOf(body.stream_options);
  return {
    endpoint: '/v1/chat/completions',
    model: modelField(body),
    operation: images.length ? 'image-to-image' : 'text-to-image',
    prompt: texts.join('\n\n'),
    n: optionalInteger(body, 'n'),
    responseFormat: 'b64_json',
    user: optionalString(body, 'user', 256),
    params,
    images,
    imagesField: 'messages',
    acceptTextOnly: true,
    shape: sanitizeShape(body) as Record<string, unknown>,
    stream,
    includeUsage,
  };
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: 'assistant';
      content: string;
      /** The spec requires it on every message: an image model never refuses in words, so it is null. */
      refusal: null;
      images?: Array<{ type: 'image_url'; image_url: { url: string } }>;
    };
    /** Required by the spec on every choice; image models have no token log probabilities. */
    logprobs: null;
    finish_reason: 'stop';
  }>;
  usage: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    prompt_tokens_details: { text_tokens: number; image_tokens: number };
    completion_tokens_details: { text_tokens: number; image_tokens: number };
  };
  imagegate: { request_id: string; billing?: { billing_transaction_id: string; amount: number; currency: string; unit: 'micro' } };
}

export type ChatUsage = ChatCompletion['usage'];

/** Token usage in the chat shape, images counted in the details as the seed documents. */
export function chatUsage(usage: TokenUsage | undefined): ChatUsage {
  const u = usage ?? {};
  const prompt = (u.inputTextTokens ?? 0) + (u.inputImageTokens ?? 0);
  const completion = (u.outputTextTokens ?? 0) + (u.outputImageTokens ?? 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: u.totalTokens ?? prompt + completion,
    prompt_tokens_details: { text_tokens: u.inputTextTokens ?? 0, image_tokens: u.inputImageTokens ?? 0 },
    completion_tokens_details: { text_tokens: u.outputTextTokens ?? 0, image_tokens: u.outputImageTokens ?? 0 },
  };
}

/** An image as the chat dialect shows it: a data URL (in Markdown in content, bare in images[]). */
export const dataUrlOf = (mime: string, b64: Base64Text): string => `data:${mime};base64,${b64}`;

export function renderChat(d: Delivery, requestId: string): ChatCompletion {
  const dataUrls = d.images.map((img) => dataUrlOf(img.mime, img.b64!));
  const content = [d.result.text?.trim(), ...dataUrls.map((u) => `![image](${u})`)].filter(Boolean).join('\n\n');
  const res: ChatCompletion = {
    id: newId('chatcmpl').replace('chatcmpl_', 'chatcmpl-'),
    object: 'chat.completion',
    created: d.created,
    model: d.model.id,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content,
          refusal: null,
          ...(dataUrls.length ? { images: dataUrls.map((url) => ({ type: 'image_url' as const, image_url: { url } })) } : {}),
        },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: chatUsage(d.result.usage),
    imagegate: { request_id: requestId },
  };
  if (d.billingTransactionId)
    res.imagegate.billing = { billing_transaction_id: d.billingTransactionId, amount: d.charged, currency: d.currency, unit: 'micro' };
  return res;
}
