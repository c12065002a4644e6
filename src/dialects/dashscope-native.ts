/**
 * DashScope's own request shape on /v1/images/generations (`input.messages` + `parameters`, as clients of
 * Wan / Qwen-Image send it) and DashScope's own response shape, with image URLs hosted by imagegate.
 */
import type { DraftRequest, ImageSource } from '../domain/draft.js';
import { invalidRequest } from '../domain/errors.js';
import type { ImageParams, JsonValue } from '../domain/job.js';
import type { Delivery } from '../pipeline/pipeline.js';
import { sanitizeShape } from '../domain/sanitize.js';
import { asObject, modelField } from './openai-images.js';

/** parameters.* → public param name; size is handled apart (tier or W*H). */
const PARAMETER_MAP: Record<string, string> = {
  negative_prompt: 'negative_prompt',
  prompt_extend: 'prompt_extend',
  watermark: 'watermark',
  seed: 'seed',
  thinking_mode: 'thinking_mode',
  bbox_list: 'bbox_list',
  enable_sequential: 'enable_sequential',
};

export function isDashScopeNative(body: unknown): boolean {
  const input = (body as { input?: unknown } | null)?.input;
  return typeof input === 'object' && input !== null && Array.isArray((input as { messages?: unknown }).messages);
}

export function parseDashScopeNative(raw: unknown): DraftRequest {
  const body = asObject(raw);
  const messages = (body.input as { messages: unknown[] }).messages;
  const texts: string[] = [];
  const images: ImageSource[] = [];
  messages.forEach((m, i) => {
    const content = (m as { content?: unknown })?.content;
    if (!Array.isArray(content)) throw invalidRequest(`input.messages[${i}].content`, 'content must be a list of {"text"} and {"image"} items.');
    content.forEach((item, j) => {
      const it = item as { text?: unknown; image?: unknown };
      if (typeof it?.text === 'string') texts.push(it.text);
      else if (typeof it?.image === 'string') images.push({ field: `input.messages[${i}].content[${j}].image`, kind: 'url', url: it.image });
      else throw invalidRequest(`input.messages[${i}].content[${j}]`, 'each content item needs a "text" or an "image" string.');
    });
  });
  if (texts.length === 0) throw invalidRequest('input.messages', 'at least one {"text": ...} item is required.');
  const parameters = (body.parameters ?? {}) as Record<string, JsonValue>;
  if (typeof parameters !== 'object' || Array.isArray(parameters)) throw invalidRequest('parameters', 'parameters must be an object.');
  const params: ImageParams = {};
  let n: number | undefined;
  for (const [k, v] of Object.entries(parameters)) {
    if (v === undefined || v === null) continue;
    if (k === 'n') {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidRequest('parameters.n', 'parameters.n must be an integer.');
      n = v;
    } else if (k === 'size') {
      if (typeof v !== 'string') throw invalidRequest('parameters.size', 'parameters.size must be a string such as "1280*1280" or "2K".');
      if (/^[1-9]\d{1,4}\*[1-9]\d{1,4}$/.test(v)) params.size = v.replace('*', 'x');
      else if (/^[1-9]K$/.test(v)) params.resolution = v;
      else throw invalidRequest('parameters.size', `parameters.size "${v}" must be "W*H" (e.g. "1280*1280") or a tier such as "2K".`);
    } else if (PARAMETER_MAP[k]) {
      params[PARAMETER_MAP[k]] = v;
    } else {
      throw invalidRequest(`parameters.${k}`, `parameters.${k} is not a DashScope image parameter this gateway knows.`);
    }
  }
  return {
    endpoint: '/v1/images/generations',
    model: modelField(body),
    operation: images.length ? 'image-to-image' : 'text-to-image',
    prompt: texts.join('\n'),
    n: n ?? 1,
    responseFormat: 'url',
    params,
    images,
    imagesField: 'input.messages',
    shape: sanitizeShape(body) as Record<string, unknown>,
  };
}

export function renderDashScope(d: Delivery, requestId: string) {
  const size = d.images[0]?.size ?? d.result.meta?.size;
  return {
    output: {
      choices: d.images.map((img) => ({ finish_reason: 'stop', message: { role: 'assistant', content: [{ image: img.url!, type: 'image' }] } })),
      finished: true,
    },
    usage: {
      image_count: d.images.length,
      input_tokens: d.result.usage?.inputTextTokens ?? 0,
      output_tokens: d.result.usage?.outputImageTokens ?? 0,
      total_tokens: d.result.usage?.totalTokens ?? 0,
      ...(size ? { size: size.replace('x', '*') } : {}),
    },
    request_id: requestId,
    ...(d.billingTransactionId
      ? { imagegate: { billing: { billing_transaction_id: d.billingTransactionId, amount: d.charged, currency: d.currency, unit: 'micro' } } }
      : {}),
  };
}
