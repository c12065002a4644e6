/** A ComfyUI route's template and bindings, checked at start and per request (no host needed). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GatewayError } from '../../../src/domain/errors.js';
import { createComfyUIAdapter } from '../../../src/providers/comfyui/adapter.js';
import { inputImage } from '../builders.js';
import { comfyJob, comfyRoute, TEXT_BINDINGS, TEXT_TO_IMAGE } from './job.js';

const adapter = createComfyUIAdapter();
const problem = (options: Record<string, unknown>) => adapter.checkRoute!(comfyRoute('http://127.0.0.1:1', {}, options as never));

function tempFile(name: string, body: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'comfy-'));
  const file = join(dir, name);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

describe('ComfyUI route check at start', () => {
  it('accepts the example workflow with its bindings', () => {
    expect(problem({ workflow: TEXT_TO_IMAGE, bindings: TEXT_BINDINGS })).toBeUndefined();
  });

  it('names a binding to a node the workflow lacks', () => {
    expect(problem({ workflow: TEXT_TO_IMAGE, bindings: { ...TEXT_BINDINGS, seed: '30.inputs.seed' } })).toBe(
      'binding seed names node "30", which the workflow lacks',
    );
  });

  it('names a binding to an input the node lacks, listing the ones it has', () => {
    expect(problem({ workflow: TEXT_TO_IMAGE, bindings: { ...TEXT_BINDINGS, steps: '5.inputs.steps' } })).toBe(
      'binding steps names input "steps" of node "5" (EmptyLatentImage), which has only width, height, batch_size',
    );
  });

  it("refuses a binding that would cut a link to another node's output", () => {
    expect(problem({ workflow: TEXT_TO_IMAGE, bindings: { ...TEXT_BINDINGS, seed: '3.inputs.model' } })).toContain('linked to another node');
  });

  it("refuses the UI's own save format, saying how to export for the API", () => {
    const file = tempFile('ui.json', { last_node_id: 9, nodes: [], links: [] });
    expect(problem({ workflow: file, bindings: { prompt: '6.inputs.text' } })).toContain('Export (API)');
  });

  it('refuses a missing file, a workflow without a prompt binding, and a malformed path', () => {
    expect(problem({ workflow: '/nonexistent/flow.json', bindings: TEXT_BINDINGS })).toContain('cannot read the workflow file');
    expect(problem({ workflow: TEXT_TO_IMAGE, bindings: { seed: '3.inputs.seed' } })).toContain('must bind prompt');
    expect(problem({ workflow: TEXT_TO_IMAGE, bindings: { prompt: '6.text' } })).toContain('"<node id>.inputs.<input name>"');
  });

  it('refuses a contract field, n or size that no binding carries', () => {
    const { steps: _s, ...noSteps } = TEXT_BINDINGS;
    expect(problem({ workflow: TEXT_TO_IMAGE, bindings: noSteps })).toBe('the model takes field steps, but the bindings have none of that name');
    const { n: _n, ...noN } = TEXT_BINDINGS;
    expect(problem({ workflow: TEXT_TO_IMAGE, bindings: noN })).toContain('bindings have no n');
    const { width: _w, height: _h, ...noSize } = TEXT_BINDINGS;
    expect(problem({ workflow: TEXT_TO_IMAGE, bindings: noSize })).toContain('takes size');
  });
});

describe('ComfyUI request check', () => {
  const route = comfyRoute('http://127.0.0.1:1', {}, { workflow: TEXT_TO_IMAGE, bindings: { prompt: '6.inputs.text' } });
  const refusal = (over: Parameters<typeof comfyJob>[0]) => {
    try {
      adapter.validate!(comfyJob(over), route);
    } catch (e) {
      return e as GatewayError;
    }
    throw new Error('accepted');
  };

  it('refuses what the workflow has no binding for, naming the field', async () => {
    expect(refusal({ n: 2 })).toMatchObject({ status: 400, param: 'n' });
    expect(refusal({ params: { size: '512x512' } })).toMatchObject({ status: 400, param: 'size' });
    expect(refusal({ params: { negative_prompt: 'fog' } })).toMatchObject({ status: 400, param: 'negative_prompt' });
    expect(refusal({ images: [await inputImage('image', 8, 8)] })).toMatchObject({ status: 400, param: 'image' });
  });

  it('takes size auto and n=1 with no bindings for them', () => {
    expect(() => adapter.validate!(comfyJob({ params: { size: 'auto' } }), route)).not.toThrow();
  });
});
