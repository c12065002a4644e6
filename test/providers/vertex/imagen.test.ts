/** Imagen on Vertex AI through the adapter, over real HTTP: the exact :predict request, RAI answers and errors. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { imageSize, makeImage } from '../../fakes/images.js';
import { callContext, failure, inputImage, job, startVertex, thrown, type VertexSetup, vertexRoute } from './job.js';

let s: VertexSetup;

beforeAll(async () => {
  s = await startVertex();
});
afterAll(async () => {
  await s?.close();
});
beforeEach(() => {
  s.vertex.reset();
});

const predictBody = () => s.vertex.requests.at(-1)!.json as { instances: Array<Record<string, unknown>>; parameters: Record<string, unknown> };

describe('Imagen on Vertex AI: the request', () => {
  it('posts :predict to the project and location with the service account bearer token and Imagen parameters', async () => {
    const r = await s.adapter.generate(
      job({ n: 2, params: { aspect_ratio: '16:9', resolution: '2K', person_generation: 'allow_adult', safety_setting: 'block_only_high' } }),
      vertexRoute(s),
      callContext(),
    );
    expect(s.vertex.calls.at(-1)).toEqual({ project: s.account.projectId, location: 'us-central1', model: 'imagen-4.0-generate-001', method: 'predict' });
    const sent = s.vertex.requests.at(-1)!;
    expect(s.tokens.issued.has(String(sent.headers.authorization).replace('Bearer ', ''))).toBe(true);
    expect(predictBody()).toEqual({
      instances: [{ prompt: 'a lighthouse at dawn' }],
      parameters: {
        sampleCount: 2,
        aspectRatio: '16:9',
        sampleImageSize: '2K',
        personGeneration: 'allow_adult',
        safetySetting: 'block_only_high',
        includeRaiReason: true,
      },
    });
    expect(r.images).toHaveLength(2);
    expect(r.images[0]!.size).toBe('2816x1536');
    const { width, height } = await imageSize(Buffer.from(String((r.images[0]!.payload as { b64: string }).b64), 'base64'));
    expect(`${width}x${height}`).toBe('2816x1536');
  });

  it('maps an exact size onto its aspect ratio and tier', async () => {
    await s.adapter.generate(job({ params: { size: '896x1280' } }), vertexRoute(s), callContext());
    expect(predictBody().parameters).toMatchObject({ aspectRatio: '3:4', sampleImageSize: '1K' });
  });

  it('turns the watermark off when a seed is asked for, since Imagen honours a seed only without it', async () => {
    await s.adapter.generate(job({ params: { seed: 42 } }), vertexRoute(s), callContext());
    expect(predictBody().parameters).toMatchObject({ seed: 42, addWatermark: false });
  });

  it('asks for JPEG with its compression through outputOptions', async () => {
    const r = await s.adapter.generate(job({ params: { output_format: 'jpeg', output_compression: 70 } }), vertexRoute(s), callContext());
    expect(predictBody().parameters.outputOptions).toEqual({ mimeType: 'image/jpeg', compressionQuality: 70 });
    expect(r.images[0]!.payload).toMatchObject({ mime: 'image/jpeg' });
  });

  it('calls the location a route names instead of the gateway default', async () => {
    await s.adapter.generate(job(), vertexRoute(s, 'imagen-4.0-generate-001', { options: { location: 'europe-west4' } }), callContext());
    expect(s.vertex.calls.at(-1)!.location).toBe('europe-west4');
  });

  it('reuses one access token across calls', async () => {
    await s.adapter.generate(job(), vertexRoute(s), callContext());
    const exchanges = s.tokens.requests.length;
    await s.adapter.generate(job(), vertexRoute(s), callContext());
    expect(s.tokens.requests).toHaveLength(exchanges);
  });

  it('edits with the image as the RAW reference and the mask turned into Imagen white-means-edit', async () => {
    const image = await inputImage('image', 64, 64);
    // Transparent (alpha 0) where the client wants the change, as OpenAI's edit mask.
    const maskBytes = await makeImage(64, 64, { alpha: true, color: { r: 0, g: 0, b: 0, alpha: 0 } });
    const mask = { ...(await inputImage('mask', 64, 64, { alpha: true })), bytes: maskBytes };
    await s.adapter.generate(
      job({ model: 'imagen-3.0-capability-001', operation: 'edit', images: [image], mask, params: { edit_mode: 'inpaint_removal' } }),
      vertexRoute(s, 'imagen-3.0-capability-001'),
      callContext(),
    );
    const body = predictBody();
    expect(body.parameters).toMatchObject({ editMode: 'EDIT_MODE_INPAINT_REMOVAL', sampleCount: 1 });
    const refs = body.instances[0]!.referenceImages as Array<{
      referenceType: string;
      referenceImage: { bytesBase64Encoded: string };
      maskImageConfig?: unknown;
    }>;
    expect(refs.map((r) => r.referenceType)).toEqual(['REFERENCE_TYPE_RAW', 'REFERENCE_TYPE_MASK']);
    expect(refs[0]!.referenceImage.bytesBase64Encoded).toBe(image.bytes.toString('base64'));
    expect(refs[1]!.maskImageConfig).toEqual({ maskMode: 'MASK_MODE_USER_PROVIDED' });
    const { default: sharp } = await import('sharp');
    const stats = await sharp(Buffer.from(refs[1]!.referenceImage.bytesBase64Encoded, 'base64')).stats();
    expect(stats.channels[0]!.min).toBe(255);
  });

  it('swaps the background with an automatic mask when no mask is sent', async () => {
    await s.adapter.generate(
      job({ model: 'imagen-3.0-capability-001', operation: 'edit', images: [await inputImage('image', 64, 64)] }),
      vertexRoute(s, 'imagen-3.0-capability-001'),
      callContext(),
    );
    const refs = predictBody().instances[0]!.referenceImages as Array<Record<string, unknown>>;
    expect(predictBody().parameters.editMode).toBe('EDIT_MODE_BGSWAP');
    expect(refs[1]).toEqual({ referenceType: 'REFERENCE_TYPE_MASK', referenceId: 2, maskImageConfig: { maskMode: 'MASK_MODE_BACKGROUND' } });
  });
});

describe('Imagen on Vertex AI: customization from references', () => {
  it('sends each reference as a numbered subject reference with its description and type', async () => {
    const refs = [await inputImage('image_urls[0]', 64, 64), await inputImage('image_urls[1]', 64, 64, { shade: 90 })];
    await s.adapter.generate(
      job({
        model: 'imagen-3.0-capability-001',
        operation: 'image-to-image',
        prompt: 'a photo of [1] on a beach',
        images: refs,
        params: { reference_type: 'subject', reference_description: 'a red mug', subject_type: 'product' },
      }),
      vertexRoute(s, 'imagen-3.0-capability-001'),
      callContext(),
    );
    const body = predictBody();
    expect(body.parameters.editMode).toBeUndefined();
    expect(body.instances[0]).toEqual({
      prompt: 'a photo of [1] on a beach',
      referenceImages: refs.map((r, i) => ({
        referenceType: 'REFERENCE_TYPE_SUBJECT',
        referenceId: i + 1,
        referenceImage: { bytesBase64Encoded: r.bytes.toString('base64') },
        subjectImageConfig: { subjectDescription: 'a red mug', subjectType: 'SUBJECT_TYPE_PRODUCT' },
      })),
    });
  });

  it('sends style references with their style description', async () => {
    await s.adapter.generate(
      job({
        model: 'imagen-3.0-capability-001',
        operation: 'image-to-image',
        prompt: 'a skyline in the mosaic style [1]',
        images: [await inputImage('image_url', 64, 64)],
        params: { reference_type: 'style', reference_description: 'mosaic' },
      }),
      vertexRoute(s, 'imagen-3.0-capability-001'),
      callContext(),
    );
    const ref = (predictBody().instances[0]!.referenceImages as Array<Record<string, unknown>>)[0]!;
    expect(ref).toMatchObject({ referenceType: 'REFERENCE_TYPE_STYLE', styleImageConfig: { styleDescription: 'mosaic' } });
  });

  it('refuses references without a description before the hold, naming reference_description', async () => {
    const custom = job({ model: 'imagen-3.0-capability-001', operation: 'image-to-image', images: [await inputImage('image_url', 64, 64)] });
    expect(thrown(() => s.adapter.validate!(custom, vertexRoute(s, 'imagen-3.0-capability-001')))).toMatchObject({
      status: 400,
      param: 'reference_description',
    });
  });
});

describe('Imagen on Vertex AI: validation before the hold', () => {
  it('refuses a size Imagen does not render, naming size', () => {
    expect(thrown(() => s.adapter.validate!(job({ params: { size: '1000x1000' } }), vertexRoute(s)))).toMatchObject({ status: 400, param: 'size' });
  });

  it('refuses a seed with the watermark on, naming seed', () => {
    expect(thrown(() => s.adapter.validate!(job({ params: { seed: 1, watermark: true } }), vertexRoute(s)))).toMatchObject({ status: 400, param: 'seed' });
  });

  it('refuses a 2K resolution on a model that renders 1K only, naming resolution', () => {
    expect(
      thrown(() =>
        s.adapter.validate!(job({ model: 'imagen-4.0-fast-generate-001', params: { resolution: '2K' } }), vertexRoute(s, 'imagen-4.0-fast-generate-001')),
      ),
    ).toMatchObject({
      status: 400,
      param: 'resolution',
    });
  });

  it('refuses an inpainting edit without a mask, naming mask', async () => {
    const edit = job({
      model: 'imagen-3.0-capability-001',
      operation: 'edit',
      images: [await inputImage('image', 64, 64)],
      params: { edit_mode: 'inpaint_insertion' },
    });
    expect(thrown(() => s.adapter.validate!(edit, vertexRoute(s, 'imagen-3.0-capability-001')))).toMatchObject({ status: 400, param: 'mask' });
  });
});

describe('Imagen on Vertex AI: answers and errors', () => {
  it('delivers the images left when Imagen filters some, counting the rest as failed', async () => {
    s.vertex.imagen.filterNext = 1;
    const r = await s.adapter.generate(job({ n: 3 }), vertexRoute(s), callContext());
    expect(r.images).toHaveLength(2);
    expect(r.failedCount).toBe(1);
  });

  it('is content_policy_violation when Imagen filters every image', async () => {
    s.vertex.imagen.filterNext = 2;
    const e = await failure(s.adapter.generate(job({ n: 2 }), vertexRoute(s), callContext()));
    expect(e).toMatchObject({ code: 'content_policy_violation', status: 400, retryable: false });
    expect(e.message).toContain('usage guidelines');
  });

  it('is content_policy_violation when every image is filtered and Imagen answers {}', async () => {
    s.vertex.imagen.filterNext = 1;
    s.vertex.imagen.omitReasons = true;
    expect(await failure(s.adapter.generate(job(), vertexRoute(s), callContext()))).toMatchObject({ code: 'content_policy_violation' });
  });

  it('is content_policy_violation when Imagen refuses the prompt with its Responsible AI 400', async () => {
    s.vertex.imagen.refusePromptNext = 1;
    expect(await failure(s.adapter.generate(job(), vertexRoute(s), callContext()))).toMatchObject({ code: 'content_policy_violation', retryable: false });
  });

  it('is a retryable 502 that never quotes the token when Vertex refuses it, and the retry gets a fresh token', async () => {
    await s.adapter.generate(job(), vertexRoute(s), callContext());
    s.tokens.revokeAll();
    const e = await failure(s.adapter.generate(job(), vertexRoute(s), callContext()));
    expect(e).toMatchObject({ code: 'upstream_error', status: 502, retryable: true });
    expect(e.message).not.toMatch(/ya29/);
    const r = await s.adapter.generate(job(), vertexRoute(s), callContext());
    expect(r.images).toHaveLength(1);
  });

  it('is a retryable 502 when the project is not one the service account may use', async () => {
    const e = await failure(s.adapter.generate(job(), vertexRoute(s, 'imagen-4.0-generate-001', { options: { project: 'not-mine' } }), callContext()));
    expect(e).toMatchObject({ code: 'upstream_error', retryable: true });
  });

  it('is a retryable 502 when the connection drops', async () => {
    s.vertex.knobs.dropNext = 1;
    expect(await failure(s.adapter.generate(job(), vertexRoute(s), callContext()))).toMatchObject({ code: 'upstream_error', retryable: true });
  });

  it('gives up at the deadline when Vertex is slow', async () => {
    s.vertex.knobs.latencyMs = 2000;
    expect(await failure(s.adapter.generate(job(), vertexRoute(s), callContext(300)))).toMatchObject({ code: 'upstream_error', retryable: true });
  });
});
