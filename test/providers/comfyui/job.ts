/** Defaults of the ComfyUI tests: the example workflows of examples/comfyui/ as routes to a fake host. */
import type { CallContext, Route } from '../../../src/domain/adapter.js';
import type { ImageJob } from '../../../src/domain/job.js';
import { callContext, catalogFacts, imageJob, upstreamRoute } from '../builders.js';

export const TEXT_TO_IMAGE = 'examples/comfyui/text-to-image.json';
export const IMAGE_TO_IMAGE = 'examples/comfyui/image-to-image.json';

export const TEXT_BINDINGS = {
  prompt: '6.inputs.text',
  negative_prompt: '7.inputs.text',
  seed: '3.inputs.seed',
  steps: '3.inputs.steps',
  width: '5.inputs.width',
  height: '5.inputs.height',
  n: '5.inputs.batch_size',
};

export const EDIT_BINDINGS = { prompt: '6.inputs.text', seed: '3.inputs.seed', image: '10.inputs.image', strength: '3.inputs.denoise' };

export function comfyRoute(
  baseUrl: string,
  over: Partial<Route> = {},
  options: Route['options'] = { workflow: TEXT_TO_IMAGE, bindings: TEXT_BINDINGS },
): Route {
  return upstreamRoute('comfyui', baseUrl, 'workflow', {
    apiKey: '',
    credential: 'none',
    options,
    model: catalogFacts('my-comfy-model', {
      negative_prompt: { type: 'string' },
      seed: { type: 'integer' },
      steps: { type: 'integer' },
    }),
    ...over,
  });
}

export const comfyJob = (over: Partial<ImageJob> = {}): ImageJob => imageJob({ model: 'my-comfy-model', prompt: 'a lighthouse at dusk', ...over });

export const ctx = (ms = 10_000, over: Partial<CallContext> = {}) => callContext(ms, over);
