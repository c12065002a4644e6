/**
 * imagegate job → a self-hosted OpenAI-compatible images request, as data. Such servers (LocalAI, SD.Next,
 * vLLM-based image servers) each accept their own extra fields; the operator declares them in the model's
 * catalog entry, and each one it lists is sent under its own name (flavour `passesListedFields`). Only
 * `size` is common to all of them.
 */
import type { FieldRule, ModelProfile } from '../openai/mapping.js';

export const OPENAI_COMPATIBLE = 'OpenAI-compatible server';

export const OPENAI_COMPATIBLE_FIELD_MAP: Readonly<Record<string, FieldRule>> = {
  size: { to: 'size', on: ['generations', 'edits', 'variations'] },
};

/** These servers answer url or b64_json as asked and report no settings; a ratio has no size of its own. */
export const OPENAI_COMPATIBLE_PROFILE: ModelProfile = { sizeOfRatio: {}, takesResponseFormat: true, reportsSettings: false };
