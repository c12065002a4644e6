/**
 * nginx as the bench's reference proxy: `proxy_pass` to the fake upstream with keepalive and no access log,
 * its worker processes pinned so that it is compared with imagegate at the same number of processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NginxOptions {
  /** `worker_processes`: the number of imagegate processes it is compared with. */
  workers?: number;
  /** `worker_connections`: each request in flight holds two (client and upstream). */
  connections?: number;
}

export function startNginx(dir: string, port: number, upstreamPort: number, opts: NginxOptions = {}): ChildProcess {
  const workers = opts.workers ?? 1;
  const connections = opts.connections ?? 1024;
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes ${workers};
worker_rlimit_nofile ${connections + 64};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections ${connections}; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream fake { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / { proxy_pass http://fake; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffers 64 64k; }
  }
}
`,
  );
  const bin = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  return spawn(bin, ['-c', conf, '-p', dir], { stdio: 'inherit' });
}
