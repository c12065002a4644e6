/**
 * ImageJob + plan → the body of Imagen's `:predict` (one call makes all n images, `sampleCount`), the same on
 * Vertex AI and the Gemini API; each API's adapter says where it goes and how it is authorised.
 */
import type { ImageJob } from '../../domain/job.js';
import type { GoogleEndpoint } from '../gemini/endpoint.js';
import type { UpstreamRequest } from '../http.js';
import { imagenMask } from './mask.js';
import type { ImagenParameters, ImagenPlan, ReferencePlan } from './plan.js';

interface ReferenceImage {
  referenceType: string;
  referenceId: number;
  /** Absent on an automatic mask (MASK_MODE_BACKGROUND): Imagen makes that mask itself. */
  referenceImage?: { bytesBase64Encoded: string };
  maskImageConfig?: { maskMode: 'MASK_MODE_USER_PROVIDED' | 'MASK_MODE_BACKGROUND'; dilation?: number };
  subjectImageConfig?: { subjectDescription: string; subjectType: string };
  styleImageConfig?: { styleDescription: string };
}

export interface PredictBody {
  instances: Array<{ prompt: string; referenceImages?: ReferenceImage[] }>;
  parameters: ImagenParameters;
}

/** The image to edit (RAW) and the area to change (MASK): the user's mask, or the background Imagen finds itself. */
async function editReferences(job: ImageJob): Promise<ReferenceImage[]> {
  const source = job.images[0]!;
  const raw: ReferenceImage = { referenceType: 'REFERENCE_TYPE_RAW', referenceId: 1, referenceImage: { bytesBase64Encoded: source.bytes.toString('base64') } };
  const mask: ReferenceImage = job.mask
    ? {
        referenceType: 'REFERENCE_TYPE_MASK',
        referenceId: 2,
        referenceImage: { bytesBase64Encoded: (await imagenMask(job.mask)).toString('base64') },
        maskImageConfig: { maskMode: 'MASK_MODE_USER_PROVIDED' },
      }
    : { referenceType: 'REFERENCE_TYPE_MASK', referenceId: 2, maskImageConfig: { maskMode: 'MASK_MODE_BACKGROUND' } };
  return [raw, mask];
}

/** Customization: each client image a reference, numbered in client order as the prompt's [1], [2]… */
function customizationReferences(job: ImageJob, plan: ReferencePlan): ReferenceImage[] {
  return job.images.map((img, i) => ({
    referenceType: plan.type,
    referenceId: i + 1,
    referenceImage: { bytesBase64Encoded: img.bytes.toString('base64') },
    ...plan.config,
  }));
}

export async function buildPredictBody(job: ImageJob, plan: ImagenPlan): Promise<Buffer> {
  const references = job.operation === 'edit' ? await editReferences(job) : plan.references ? customizationReferences(job, plan.references) : undefined;
  const instance = references ? { prompt: job.prompt, referenceImages: references } : { prompt: job.prompt };
  const body: PredictBody = { instances: [instance], parameters: plan.parameters };
  return Buffer.from(JSON.stringify(body));
}

export async function buildPredictRequest(job: ImageJob, plan: ImagenPlan, endpoint: GoogleEndpoint): Promise<UpstreamRequest> {
  return {
    method: 'POST',
    url: endpoint.url('predict'),
    headers: { ...endpoint.headers, 'content-type': 'application/json' },
    body: await buildPredictBody(job, plan),
  };
}
