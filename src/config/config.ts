/**
 * Process configuration from the environment, with the embedded defaults that make `npm start` work with no
 * setup. Everything a user may need to change is here, parsed once at start-up.
 */
import { isIP } from 'node:net';
import { availableParallelism, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { SessionLifetimes } from '../store/console-sessions.js';
import type { AccountFileLimits } from '../store/files.js';
import type { PostgresSettings } from '../store/postgres-pool.js';
import { type CredentialChainSettings, ECS_AGENT, IMDS_ENDPOINT_IPV4, IMDS_ENDPOINT_IPV6, stsEndpointOf } from '../store/s3/credentials/settings.js';
import { type S3Settings, s3Settings } from '../store/s3/store.js';

export const PROCESS_COUNT_RULE = 'must be a positive integer or "auto" (one per CPU core)';

/** A count of gateway processes as IMAGEGATE_PROCESSES and `serve --processes` take it; null when it is not one. */
export function processCount(v: string): number | null {
  if (v === 'auto') return availableParallelism();
  return /^[1-9]\d*$/.test(v) ? Number(v) : null;
}

const bool = z
  .string()
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
const int = (def: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) {
        ctx.addIssue({ code: 'custom', message: `must be a non-negative integer, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });

function isAddressOrRange(v: string): boolean {
  const [address, bits, ...rest] = v.split('/');
  const family = isIP(address ?? '');
  if (!family || rest.length) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

const httpUrl = z
  .string()
  .url()
  .regex(/^https?:\/\//i, 'must be an http:// or https:// URL');

const EnvSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: int(8787),
  IMAGEGATE_DATA_DIR: z.string().default('./data'),
  IMAGEGATE_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  IMAGEGATE_CONFIG: z.string().optional(),
  IMAGEGATE_PUBLIC_URL: z.string().url().optional(),
  IMAGEGATE_URL_ALLOWLIST: z.string().default(''),
  // The reverse proxies whose X-Forwarded-For names the client: addresses or CIDR ranges, comma-separated.
  IMAGEGATE_TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const list = v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bad = list.find((a) => !isAddressOrRange(a));
      if (bad) {
        ctx.addIssue({ code: 'custom', message: `"${bad}" is not an IP address or a CIDR range (like 10.0.0.0/8)` });
        return z.NEVER;
      }
      return list;
    }),
  IMAGEGATE_DROP_UNSUPPORTED: bool,
  IMAGEGATE_DEFAULT_MODEL: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined),
  /**
   * Azure OpenAI's api-version for deployment-style URLs, read as Azure's and OpenAI's SDKs read it. The
   * default is the first version with GPT Image generations and edits (Azure OpenAI "API version lifecycle").
   */
  OPENAI_API_VERSION: z
    .string()
    .optional()
    .transform((v) => v?.trim() || '2025-04-01-preview'),
  IMAGEGATE_URL_TTL_SECONDS: int(24 * 3600),
  IMAGEGATE_SIGNING_SECRET: z.string().optional(),
  IMAGEGATE_BODY_LIMIT_BYTES: int(64 * 1024 * 1024),
  IMAGEGATE_PROCESSES: z
    .string()
    .default('1')
    .transform((v, ctx) => processCount(v) ?? (ctx.addIssue({ code: 'custom', message: PROCESS_COUNT_RULE }), z.NEVER)),
  // Set by `serve --processes N` for each of its gateway processes (0…N-1): not for operators to set.
  IMAGEGATE_PROCESS_INDEX: z.coerce.number().int().nonnegative().optional(),
  IMAGEGATE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  IMAGEGATE_REQUEST_LOG: z.enum(['on', 'off']).default('on'),
  IMAGEGATE_HOLD_SWEEP_SECONDS: int(60),
  IMAGEGATE_HOLD_MAX_AGE_SECONDS: int(3600),
  IMAGEGATE_FETCH_MAX_BYTES: int(20 * 1024 * 1024),
  IMAGEGATE_FETCH_TIMEOUT_MS: int(15_000),
  IMAGEGATE_STREAM_KEEPALIVE_MS: int(10_000),
  IMAGEGATE_MAX_PIXELS: int(40_000_000),
  IMAGEGATE_MAX_REQUEST_PIXELS: int(32 * 1024 * 1024),
  IMAGEGATE_DECODE_CONCURRENCY: int(2),
  IMAGEGATE_HEADERS_TIMEOUT_MS: int(20_000),
  IMAGEGATE_BODY_TIMEOUT_MS: int(120_000),
  IMAGEGATE_BODY_IDLE_TIMEOUT_MS: int(30_000),
  IMAGEGATE_MAX_CONNECTIONS: int(10_000),
  IMAGEGATE_WORKERS: int(32),
  IMAGEGATE_ACCOUNT_WORKERS: int(8),
  IMAGEGATE_WEBHOOK_BASE_DELAY_MS: int(5_000),
  IMAGEGATE_TASK_LEASE_MS: int(30_000),
  IMAGEGATE_INSTANCE_STALE_MS: int(30_000),
  IMAGEGATE_SHUTDOWN_GRACE_MS: int(120_000),
  IMAGEGATE_CONSOLE_IDLE_MINUTES: int(720),
  IMAGEGATE_CONSOLE_SESSION_HOURS: int(168),
  IMAGEGATE_REDEEM_FAILURES_PER_ACCOUNT: int(10),
  IMAGEGATE_REDEEM_FAILURES_PER_IP: int(30),
  IMAGEGATE_FILE_MAX_BYTES: int(20 * 1024 * 1024),
  IMAGEGATE_FILE_TTL_SECONDS: int(7 * 24 * 3600),
  IMAGEGATE_FILE_MAX_TTL_SECONDS: int(30 * 24 * 3600),
  IMAGEGATE_FILES_PER_ACCOUNT: int(1000),
  IMAGEGATE_FILE_BYTES_PER_ACCOUNT: int(1024 * 1024 * 1024),
  IMAGEGATE_SIGNUP: z.enum(['off', 'invite', 'open']).default('off'),
  IMAGEGATE_SIGNUP_CREDIT: int(0),
  DATABASE_URL: z.string().optional(),
  // Off for rolling deploys: `imagegate migrate` upgrades the schema once, and a start finding it behind refuses.
  IMAGEGATE_AUTO_MIGRATE: z.enum(['on', 'off', 'true', 'false', '1', '0']).default('on'),
  // PostgreSQL only: connections per process, and the limits every connection's session runs under.
  IMAGEGATE_DB_POOL_SIZE: int(20),
  IMAGEGATE_DB_STATEMENT_TIMEOUT_MS: int(30_000),
  IMAGEGATE_DB_LOCK_TIMEOUT_MS: int(5_000),
  IMAGEGATE_DB_IDLE_TX_TIMEOUT_MS: int(10_000),
  IMAGEGATE_DB_CONNECT_TIMEOUT_MS: int(10_000),
  REDIS_URL: z.string().optional(),
  // Vertex AI: the project and region its routes call (the service account file is the provider key,
  // GOOGLE_APPLICATION_CREDENTIALS), and the OAuth token endpoint (overridable for tests and private proxies).
  GOOGLE_CLOUD_PROJECT: z.string().optional(),
  GOOGLE_CLOUD_LOCATION: z.string().default('us-central1'),
  IMAGEGATE_GOOGLE_TOKEN_URL: httpUrl.default('https://oauth2.googleapis.com/token'),
  // Hosted images in an S3-compatible bucket instead of the data dir; credentials, region and endpoint come
  // from the variables the AWS SDKs read.
  IMAGEGATE_S3_BUCKET: z.string().optional(),
  IMAGEGATE_S3_PREFIX: z.string().default('imagegate/'),
  IMAGEGATE_S3_PATH_STYLE: z.enum(['true', 'false', '1', '0']).optional(),
  IMAGEGATE_S3_REDIRECT: bool,
  AWS_ENDPOINT_URL_S3: httpUrl.optional(),
  AWS_ENDPOINT_URL: httpUrl.optional(),
  AWS_REGION: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  AWS_SESSION_TOKEN: z.string().optional(),
  // The rest of the AWS credential chain, read as the AWS SDKs read it (store/s3/credentials/).
  AWS_PROFILE: z.string().optional(),
  AWS_SHARED_CREDENTIALS_FILE: z.string().optional(),
  AWS_CONFIG_FILE: z.string().optional(),
  AWS_WEB_IDENTITY_TOKEN_FILE: z.string().optional(),
  AWS_ROLE_ARN: z.string().optional(),
  AWS_ROLE_SESSION_NAME: z.string().optional(),
  AWS_ENDPOINT_URL_STS: httpUrl.optional(),
  AWS_STS_REGIONAL_ENDPOINTS: z.enum(['regional', 'legacy']).optional(),
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: z.string().optional(),
  AWS_CONTAINER_CREDENTIALS_FULL_URI: z.string().optional(),
  AWS_CONTAINER_AUTHORIZATION_TOKEN: z.string().optional(),
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: z.string().optional(),
  // As in the SDKs: any value but "false" turns instance metadata off.
  AWS_EC2_METADATA_DISABLED: z
    .string()
    .optional()
    .transform((v) => v !== undefined && v !== '' && v.toLowerCase() !== 'false'),
  AWS_EC2_METADATA_SERVICE_ENDPOINT: httpUrl.optional(),
  AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: z.enum(['IPv4', 'IPv6']).optional(),
  // Seconds, as the SDKs take it; imagegate tries three times where the SDKs try once, so one lost packet
  // at start-up does not stop the gateway.
  AWS_METADATA_SERVICE_TIMEOUT: int(1),
  AWS_METADATA_SERVICE_NUM_ATTEMPTS: int(3),
  HOME: z.string().optional(),
  USERPROFILE: z.string().optional(),
});

export type Env = z.infer<typeof EnvSchema>;

/** Every environment variable the gateway's configuration reads (provider credentials are named by the catalog). */
export const CONFIG_VARIABLES: readonly (keyof Env)[] = Object.keys(EnvSchema.shape) as (keyof Env)[];

/** GOOGLE_CLOUD_PROJECT / GOOGLE_CLOUD_LOCATION and the token endpoint Vertex AI routes use (providers/vertex/). */
export interface VertexSettings {
  /** Unset: the service account file's project_id. */
  project?: string;
  location: string;
  tokenUrl: string;
}

export interface GatewayConfig {
  /** Where Vertex AI routes go and where their access tokens come from. */
  vertex: VertexSettings;
  host: string;
  port: number;
  dataDir: string;
  adminKey?: string;
  catalogOverlay?: string;
  /** Externally visible base URL, without trailing slash. */
  publicUrl: string;
  urlAllowlist: string[];
  /**
   * Reverse proxies (addresses, CIDR ranges) trusted to name the client in X-Forwarded-For: a request from one
   * of them is seen as from the address it names (limits per address, audit log, sessions). Empty: the peer.
   */
  trustedProxies: string[];
  dropUnsupported: boolean;
  /** The model a request without `model` uses; unset, `model` is required (checked against the catalog at start-up). */
  defaultModel?: string;
  /** OPENAI_API_VERSION: the api-version Azure OpenAI routes send unless a route names its own. */
  azureApiVersion: string;
  urlTtlSeconds: number;
  signingSecret?: string;
  bodyLimitBytes: number;
  /** Gateway processes `serve` runs on one port (node:cluster); 1 runs the gateway in the process itself. */
  processes: number;
  /** Which of `serve`'s gateway processes this is, when it runs several; labels the metrics and the log. */
  processIndex?: number;
  logLevel: Env['IMAGEGATE_LOG_LEVEL'];
  requestLog: boolean;
  holdSweepSeconds: number;
  holdMaxAgeSeconds: number;
  fetchMaxBytes: number;
  fetchTimeoutMs: number;
  /** A streamed answer idle this long gets a keep-alive comment, so proxies do not cut it (0 = never). */
  streamKeepAliveMs: number;
  maxPixels: number;
  /** Decoded pixels of all input images and the mask of one request together, checked from their headers. */
  maxRequestPixels: number;
  /** Image decodes (sharp) running at once in this process; further ones wait their turn. */
  decodeConcurrency: number;
  /** Connection limits against slow or hoarding clients (server/http-server.ts). */
  connections: ConnectionLimits;
  workers: number;
  /**
   * Most tasks of one account running at once across all instances (0 = no cap), so one account's backlog
   * cannot take every worker from the others.
   */
  accountWorkers: number;
  webhookBaseDelayMs: number;
  /** A running task whose worker has not renewed its lease for this long is taken over. */
  taskLeaseMs: number;
  /** A gateway process silent for this long is dead: its holds are refunded. */
  instanceStaleMs: number;
  /** On SIGTERM, how long requests and tasks in flight may run on before what is left is cut (and refunded). */
  shutdownGraceMs: number;
  /** Console sign-in sessions: unused this long, or this long after sign-in, they end. */
  console: SessionLifetimes;
  /** Refused top-up code redemptions allowed per account and per client address in 15 minutes. */
  redeemFailures: { perAccount: number; perIp: number };
  /** The Files API: uploaded images (server/routes/files-api.ts). */
  files: FileSettings;
  /** Who may sign up in the console, and the opening credit (micro-units) of an account made by an open sign-up. */
  signup: SignupSettings;
  databaseUrl?: string;
  /** Apply pending migrations at start (one instance), or refuse to start until `imagegate migrate` has (rolling deploys). */
  autoMigrate: boolean;
  /** PostgreSQL pool size and session time limits (store/postgres-pool.ts). */
  postgres: PostgresSettings;
  redisUrl?: string;
  /** Set when hosted images live in an S3-compatible bucket (IMAGEGATE_S3_BUCKET); the data dir otherwise. */
  s3?: S3Settings & { credentials: CredentialChainSettings };
  /** The raw environment, for provider credentials (OPENAI_API_KEY, …) named by the catalog. */
  env: Record<string, string | undefined>;
}

export interface ConnectionLimits {
  /** A request's headers must all arrive within this (0 = no limit). */
  headersTimeoutMs: number;
  /** A request's whole body must arrive within this after its headers (0 = no limit). */
  bodyTimeoutMs: number;
  /** A body that sends nothing for this long is cut off (0 = no limit). */
  bodyIdleTimeoutMs: number;
  /** Open client connections at most; further ones are closed at once (0 = no cap). */
  maxConnections: number;
}

export interface FileSettings {
  /** The largest upload taken, in bytes. */
  maxBytes: number;
  /** How long a file lives when the upload names no `expires_after`. */
  defaultTtlSeconds: number;
  /** The longest `expires_after.seconds` an upload may ask for. */
  maxTtlSeconds: number;
  /** Live files one account may hold at once, and their bytes together. */
  perAccount: AccountFileLimits;
}

/** `off`: operators create members; `invite`: sign-up with an invite only; `open`: anyone. */
export type SignupMode = Env['IMAGEGATE_SIGNUP'];

export interface SignupSettings {
  mode: SignupMode;
  credit: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`environment variable ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  const publicHost = e.HOST === '0.0.0.0' || e.HOST === '::' ? '127.0.0.1' : e.HOST;
  return {
    host: e.HOST,
    port: e.PORT,
    dataDir: resolve(e.IMAGEGATE_DATA_DIR),
    adminKey: e.IMAGEGATE_ADMIN_KEY,
    catalogOverlay: e.IMAGEGATE_CONFIG,
    publicUrl: (e.IMAGEGATE_PUBLIC_URL ?? `http://${publicHost.includes(':') ? `[${publicHost}]` : publicHost}:${e.PORT}`).replace(/\/+$/, ''),
    trustedProxies: e.IMAGEGATE_TRUSTED_PROXIES,
    urlAllowlist: e.IMAGEGATE_URL_ALLOWLIST.split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
    dropUnsupported: e.IMAGEGATE_DROP_UNSUPPORTED,
    defaultModel: e.IMAGEGATE_DEFAULT_MODEL,
    azureApiVersion: e.OPENAI_API_VERSION,
    urlTtlSeconds: e.IMAGEGATE_URL_TTL_SECONDS,
    signingSecret: e.IMAGEGATE_SIGNING_SECRET,
    bodyLimitBytes: e.IMAGEGATE_BODY_LIMIT_BYTES,
    processes: e.IMAGEGATE_PROCESSES,
    processIndex: e.IMAGEGATE_PROCESS_INDEX,
    logLevel: e.IMAGEGATE_LOG_LEVEL,
    requestLog: e.IMAGEGATE_REQUEST_LOG === 'on',
    holdSweepSeconds: e.IMAGEGATE_HOLD_SWEEP_SECONDS,
    holdMaxAgeSeconds: e.IMAGEGATE_HOLD_MAX_AGE_SECONDS,
    fetchMaxBytes: e.IMAGEGATE_FETCH_MAX_BYTES,
    fetchTimeoutMs: e.IMAGEGATE_FETCH_TIMEOUT_MS,
    streamKeepAliveMs: e.IMAGEGATE_STREAM_KEEPALIVE_MS,
    maxPixels: e.IMAGEGATE_MAX_PIXELS,
    maxRequestPixels: e.IMAGEGATE_MAX_REQUEST_PIXELS,
    decodeConcurrency: Math.max(1, e.IMAGEGATE_DECODE_CONCURRENCY),
    connections: {
      headersTimeoutMs: e.IMAGEGATE_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.IMAGEGATE_BODY_TIMEOUT_MS,
      bodyIdleTimeoutMs: e.IMAGEGATE_BODY_IDLE_TIMEOUT_MS,
      maxConnections: e.IMAGEGATE_MAX_CONNECTIONS,
    },
    workers: e.IMAGEGATE_WORKERS,
    accountWorkers: e.IMAGEGATE_ACCOUNT_WORKERS,
    webhookBaseDelayMs: e.IMAGEGATE_WEBHOOK_BASE_DELAY_MS,
    taskLeaseMs: e.IMAGEGATE_TASK_LEASE_MS,
    instanceStaleMs: e.IMAGEGATE_INSTANCE_STALE_MS,
    shutdownGraceMs: e.IMAGEGATE_SHUTDOWN_GRACE_MS,
    console: {
      idleMs: Math.max(1, e.IMAGEGATE_CONSOLE_IDLE_MINUTES) * 60_000,
      absoluteMs: Math.max(1, e.IMAGEGATE_CONSOLE_SESSION_HOURS) * 3_600_000,
    },
    redeemFailures: {
      perAccount: Math.max(1, e.IMAGEGATE_REDEEM_FAILURES_PER_ACCOUNT),
      perIp: Math.max(1, e.IMAGEGATE_REDEEM_FAILURES_PER_IP),
    },
    files: {
      maxBytes: Math.max(1, e.IMAGEGATE_FILE_MAX_BYTES),
      // An expiry of at least an hour, as OpenAI's smallest expires_after; the default within the longest.
      maxTtlSeconds: Math.max(3600, e.IMAGEGATE_FILE_MAX_TTL_SECONDS),
      defaultTtlSeconds: Math.min(Math.max(3600, e.IMAGEGATE_FILE_TTL_SECONDS), Math.max(3600, e.IMAGEGATE_FILE_MAX_TTL_SECONDS)),
      perAccount: { files: e.IMAGEGATE_FILES_PER_ACCOUNT, bytes: e.IMAGEGATE_FILE_BYTES_PER_ACCOUNT },
    },
    signup: { mode: e.IMAGEGATE_SIGNUP, credit: e.IMAGEGATE_SIGNUP_CREDIT },
    vertex: { project: e.GOOGLE_CLOUD_PROJECT || undefined, location: e.GOOGLE_CLOUD_LOCATION || 'us-central1', tokenUrl: e.IMAGEGATE_GOOGLE_TOKEN_URL },
    databaseUrl: e.DATABASE_URL,
    autoMigrate: ['on', 'true', '1'].includes(e.IMAGEGATE_AUTO_MIGRATE),
    postgres: {
      poolSize: Math.max(1, e.IMAGEGATE_DB_POOL_SIZE),
      statementTimeoutMs: e.IMAGEGATE_DB_STATEMENT_TIMEOUT_MS,
      lockTimeoutMs: e.IMAGEGATE_DB_LOCK_TIMEOUT_MS,
      idleInTransactionTimeoutMs: e.IMAGEGATE_DB_IDLE_TX_TIMEOUT_MS,
      connectTimeoutMs: e.IMAGEGATE_DB_CONNECT_TIMEOUT_MS,
    },
    redisUrl: e.REDIS_URL,
    s3: e.IMAGEGATE_S3_BUCKET ? s3FromEnv(e, e.IMAGEGATE_S3_BUCKET) : undefined,
    env,
  };
}

function s3FromEnv(e: Env, bucket: string): S3Settings & { credentials: CredentialChainSettings } {
  const store = s3Settings({
    bucket,
    prefix: e.IMAGEGATE_S3_PREFIX,
    endpoint: e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL,
    region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION,
    pathStyle: e.IMAGEGATE_S3_PATH_STYLE === undefined ? undefined : e.IMAGEGATE_S3_PATH_STYLE === 'true' || e.IMAGEGATE_S3_PATH_STYLE === '1',
    redirect: e.IMAGEGATE_S3_REDIRECT,
  });
  return { ...store, credentials: credentialChainFromEnv(e) };
}

/** Where the S3 store's credentials may come from; nothing is read or fetched until the gateway starts. */
function credentialChainFromEnv(e: Env): CredentialChainSettings {
  const home = e.HOME || e.USERPROFILE || homedir();
  return {
    environment: {
      accessKeyId: e.AWS_ACCESS_KEY_ID || undefined,
      secretAccessKey: e.AWS_SECRET_ACCESS_KEY || undefined,
      sessionToken: e.AWS_SESSION_TOKEN || undefined,
    },
    sharedFiles: {
      profile: e.AWS_PROFILE || undefined,
      credentialsFile: e.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
      configFile: e.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
    },
    webIdentity: {
      tokenFile: e.AWS_WEB_IDENTITY_TOKEN_FILE || undefined,
      roleArn: e.AWS_ROLE_ARN || undefined,
      sessionName: e.AWS_ROLE_SESSION_NAME || undefined,
    },
    stsEndpoint: stsEndpointOf({
      override: e.AWS_ENDPOINT_URL_STS ?? e.AWS_ENDPOINT_URL,
      region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION,
      regionalEndpoints: e.AWS_STS_REGIONAL_ENDPOINTS,
    }),
    container: {
      relativeUri: e.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || undefined,
      fullUri: e.AWS_CONTAINER_CREDENTIALS_FULL_URI || undefined,
      authorizationToken: e.AWS_CONTAINER_AUTHORIZATION_TOKEN || undefined,
      authorizationTokenFile: e.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE || undefined,
      agent: ECS_AGENT,
    },
    instanceMetadata: {
      disabled: e.AWS_EC2_METADATA_DISABLED,
      endpoint: e.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? (e.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE === 'IPv6' ? IMDS_ENDPOINT_IPV6 : IMDS_ENDPOINT_IPV4),
    },
    metadataTimeoutMs: Math.max(1, e.AWS_METADATA_SERVICE_TIMEOUT) * 1000,
    metadataAttempts: Math.max(1, e.AWS_METADATA_SERVICE_NUM_ATTEMPTS),
  };
}
