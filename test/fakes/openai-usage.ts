/**
 * The usage the fake OpenAI Images API reports, with the real figures: output image tokens by quality and
 * size (image generation guide; gpt-image-2 by its area rule), input image tokens by each image's tiles
 * (vision guide, GPT Image 1) plus what high fidelity adds, and about a token per four prompt bytes.
 * Written apart from the catalog on purpose, so an end-to-end test compares two sources.
 */

const GPT_IMAGE_1: Record<string, number> = {
  'low/1024x1024': 272,
  'low/1024x1536': 408,
  'low/1536x1024': 400,
  'medium/1024x1024': 1056,
  'medium/1024x1536': 1584,
  'medium/1536x1024': 1568,
  'high/1024x1024': 4160,
  'high/1024x1536': 6240,
  'high/1536x1024': 6208,
};

const GPT_IMAGE_2_FACTOR: Record<string, number> = { low: 16, medium: 48, high: 96 };

export function outputImageTokens(model: string, quality: string, width: number, height: number): number {
  if (model !== 'gpt-image-2') return GPT_IMAGE_1[`${quality}/${width}x${height}`] ?? 0;
  const f = GPT_IMAGE_2_FACTOR[quality] ?? 0;
  const long = Math.max(width, height);
  const s = Math.floor((2 * f * Math.min(width, height) + long) / (2 * long));
  return Math.ceil((f * s * (2_000_000 + width * height)) / 4_000_000);
}

export function inputImageTokens(model: string, width: number, height: number, fidelity: string | undefined): number {
  const fit = Math.min(1, 2048 / Math.max(width, height));
  const toShort = Math.min(1, 512 / Math.min(width * fit, height * fit));
  const tiles = Math.ceil((width * fit * toShort) / 512) * Math.ceil((height * fit * toShort) / 512);
  const high = model === 'gpt-image-2' || fidelity === 'high';
  return 65 + 129 * tiles + (high ? (width === height ? 4160 : 6240) : 0);
}

export interface FakeUsage {
  input_tokens: number;
  input_tokens_details: { text_tokens: number; image_tokens: number };
  output_tokens: number;
  output_tokens_details: { image_tokens: number; text_tokens: number };
  total_tokens: number;
}

export function usageOf(opts: { textTokens: number; imageTokens: number; outputImageTokens: number }): FakeUsage {
  const input = opts.textTokens + opts.imageTokens;
  return {
    input_tokens: input,
    input_tokens_details: { text_tokens: opts.textTokens, image_tokens: opts.imageTokens },
    output_tokens: opts.outputImageTokens,
    output_tokens_details: { image_tokens: opts.outputImageTokens, text_tokens: 0 },
    total_tokens: input + opts.outputImageTokens,
  };
}
