/**
 * A fake Gemini API (Gemini API docs): `POST /v1beta/models/{model}:generateContent` with `x-goog-api-key`
 * (or `?key=`), and `:streamGenerateContent?alt=sse` answering the same as server-sent events split in time
 * (gemini-stream.ts, with knobs for pacing, holding the image back and breaking the stream), Google's error shape, a real PNG of the dimensions Google documents for the requested
 * aspect ratio and size, and usageMetadata. It checks what it is sent (unknown fields, aspect ratios and
 * image sizes, reference counts and inline data) the way the real API does, with a 400 INVALID_ARGUMENT.
 * Knobs for blocked prompts, finish reasons, text-only replies, thought parts and snake_case parts, plus
 * HttpFake's latency / drop / fail knobs.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type StreamFault, type StreamKnobs, writeStream } from './gemini-stream.js';
import { HttpFake, type RecordedRequest, sendJson } from './http-fake.js';
import { ImagenPredictor } from './imagen.js';
import { makeImage } from './images.js';

/** Google's documented output sizes: ratio → [1K, 2K, 4K]. */
const GEMINI_3_SIZES: Record<string, [string, string, string]> = {
  '1:1': ['1024x1024', '2048x2048', '4096x4096'],
  '2:3': ['848x1264', '1696x2528', '3392x5056'],
  '3:2': ['1264x848', '2528x1696', '5056x3392'],
  '3:4': ['896x1200', '1792x2400', '3584x4800'],
  '4:3': ['1200x896', '2400x1792', '4800x3584'],
  '4:5': ['928x1152', '1856x2304', '3712x4608'],
  '5:4': ['1152x928', '2304x1856', '4608x3712'],
  '9:16': ['768x1376', '1536x2752', '3072x5504'],
  '16:9': ['1376x768', '2752x1536', '5504x3072'],
  '21:9': ['1584x672', '3168x1344', '6336x2688'],
};
const FLASH_31_EXTRA: Record<string, [string, string, string]> = {
  '1:4': ['512x2048', '1024x4096', '2048x8192'],
  '4:1': ['2048x512', '4096x1024', '8192x2048'],
  '1:8': ['384x3072', '768x6144', '1536x12288'],
  '8:1': ['3072x384', '6144x768', '12288x1536'],
};
const FLASH_25_SIZES: Record<string, [string]> = {
  '1:1': ['1024x1024'],
  '2:3': ['832x1248'],
  '3:2': ['1248x832'],
  '3:4': ['864x1184'],
  '4:3': ['1184x864'],
  '4:5': ['896x1152'],
  '5:4': ['1152x896'],
  '9:16': ['768x1344'],
  '16:9': ['1344x768'],
  '21:9': ['1536x672'],
};

interface FakeModel {
  sizes: Record<string, string[]>;
  /** imageSize values, in the order of the sizes' columns; empty = the model takes no imageSize. */
  imageSizes: string[];
  /** Output image tokens per imageSize column. */
  imageTokens: number[];
  maxImages: number;
}

const FLASH_25: FakeModel = { sizes: FLASH_25_SIZES, imageSizes: [], imageTokens: [1290], maxImages: 3 };
const MODELS: Record<string, FakeModel> = {
  'gemini-2.5-flash-image': FLASH_25,
  'gemini-2.5-flash-image-preview': FLASH_25,
  'gemini-3-pro-image-preview': { sizes: GEMINI_3_SIZES, imageSizes: ['1K', '2K', '4K'], imageTokens: [1120, 1120, 2000], maxImages: 14 },
  'gemini-3.1-flash-image-preview': {
    sizes: { ...GEMINI_3_SIZES, ...FLASH_31_EXTRA },
    imageSizes: ['1K', '2K', '4K'],
    imageTokens: [1120, 1680, 2520],
    maxImages: 14,
  },
};

const INLINE_MIMES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif']);
const MAX_INLINE_BYTES = 7 * 1024 * 1024;
const REQUEST_FIELDS = new Set(['contents', 'generationConfig', 'safetySettings', 'systemInstruction', 'tools', 'toolConfig', 'cachedContent']);
const GENERATION_CONFIG_FIELDS = new Set([
  'responseModalities',
  'imageConfig',
  'temperature',
  'topP',
  'topK',
  'candidateCount',
  'maxOutputTokens',
  'seed',
  'stopSequences',
]);
const IMAGE_CONFIG_FIELDS = new Set(['aspectRatio', 'imageSize']);
/** Image tokens Gemini counts per input image. */
const INPUT_IMAGE_TOKENS = 258;

/** Google's error envelope. */
export function googleError(code: number, status: string, message: string, details?: unknown[]): { error: Record<string, unknown> } {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

type Part = Record<string, unknown>;

export class GeminiFake extends HttpFake {
  private readonly blockReasons: string[] = [];
  private readonly finishReasons: string[] = [];
  private readonly textOnly: string[] = [];
  private readonly captions: string[] = [];
  /** Next N replies start with thought parts (a thought text and an interim thought image). */
  thoughtPartsNext = 0;
  /** Next N replies spell image parts `inline_data` / `mime_type`. */
  snakeCaseNext = 0;
  /** The responseId of every 200 reply, in order. */
  readonly responseIds: string[] = [];
  /** How streamGenerateContent spaces out its events, and where it may stop (gemini-stream.ts). */
  readonly stream: StreamKnobs = { delayMs: 0, gate: undefined, fault: undefined };
  private readonly streamFaults: StreamFault[] = [];

  /** Imagen models' `:predict` (Gemini API flavour: the parameters it takes). */
  readonly imagen: ImagenPredictor;

  constructor(
    readonly apiKey = 'AIzaFakeGeminiKey0000000000000000000000',
    imagen: ImagenPredictor = new ImagenPredictor('gemini'),
  ) {
    super([]);
    this.imagen = imagen;
    this.routes.push(
      {
        method: 'POST',
        path: /^\/v1beta\/models\/(imagen-[^/:]+):predict$/,
        handle: (r: RecordedRequest, res: ServerResponse, m: RegExpExecArray) =>
          this.authorized(r, res) ? this.imagen.predict(r, res, decodeURIComponent(m[1]!)) : undefined,
      },
      {
        method: 'POST',
        path: /^\/v1beta\/models\/([^/:]+):generateContent$/,
        handle: (r: RecordedRequest, res: ServerResponse, m: RegExpExecArray) => this.generateContent(r, res, decodeURIComponent(m[1]!), false),
      },
      {
        method: 'POST',
        path: /^\/v1beta\/models\/([^/:]+):streamGenerateContent$/,
        handle: (r: RecordedRequest, res: ServerResponse, m: RegExpExecArray) => {
          // Without alt=sse Google streams a JSON array; the gateway must always ask for server-sent events.
          if (r.query.get('alt') !== 'sse')
            return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', 'fake: streamGenerateContent is only served with alt=sse.'));
          return this.generateContent(r, res, decodeURIComponent(m[1]!), true);
        },
      },
    );
  }

  /** The next reply is HTTP 200 with no candidates and `promptFeedback.blockReason`. */
  blockPromptNext(reason = 'SAFETY'): void {
    this.blockReasons.push(reason);
  }

  /** The next reply's candidate ends with this finishReason and no image. */
  finishReasonNext(reason: string): void {
    this.finishReasons.push(reason);
  }

  /** The next reply is text only (finishReason STOP, no image). */
  textOnlyNext(text: string): void {
    this.textOnly.push(text);
  }

  /** The next reply carries this text part beside its image. */
  captionNext(text: string): void {
    this.captions.push(text);
  }

  /** Answer the next request with a Google error (uses HttpFake's fail knobs). */
  errorNext(code: number, status: string, message: string, opts: { details?: unknown[]; headers?: Record<string, string> } = {}): void {
    Object.assign(this.knobs, { failNext: 1, failStatus: code, failBody: googleError(code, status, message, opts.details), failHeaders: opts.headers ?? {} });
  }

  /** The next streamed answer goes wrong this way. */
  streamFaultNext(fault: StreamFault): void {
    this.streamFaults.push(fault);
  }

  override reset(): void {
    super.reset();
    Object.assign(this.stream, { delayMs: 0, gate: undefined, fault: undefined });
    this.streamFaults.length = 0;
    this.blockReasons.length = this.finishReasons.length = this.textOnly.length = this.captions.length = 0;
    this.thoughtPartsNext = this.snakeCaseNext = 0;
    this.responseIds.length = 0;
    this.imagen.reset();
  }

  /** A 200 answer, whole or (streamGenerateContent) as server-sent events. */
  private async answer(res: ServerResponse, stream: boolean, body: Record<string, unknown>): Promise<void> {
    if (!stream) return sendJson(res, 200, body);
    await writeStream(res, body, { ...this.stream, fault: this.streamFaults.shift() });
  }

  private invalid(res: ServerResponse, message: string): void {
    sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', message));
  }

  protected authorized(r: RecordedRequest, res: ServerResponse): boolean {
    const key = (r.headers['x-goog-api-key'] as string | undefined) ?? r.query.get('key') ?? undefined;
    if (key === this.apiKey) return true;
    if (!key) {
      sendJson(
        res,
        403,
        googleError(
          403,
          'PERMISSION_DENIED',
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        ),
      );
      return false;
    }
    sendJson(
      res,
      400,
      googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
        { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
      ]),
    );
    return false;
  }

  /** Why the request is one the real API would refuse, or undefined. */
  private problem(body: unknown, model: FakeModel): string | undefined {
    if (typeof body !== 'object' || body === null) return 'Invalid JSON payload received.';
    const b = body as Record<string, unknown>;
    for (const k of Object.keys(b)) if (!REQUEST_FIELDS.has(k)) return `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`;
    const contents = b.contents;
    if (!Array.isArray(contents) || contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified';
    const parts = contents.flatMap((c) => ((c as { parts?: unknown }).parts as Part[] | undefined) ?? []);
    if (parts.length === 0) return '* GenerateContentRequest.contents[0].parts: contents.parts must not be empty.';
    let images = 0;
    for (const p of parts) {
      const inline = p.inlineData as { mimeType?: unknown; data?: unknown } | undefined;
      if (inline) {
        images++;
        if (typeof inline.mimeType !== 'string' || !INLINE_MIMES.has(inline.mimeType)) return `Unsupported MIME type: ${String(inline.mimeType)}`;
        if (typeof inline.data !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(inline.data))
          return "Invalid value at 'contents[0].parts[1].inline_data.data' (TYPE_BYTES), Base64 decoding failed.";
        if (Buffer.byteLength(inline.data, 'base64') > MAX_INLINE_BYTES) return 'Inline data exceeds the 7 MB limit per file.';
      } else if (typeof p.text !== 'string') {
        return `Invalid JSON payload received. Unknown part: ${Object.keys(p).join(', ')}`;
      }
    }
    if (images > model.maxImages) return `Too many images: at most ${model.maxImages} images are supported per request.`;
    const config = (b.generationConfig ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(config))
      if (!GENERATION_CONFIG_FIELDS.has(k)) return `Invalid JSON payload received. Unknown name "${k}" at 'generation_config': Cannot find field.`;
    const imageConfig = (config.imageConfig ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(imageConfig))
      if (!IMAGE_CONFIG_FIELDS.has(k)) return `Invalid JSON payload received. Unknown name "${k}" at 'generation_config.image_config': Cannot find field.`;
    if (imageConfig.aspectRatio !== undefined && !model.sizes[String(imageConfig.aspectRatio)])
      return `Unsupported aspect ratio: ${String(imageConfig.aspectRatio)}.`;
    // 2.5 Flash's reaction to imageSize is not documented: the fake refuses it so the adapter never relies on it.
    if (imageConfig.imageSize !== undefined && !model.imageSizes.includes(String(imageConfig.imageSize)))
      return `Unsupported image size: ${String(imageConfig.imageSize)}.`;
    return undefined;
  }

  protected async generateContent(r: RecordedRequest, res: ServerResponse, modelName: string, stream: boolean): Promise<void> {
    if (!this.authorized(r, res)) return;
    const model = MODELS[modelName];
    if (!model) {
      return sendJson(
        res,
        404,
        googleError(
          404,
          'NOT_FOUND',
          `models/${modelName} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
        ),
      );
    }
    const problem = this.problem(r.json, model);
    if (problem) return this.invalid(res, problem);
    const body = r.json as {
      contents: Array<{ parts: Part[] }>;
      generationConfig?: { responseModalities?: string[]; imageConfig?: { aspectRatio?: string; imageSize?: string } };
    };
    const parts = body.contents.flatMap((c) => c.parts);
    const inputImages = parts.filter((p) => p.inlineData).length;
    const promptTokens = Math.ceil(parts.reduce((n, p) => n + (typeof p.text === 'string' ? p.text.length : 0), 0) / 4);
    const responseId = randomUUID().replace(/-/g, '').slice(0, 22);
    const common = { modelVersion: modelName, responseId };
    this.responseIds.push(responseId);
    const promptUsage = {
      promptTokenCount: promptTokens + inputImages * INPUT_IMAGE_TOKENS,
      promptTokensDetails: [
        { modality: 'TEXT', tokenCount: promptTokens },
        ...(inputImages ? [{ modality: 'IMAGE', tokenCount: inputImages * INPUT_IMAGE_TOKENS }] : []),
      ],
    };

    const block = this.blockReasons.shift();
    if (block)
      return this.answer(res, stream, {
        promptFeedback: { blockReason: block },
        usageMetadata: { ...promptUsage, totalTokenCount: promptUsage.promptTokenCount },
        ...common,
      });
    const finish = this.finishReasons.shift();
    if (finish) {
      return this.answer(res, stream, {
        candidates: [{ finishReason: finish, index: 0 }],
        usageMetadata: { ...promptUsage, totalTokenCount: promptUsage.promptTokenCount },
        ...common,
      });
    }
    const textOnly = this.textOnly.shift();
    const wantsImage = body.generationConfig?.responseModalities?.includes('IMAGE') === true;
    if (textOnly !== undefined || !wantsImage) {
      const text = textOnly ?? 'I can only describe it in words.';
      const textTokens = Math.ceil(text.length / 4);
      return this.answer(res, stream, {
        candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }],
        usageMetadata: {
          ...promptUsage,
          candidatesTokenCount: textTokens,
          totalTokenCount: promptUsage.promptTokenCount + textTokens,
          candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: textTokens }],
        },
        ...common,
      });
    }

    const ratio = body.generationConfig?.imageConfig?.aspectRatio ?? '1:1';
    const column = model.imageSizes.length ? model.imageSizes.indexOf(body.generationConfig?.imageConfig?.imageSize ?? '1K') : 0;
    const [w, h] = model.sizes[ratio]![column]!.split('x').map(Number) as [number, number];
    const png = await makeImage(w, h);
    const snake = this.snakeCaseNext > 0 ? (this.snakeCaseNext--, true) : false;
    const thoughts = this.thoughtPartsNext > 0 ? (this.thoughtPartsNext--, true) : false;
    const imagePart = snake
      ? { inline_data: { mime_type: 'image/png', data: png.toString('base64') } }
      : { inlineData: { mimeType: 'image/png', data: png.toString('base64') } };
    const caption = this.captions.shift();
    const thoughtTokens = thoughts ? 180 : 0;
    const outParts: Part[] = [
      ...(thoughts
        ? [
            { text: 'Planning the composition: subject centred, soft light.', thought: true },
            { inlineData: { mimeType: 'image/png', data: (await makeImage(64, 64, { color: { r: 200, g: 200, b: 200 } })).toString('base64') }, thought: true },
          ]
        : []),
      ...(caption ? [{ text: caption }] : []),
      { ...imagePart, ...(thoughts ? { thoughtSignature: 'c2lnbmF0dXJl' } : {}) },
    ];
    const imageTokens = model.imageTokens[column]!;
    const captionTokens = caption ? Math.ceil(caption.length / 4) : 0;
    this.answer(res, stream, {
      candidates: [{ content: { role: 'model', parts: outParts }, finishReason: 'STOP', index: 0 }],
      usageMetadata: {
        ...promptUsage,
        candidatesTokenCount: imageTokens + captionTokens,
        totalTokenCount: promptUsage.promptTokenCount + imageTokens + captionTokens + thoughtTokens,
        ...(thoughts ? { thoughtsTokenCount: thoughtTokens } : {}),
        candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: imageTokens }, ...(caption ? [{ modality: 'TEXT', tokenCount: captionTokens }] : [])],
      },
      ...common,
    });
  }
}

export async function startGeminiFake(): Promise<GeminiFake> {
  return new GeminiFake().start();
}
