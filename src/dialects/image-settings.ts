/**
 * The settings an OpenAI images reply reports at its top level (`size`, `quality`, `background`,
 * `output_format`) and that its streamed events carry: the values the model actually used, only within the
 * spec's enums (the reply's have no `auto`; the events' allow it where the model stated nothing). Shared by
 * the JSON reply and the streamed events so both say the same.
 * Which settings a model family reports at all (GPT image models do, DALL·E does not) is its adapter's to
 * say through `ImageResult.meta` (providers/openai/settings.ts); here only the spec's value sets apply, so a
 * size outside them (gpt-image-2's free-form sizes) stays in `data[].size` alone.
 */
import type { ImageMime, ImageResult } from '../domain/job.js';
import type { Delivery } from '../pipeline/pipeline.js';

export const SPEC_SIZES = ['1024x1024', '1024x1536', '1536x1024'] as const;
export const SPEC_QUALITIES = ['low', 'medium', 'high'] as const;
export const SPEC_BACKGROUNDS = ['transparent', 'opaque'] as const;
export const SPEC_OUTPUT_FORMATS = ['png', 'webp', 'jpeg'] as const;

export interface ReportedSettings {
  size?: (typeof SPEC_SIZES)[number];
  quality?: (typeof SPEC_QUALITIES)[number];
  background?: (typeof SPEC_BACKGROUNDS)[number];
  output_format?: (typeof SPEC_OUTPUT_FORMATS)[number];
}

const within = <T extends string>(values: readonly T[], v: string | undefined): T | undefined =>
  v !== undefined && (values as readonly string[]).includes(v) ? (v as T) : undefined;

/** What the upstream reported it used, kept only where the value is one the spec allows. */
export function reportedSettings(d: Pick<Delivery, 'result'>): ReportedSettings {
  const meta = d.result.meta ?? {};
  const out: ReportedSettings = {};
  const size = within(SPEC_SIZES, meta.size);
  const quality = within(SPEC_QUALITIES, meta.quality);
  const background = within(SPEC_BACKGROUNDS, meta.background);
  const format = within(SPEC_OUTPUT_FORMATS, meta.output_format);
  if (size) out.size = size;
  if (quality) out.quality = quality;
  if (background) out.background = background;
  if (format) out.output_format = format;
  return out;
}

/**
 * The settings of a streamed image event, where the spec requires all four: what the model reported it used,
 * `auto` where it stated nothing for size, quality or background (the events' enums allow it, and it claims
 * nothing), and the format of the image's own bytes when the model did not state it (the format has no
 * `auto`; bytes of a type the spec has no name for are reported as its nearest, png).
 */
export interface StreamedSettings {
  size: NonNullable<ReportedSettings['size']> | 'auto';
  quality: NonNullable<ReportedSettings['quality']> | 'auto';
  background: NonNullable<ReportedSettings['background']> | 'auto';
  output_format: NonNullable<ReportedSettings['output_format']>;
}

export function streamedSettings(meta: ImageResult['meta'], mime: ImageMime): StreamedSettings {
  const reported = reportedSettings({ result: { images: [], failedCount: 0, meta } });
  return {
    size: reported.size ?? 'auto',
    quality: reported.quality ?? 'auto',
    background: reported.background ?? 'auto',
    output_format: reported.output_format ?? within(SPEC_OUTPUT_FORMATS, mime.slice('image/'.length)) ?? 'png',
  };
}
