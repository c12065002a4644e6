/**
 * One generateContent reply → its images, text and usage. Image data stays the base64 string Gemini sent
 * (no decode). A reply without an image becomes the GatewayError its promptFeedback / finishReason means.
 */
import type { GeneratedImage, ImageMime, TokenUsage } from '../../core/job.js';
import { blockedPromptError, malformedReplyError, noImageError } from './errors.js';

interface InlineData {
  mimeType?: string;
  data?: string;
}

/** The API speaks camelCase; snake_case `inline_data` / `mime_type` also appear in the wild (upstreams.md §2). */
interface Part {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: InlineData;
  inline_data?: { mime_type?: string; mimeType?: string; data?: string };
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

function inlineImage(part: Part): { b64: string; mime: ImageMime } | undefined {
  const camel = part.inlineData;
  const snake = part.inline_data;
  const data = camel?.data ?? snake?.data;
  const mime = camel?.mimeType ?? snake?.mime_type ?? snake?.mimeType;
  // A type the gateway cannot label correctly is not passed on as an image.
  if (!data || !mime || !IMAGE_MIMES.has(mime)) return undefined;
  return { b64: data, mime: mime as ImageMime };
}

/** `acceptTextOnly`: the client (chat) takes a plain text answer, so a text-only STOP is a reply, not a failure. */
export function readReply(body: GenerateContentResponse, outputSize: string | undefined, acceptTextOnly = false): GeminiReply {
  if (typeof body !== 'object' || body === null) throw malformedReplyError('the body is not a JSON object');
  const responseId = body.responseId;
  const candidate = body.candidates?.[0];
  if (!candidate) {
    if (body.promptFeedback?.blockReason) throw blockedPromptError(body.promptFeedback.blockReason, responseId);
    throw malformedReplyError('no candidates and no promptFeedback', responseId);
  }
  // Thought parts are the model's drafts (Gemini 3 sends interim images among them): never the answer.
  const parts = (candidate.content?.parts ?? []).filter((p) => p.thought !== true);
  const images: GeneratedImage[] = parts.flatMap((p) => {
    const img = inlineImage(p);
    return img ? [{ payload: { kind: 'b64' as const, ...img }, ...(outputSize ? { size: outputSize } : {}) }] : [];
  });
  const text = parts.map((p) => p.text ?? '').filter(Boolean).join('\n') || undefined;
  const textAnswer = acceptTextOnly && text !== undefined && (candidate.finishReason ?? 'STOP') === 'STOP';
  if (images.length === 0 && !textAnswer) throw noImageError(candidate.finishReason, text, responseId);
  return { images, text, usage: toUsage(body.usageMetadata), responseId };
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
