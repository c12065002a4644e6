/**
 * The nginx files of deploy/ in a real nginx (Debian's, when installed) in front of a real gateway: the load
 * balancer of docker-compose.yml with one instance down, and deploy/nginx.conf's TLS server checked by
 * `nginx -t`. Streams must pass event by event, edit-sized bodies must reach the gateway, and a request must
 * go to the instance that is up.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { tempDir } from '../support/databases.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { NamedEvents } from '../support/named-events.js';
import { composeBalancer, deployFile, HAVE_NGINX, NGINX, nginxMainConfig, startNginx, withProxyInclude } from '../support/nginx.js';
import { freePort } from '../support/process.js';

/** Rejects when `promise` takes longer than `ms`: a buffered stream would wait for the whole answer. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms))]);
}

describe.runIf(HAVE_NGINX)('deploy/ nginx files in front of a gateway', () => {
  let fake: OpenAIFake;
  let gw: TestGateway;
  let nginx: ChildProcess;
  let base: string;
  let key: string;

  beforeAll(async () => {
    fake = await startOpenAIFake();
    gw = await startGateway({
      env: { OPENAI_API_KEY: fake.apiKey, OPENAI_BASE_URL: `${fake.url}/v1`, IMAGEGATE_STREAM_KEEPALIVE_MS: '40' },
    });
    ({ key } = await gw.clientKey({ balance: 50_000_000 }));
    const [listen, down] = [await freePort(), await freePort()];
    // The compose load balancer, with gateway-1 down (nothing listens on its port) and gateway-2 up.
    const site = composeBalancer(listen, [down, Number(new URL(gw.url).port)]);
    nginx = await startNginx(site, listen);
    base = `http://127.0.0.1:${listen}`;
  });

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await gw?.close();
    await fake?.close();
  });

  it('passes a stream event by event: a keep-alive arrives while the upstream still holds its answer', async () => {
    let release!: () => void;
    fake.stream.gate = new Promise<void>((r) => (release = r));
    try {
      const res = await fetch(`${base}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'accept-encoding': 'gzip' },
        body: JSON.stringify({ model: 'gpt-image-1', prompt: 'a lighthouse', stream: true, partial_images: 2, size: '1024x1024', quality: 'low' }),
      });
      expect(res.status).toBe(200);
      const events = new NamedEvents(res);
      expect((await within(5000, events.next(), 'the first partial image'))?.name).toBe('image_generation.partial_image');
      expect(await within(5000, events.raw(), 'a keep-alive')).toBe(': keep-alive');
      release();
      expect((await events.rest()).map((e) => e.name)).toContain('image_generation.completed');
    } finally {
      release?.();
      fake.reset();
    }
  });

  it('lets an edit-sized body through to the gateway, which answers it in its own error shape', async () => {
    const form = new FormData();
    form.set('model', 'gpt-image-1');
    form.set('prompt', 'make it blue');
    // 30 MB of bytes that are no image: nginx's default limit (1 MB) would answer 413 itself.
    form.set('image', new Blob([Buffer.alloc(30 * 1024 * 1024, 7)], { type: 'image/png' }), 'big.png');
    const res = await fetch(`${base}/v1/images/edits`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toMatch(/^image/);
  });

  it('sends every request to the instance that is up, POSTs included', async () => {
    for (let i = 0; i < 4; i++) {
      expect((await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
      const res = await fetch(`${base}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'local', prompt: 'a square', size: '256x256' }),
      });
      expect(res.status).toBe(200);
    }
  });

  it("accepts deploy/nginx.conf's TLS server (nginx -t)", () => {
    const dir = tempDir('imagegate-nginx-tls-');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=images.example.com',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      {
        stdio: 'ignore',
      },
    );
    const site = withProxyInclude(deployFile('nginx.conf'))
      .replace('/etc/letsencrypt/live/images.example.com/fullchain.pem', join(dir, 'cert.pem'))
      .replace('/etc/letsencrypt/live/images.example.com/privkey.pem', join(dir, 'key.pem'));
    expect(site.split('\n').filter((l) => !l.trim().startsWith('#') && l.includes('/etc/'))).toEqual([]);
    const out = execFileSync(NGINX, ['-t', '-p', dir, '-c', nginxMainConfig(dir, site)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe('');
  });
});
