/**
 * A gateway process killed (SIGKILL) while a ComfyUI prompt of an async task runs: the next process on the same
 * data follows the same prompt to its end (no second prompt queued on the host) and charges it once.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComfyUIFake } from '../fakes/comfyui.js';
import { tempDir } from '../support/databases.js';
import { ADMIN_KEY } from '../support/gateway.js';
import { freePort, fundedKey, startGatewayProcess } from '../support/process.js';
import { pollValue, until } from '../support/wait.js';

const PRICE = 2500;
const CREDIT = 1_000_000;

describe('ComfyUI task across a gateway restart', () => {
  let host: ComfyUIFake;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    host = await new ComfyUIFake().start();
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await host?.close();
  });

  it('follows the persisted prompt after SIGKILL, queueing it once and charging it once', async () => {
    const dataDir = tempDir();
    const overlay = join(dataDir, 'overlay.yaml');
    writeFileSync(
      overlay,
      `models:
  comfy-sdxl:
    owned_by: me
    mode: async
    routes:
      - provider: comfyui
        options: { workflow: "${resolve('examples/comfyui/text-to-image.json')}", bindings: { prompt: 6.inputs.text, seed: 3.inputs.seed } }
    operations: { text-to-image: { endpoint: /v1/images/generations } }
    fields: { seed: { type: integer, min: 0 } }
    price: { per_image: ${PRICE} }
`,
    );
    const env = {
      HOST: '127.0.0.1',
      IMAGEGATE_DATA_DIR: dataDir,
      IMAGEGATE_ADMIN_KEY: ADMIN_KEY,
      IMAGEGATE_CONFIG: overlay,
      IMAGEGATE_LOG_LEVEL: 'silent',
      IMAGEGATE_TASK_LEASE_MS: '1500',
      IMAGEGATE_INSTANCE_STALE_MS: '1500',
      COMFYUI_URL: host.url,
    };
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = await startGatewayProcess(env, port);
    const { key } = await fundedKey(base, 'comfy', CREDIT);
    const admin = async (path: string) => (await (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as any;

    host.hold = true;
    const sent = await fetch(`${base}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'comfy-sdxl', prompt: 'a lighthouse' }),
    });
    expect(sent.status).toBe(202);
    const taskId = ((await sent.json()) as { id: string }).id;
    await until(async () => (await admin(`/v1/admin/tasks/${taskId}`)).upstream_task_id != null, 20_000);
    const handle = JSON.parse((await admin(`/v1/admin/tasks/${taskId}`)).upstream_task_id);
    expect(host.pendingIds).toEqual([handle.prompt_id]);

    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    host.release();
    child = await startGatewayProcess(env, port);

    const done = await pollValue(
      async () => (await (await fetch(`${base}/v1/tasks/${taskId}`, { headers: { authorization: `Bearer ${key}` } })).json()) as any,
      (t) => !['pending', 'running', 'queued'].includes(t.status),
      30_000,
    );
    expect(done.status).toBe('succeeded');
    expect(done.data).toHaveLength(1);
    expect(host.accepted.map((p) => p.id)).toEqual([handle.prompt_id]);
    const balance = (await (await fetch(`${base}/v1/balance`, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
    expect(balance).toMatchObject({ available: CREDIT - PRICE, held: 0 });
  }, 90_000);
});
