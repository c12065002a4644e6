/**
 * One generateContent reply → its images, text and usage. Image data stays the base64 text Gemini sent (no
 * decode; lifted out as bytes when the body was read with parseLifting). A reply without an image becomes
 * the GatewayError its promptFeedback / finishReason means.
 */
import type { Base64Text, GeneratedImage, ImageMime, TokenUsage } from '../../domain/job.js';
import { blockedPromptError, malformedReplyError, noImageError } from './errors.js';

interface InlineData {
  mimeType?: string;
  data?: Base64Text;
}

/** The API speaks camelCase; snake_case `inline_data` / `mime_type` also appear in the wild. */
interface Part {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: InlineData;
  inline_data?: { mime_type?: string; mimeType?: string; data?: Base64Text };
}

interface ModalityCount {
  modality?: string;
  tokenCount?: number;
}

export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  thoughtsTokenCount?: number;
  promptTokensDetails?: ModalityCount[];
  candidatesTokensDetails?: ModalityCount[];
}

export interface GenerateContentResponse {
  candidates?: Array<{ content?: { parts?: Part[]; role?: string }; finishReason?: string; finishMessage?: string }>;
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: UsageMetadata;
  modelVersion?: string;
  responseId?: string;
}

export interface GeminiReply {
  images: GeneratedImage[];
  text?: string;
  usage?: TokenUsage;
  responseId?: string;
}

const IMAGE_MIMES = new Set<string>(['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/bmp']);

function inlineImage(part: Part): { b64: Base64Text; mime: ImageMime } | undefined {
  const camel = part.inlineData;
  const snake = part.inline_data;
  const data = camel?.data ?? snake?.data;
  const mime = camel?.mimeType ?? snake?.mime_type ?? snake?.mimeType;
  // A type the gateway cannot label correctly is not passed on as an image.
  if (!data || !mime || !IMAGE_MIMES.has(mime)) return undefined;
  return { b64: data, mime: mime as ImageMime };
}

/** The answer's image in this part, or undefined. Thought parts are the model's drafts (Gemini 3 sends interim images among them): never the answer. */
export function imageOf(part: Part, outputSize: string | undefined): GeneratedImage | undefined {
  if (part.thought === true) return undefined;
  const img = inlineImage(part);
  return img ? { payload: { kind: 'b64' as const, ...img }, ...(outputSize ? { size: outputSize } : {}) } : undefined;
}

/** The answer's text in this part ('' for none, and for thoughts). */
export const textOf = (part: Part): string => (part.thought === true ? '' : (part.text ?? ''));

/** A reply with no candidate: a blocked prompt, or a body that makes no sense. */
export function noCandidateError(body: Pick<GenerateContentResponse, 'promptFeedback' | 'responseId'>) {
  if (body.promptFeedback?.blockReason) return blockedPromptError(body.promptFeedback.blockReason, body.responseId);
  return malformedReplyError('no candidates and no promptFeedback', body.responseId);
}

/**
 * What a candidate's images and text amount to, for whole and streamed replies alike: the reply, or the
 * error an answer without an image means. `acceptTextOnly`: the client (chat) takes a plain text answer,
 * so a text-only STOP is a reply, not a failure.
 */
export function settleReply(
  r: { images: GeneratedImage[]; text: string | undefined; finishReason: string | undefined; usage: TokenUsage | undefined; responseId: string | undefined },
  acceptTextOnly: boolean,
): GeminiReply {
  const textAnswer = acceptTextOnly && r.text !== undefined && (r.finishReason ?? 'STOP') === 'STOP';
  if (r.images.length === 0 && !textAnswer) throw noImageError(r.finishReason, r.text, r.responseId);
  return { images: r.images, text: r.text, usage: r.usage, responseId: r.responseId };
}

export function readReply(body: GenerateContentResponse, outputSize: string | undefined, acceptTextOnly = false): GeminiReply {
  if (typeof body !== 'object' || body === null) throw malformedReplyError('the body is not a JSON object');
  const candidate = body.candidates?.[0];
  if (!candidate) throw noCandidateError(body);
  const parts = candidate.content?.parts ?? [];
  const images = parts.flatMap((p) => imageOf(p, outputSize) ?? []);
  const text = parts.map(textOf).filter(Boolean).join('\n') || undefined;
  return settleReply({ images, text, finishReason: candidate.finishReason, usage: toUsage(body.usageMetadata), responseId: body.responseId }, acceptTextOnly);
}

function byModality(details: ModalityCount[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of details) if (d.modality) out[d.modality] = (out[d.modality] ?? 0) + (d.tokenCount ?? 0);
  return out;
}

export function toUsage(u: UsageMetadata | undefined): TokenUsage | undefined {
  if (!u) return undefined;
  const prompt = u.promptTokensDetails ? byModality(u.promptTokensDetails) : undefined;
  const output = u.candidatesTokensDetails ? byModality(u.candidatesTokensDetails) : undefined;
  // Google bills thinking tokens as output text.
  const outputText = (output?.TEXT ?? 0) + (u.thoughtsTokenCount ?? 0);
  return {
    inputTextTokens: prompt ? (prompt.TEXT ?? 0) : u.promptTokenCount,
    inputImageTokens: prompt?.IMAGE,
    // Without a per-modality split the candidates of an image reply are the image: bill them as such.
    outputImageTokens: output ? output.IMAGE : u.candidatesTokenCount,
    outputTextTokens: output || u.thoughtsTokenCount !== undefined ? outputText : undefined,
    totalTokens: u.totalTokenCount,
  };
}
