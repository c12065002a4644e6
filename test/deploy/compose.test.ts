/**
 * Docker cannot run here, so the deployment files are checked as data: docker-compose.yml's gateways share
 * the settings several instances must share, name only variables the gateway reads, and, filled in from
 * .env.example, give a configuration the gateway accepts; the Dockerfile has the shape docs/deploy.md promises.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadCatalogData } from '../../src/catalog/load.js';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config/config.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string) => readFileSync(join(root, file), 'utf8');

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ulimits?: { nofile?: { soft: number; hard: number } };
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = Object.entries(compose.services);
const imagegateServices = services.filter(([, s]) => s.image === 'imagegate:local');
const gateways = imagegateServices.filter(([, s]) => s.command === undefined);

/** KEY=value lines of .env.example. */
const envExample = Object.fromEntries(
  read('.env.example')
    .split('\n')
    .filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

/** Compose's interpolation of `${NAME}`, `${NAME:-default}` and `${NAME:?error}` from the .env file. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (op === '?') throw new Error(`compose would stop: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

/** The variables the gateway reads: its configuration's, and the credentials and endpoints the catalog names. */
function variablesTheGatewayReads(): Set<string> {
  const names = new Set<string>(CONFIG_VARIABLES);
  for (const p of Object.values(loadCatalogData().providers)) {
    for (const v of [p.key_env, p.base_url_env, p.token_env]) if (v) names.add(v);
  }
  return names;
}

/** ENV lines of the Dockerfile's final stage: the defaults every container starts with. */
function imageEnvironment(): Record<string, string> {
  const finalStage = read('Dockerfile')
    .split(/^FROM /m)
    .at(-1)!;
  const env = /^ENV ((?:.*\\\n)*.*)$/m.exec(finalStage)?.[1] ?? '';
  return Object.fromEntries([...env.replace(/\\\n/g, ' ').matchAll(/([A-Z0-9_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

describe('docker-compose.yml', () => {
  it('runs two gateways and a one-shot migrate of the same image, with PostgreSQL, Redis, MinIO and nginx', () => {
    expect(gateways.map(([name]) => name)).toEqual(['gateway-1', 'gateway-2']);
    expect(imagegateServices.filter(([, s]) => s.command?.[0] === 'migrate')).toHaveLength(1);
    for (const image of ['postgres:', 'redis:', 'minio/minio', 'nginx:'])
      expect(
        services.some(([, s]) => s.image?.startsWith(image)),
        image,
      ).toBe(true);
  });

  it('gives every gateway, and migrate, the same public URL, admin key, signing secret and stores', () => {
    const shared = [
      'IMAGEGATE_PUBLIC_URL',
      'IMAGEGATE_ADMIN_KEY',
      'IMAGEGATE_SIGNING_SECRET',
      'DATABASE_URL',
      'REDIS_URL',
      'IMAGEGATE_S3_BUCKET',
      'AWS_ENDPOINT_URL_S3',
    ];
    const [first, ...others] = imagegateServices.map(([, s]) => s.environment ?? {});
    for (const name of shared) expect(first![name], name).toBeTruthy();
    for (const env of others) for (const name of shared) expect(env[name], name).toBe(first![name]);
  });

  it('gives every gateway file descriptors for thousands of requests in flight, two each', () => {
    for (const [name, s] of gateways) expect(s.ulimits?.nofile, name).toEqual({ soft: 65536, hard: 65536 });
  });

  it('names only variables the gateway reads', () => {
    const known = variablesTheGatewayReads();
    for (const [name, s] of imagegateServices) {
      const unknown = Object.keys(s.environment ?? {}).filter((v) => !known.has(v));
      expect(unknown, name).toEqual([]);
    }
  });

  it('filled in from .env.example, gives each gateway a configuration it accepts: PostgreSQL, Redis, S3, migrations left to migrate', () => {
    for (const [name, s] of gateways) {
      const env = {
        ...imageEnvironment(),
        ...Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), envExample)])),
      };
      const config = loadConfig(env);
      expect(config.host, name).toBe('0.0.0.0');
      expect(config.publicUrl).toBe(envExample.IMAGEGATE_PUBLIC_URL);
      expect(config.databaseUrl).toMatch(/^postgres:\/\/imagegate:[^@]+@postgres:5432\/imagegate$/);
      expect(config.redisUrl).toBe('redis://redis:6379');
      expect(config.s3?.bucket).toBe('imagegate');
      expect(config.autoMigrate).toBe(false);
    }
  });

  it('mounts nginx configuration files that exist', () => {
    const mounts = services.flatMap(([, s]) => s.volumes ?? []).filter((v) => v.startsWith('./'));
    expect(mounts.length).toBeGreaterThan(0);
    for (const m of mounts) expect(existsSync(join(root, m.split(':')[0]!)), m).toBe(true);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.match(/^FROM .*$/gm) ?? [];
  const finalStage = dockerfile.split(/^FROM /m).at(-1)!;

  it('builds in a Debian slim Node stage with npm ci, and runs the build as the non-root node user on 0.0.0.0', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s).toMatch(/node:\$\{NODE_VERSION\}-bookworm-slim/);
    expect(dockerfile).toMatch(/^RUN npm ci /m);
    expect(finalStage).toMatch(/^USER node$/m);
    expect(imageEnvironment()).toMatchObject({ HOST: '0.0.0.0', IMAGEGATE_DATA_DIR: '/data' });
    expect(finalStage).toMatch(/^VOLUME \["\/data"\]$/m);
    expect(finalStage).toMatch(/^HEALTHCHECK .*\n?.*\/readyz/m);
    expect(finalStage).not.toMatch(/npm (ci|install)/);
  });

  it('copies only paths that exist, and .dockerignore keeps none of them out', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
    expect(copied).toContain('src');
    for (const path of copied) {
      expect(existsSync(join(root, path)), path).toBe(true);
      expect(ignored, path).not.toContain(path);
    }
  });
});
