/**
 * The nginx files of deploy/ in a real nginx (Debian's, when installed) in front of a real gateway: the load
 * balancer of docker-compose.yml with one instance down, and deploy/nginx.conf's TLS server checked by
 * `nginx -t`. Streams must pass event by event, edit-sized bodies must reach the gateway, and a request must
 * go to the instance that is up.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenAIFake, startOpenAIFake } from '../fakes/openai.js';
import { tempDir } from '../support/databases.js';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { NamedEvents } from '../support/named-events.js';
import { freePort } from '../support/process.js';

const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
const root = fileURLToPath(new URL('../..', import.meta.url));
const deployFile = (name: string) => readFileSync(join(root, 'deploy', name), 'utf8');
const PROXY_INCLUDE = 'include /etc/nginx/imagegate-proxy.conf;';

/** An nginx main file around a site file, runnable unprivileged in `dir`. */
function mainConfig(dir: string, site: string): string {
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'site.conf'), site);
  const file = join(dir, 'nginx.conf');
  writeFileSync(
    file,
    `pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`,
  );
  return file;
}

async function waitForPort(port: number): Promise<void> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    try {
      await fetch(`http://127.0.0.1:${port}/healthz`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error('nginx did not start');
}

/** Rejects when `promise` takes longer than `ms`: a buffered stream would wait for the whole answer. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms))]);
}

describe.runIf(existsSync(NGINX))('deploy/ nginx files in front of a gateway', () => {
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
    const gatewayPort = new URL(gw.url).port;
    // The compose load balancer, with gateway-1 down (nothing listens on its port) and gateway-2 up.
    const site = deployFile('nginx-compose.conf')
      .replace('server gateway-1:8787', `server 127.0.0.1:${down}`)
      .replace('server gateway-2:8787', `server 127.0.0.1:${gatewayPort}`)
      .replace('listen 80;', `listen 127.0.0.1:${listen};`)
      .replace(PROXY_INCLUDE, `include ${join(root, 'deploy', 'nginx-proxy.conf')};`);
    const dir = tempDir('imagegate-nginx-');
    nginx = spawn(NGINX, ['-p', dir, '-c', mainConfig(dir, site), '-g', 'daemon off; master_process off;'], { stdio: 'ignore' });
    base = `http://127.0.0.1:${listen}`;
    await waitForPort(listen);
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
    const site = deployFile('nginx.conf')
      .replace('/etc/letsencrypt/live/images.example.com/fullchain.pem', join(dir, 'cert.pem'))
      .replace('/etc/letsencrypt/live/images.example.com/privkey.pem', join(dir, 'key.pem'))
      .replace(PROXY_INCLUDE, `include ${join(root, 'deploy', 'nginx-proxy.conf')};`);
    expect(site.split('\n').filter((l) => !l.trim().startsWith('#') && l.includes('/etc/'))).toEqual([]);
    const out = execFileSync(NGINX, ['-t', '-p', dir, '-c', mainConfig(dir, site)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe('');
  });
});
