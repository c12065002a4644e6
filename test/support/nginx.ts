/**
 * Debian's nginx (when installed) running deploy/'s configuration unprivileged in a temp dir: the compose load
 * balancer in front of gateways on loopback, for the tests of the deployment's shape without Docker.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './databases.js';

export const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';
export const HAVE_NGINX = existsSync(NGINX);

const root = fileURLToPath(new URL('../..', import.meta.url));
export const deployFile = (name: string) => readFileSync(join(root, 'deploy', name), 'utf8');

/** A site file of deploy/ with its proxy settings included from the repository instead of /etc/nginx/. */
export function withProxyInclude(site: string): string {
  return site.replace('include /etc/nginx/imagegate-proxy.conf;', `include ${join(root, 'deploy', 'nginx-proxy.conf')};`);
}

/** deploy/nginx-compose.conf listening on `listen`, with gateway-1 and gateway-2 at these loopback ports. */
export function composeBalancer(listen: number, gatewayPorts: [number, number]): string {
  return withProxyInclude(deployFile('nginx-compose.conf'))
    .replace('server gateway-1:8787', `server 127.0.0.1:${gatewayPorts[0]}`)
    .replace('server gateway-2:8787', `server 127.0.0.1:${gatewayPorts[1]}`)
    .replace('listen 80;', `listen 127.0.0.1:${listen};`);
}

/** An nginx main file around a site file, runnable unprivileged in `dir`. */
export function nginxMainConfig(dir: string, site: string): string {
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

/** nginx in the foreground serving `site`, once it answers on `listen`; kill it with SIGTERM. */
export async function startNginx(site: string, listen: number): Promise<ChildProcess> {
  const dir = tempDir('imagegate-nginx-');
  const child = spawn(NGINX, ['-p', dir, '-c', nginxMainConfig(dir, site), '-g', 'daemon off; master_process off;'], { stdio: 'ignore' });
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    try {
      await fetch(`http://127.0.0.1:${listen}/healthz`);
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill('SIGTERM');
  throw new Error(`nginx did not start (its log: ${dir}/error.log)`);
}
