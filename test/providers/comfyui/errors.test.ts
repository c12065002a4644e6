/** How each way a ComfyUI job can fail reaches the client, against the fake host. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ComfyUIAdapter, createComfyUIAdapter } from '../../../src/providers/comfyui/adapter.js';
import type { GatewayError } from '../../../src/domain/errors.js';
import { ComfyUIFake } from '../../fakes/comfyui.js';
import { comfyJob, comfyRoute, ctx } from './job.js';

let fake: ComfyUIFake;
let adapter: ComfyUIAdapter;

beforeAll(async () => {
  fake = await new ComfyUIFake().start();
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  adapter?.close();
  fake.reset();
});

async function failure(over: Parameters<typeof comfyJob>[0] = {}, onUpstreamTask?: (h: string) => void): Promise<GatewayError> {
  adapter = createComfyUIAdapter({ schedule: { initialMs: 20, maxMs: 50 } });
  return (await adapter.generate(comfyJob(over), comfyRoute(fake.url), ctx(5000, { onUpstreamTask })).catch((e: unknown) => e)) as GatewayError;
}

describe('ComfyUI failures', () => {
  it('maps an execution_error to a 502 naming the node, its class and the exception', async () => {
    fake.failNode = { node: '8', type: 'RuntimeError', message: 'VAE decode failed: tensor shape mismatch' };
    const err = await failure();
    expect(err.status).toBe(502);
    expect(err.message).toContain('node 8 (VAEDecode)');
    expect(err.message).toContain('RuntimeError: VAE decode failed');
    expect(err.retryable).toBe(false);
    expect(err.details?.node).toBe('8');
  });

  it('lets another host take a job that ran out of GPU memory', async () => {
    fake.failNode = { node: '3', type: 'torch.OutOfMemoryError', message: 'CUDA out of memory' };
    const err = await failure();
    expect(err.code).toBe('upstream_error');
    expect(err.retryable).toBe(true);
  });

  it('answers a bound input ComfyUI refuses as a 400 naming the public field', async () => {
    const err = await failure({ params: { size: '20000x512' } });
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_request');
    expect(err.param).toBe('size');
    expect(err.message).toContain('bigger than max');
  });

  it("answers a refusal of the operator's own workflow (a checkpoint the host lacks) as a retryable 502 naming the node", async () => {
    fake.models = [];
    const err = await failure();
    expect(err.status).toBe(502);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('node 4 (CheckpointLoaderSimple)');
    expect(err.message).toContain('operator');
    fake.models = ['sd_xl_base_1.0.safetensors'];
  });

  it('ends the job, retryable, when the host forgets the prompt (a restart): nothing was made', async () => {
    fake.hold = true;
    const err = await failure({}, () => void setTimeout(() => fake.forget(), 30));
    expect(err.message).toContain('no longer knows prompt');
    expect(err.retryable).toBe(true);
  });

  it('retries nothing itself on a 5xx from POST /prompt, but marks it retryable', async () => {
    Object.assign(fake.knobs, { failNext: 1, failStatus: 500, failBody: { error: 'boom' } });
    const err = await failure();
    expect(err.status).toBe(502);
    expect(err.retryable).toBe(true);
    expect(fake.accepted).toHaveLength(0);
  });
});
