/**
 * A throwaway PostgreSQL server of a test's own (initdb into a temp dir, pg_ctl on a free loopback port), for
 * tests that stop, restart or otherwise hurt the database under a running gateway. PostgreSQL refuses to run
 * as root, so as root the server runs as the `postgres` OS user.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './process.js';

const run = promisify(execFile);

/** Where the server binaries are: IMAGEGATE_TEST_PG_BIN, or Debian's PostgreSQL 15. */
export const PG_BIN = process.env.IMAGEGATE_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Whether this machine can run a cluster of its own (the binaries are there). */
export const canRunPgCluster = existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'));

const asRoot = process.getuid?.() === 0;

async function asServerUser(bin: string, args: string[]): Promise<void> {
  const file = join(PG_BIN, bin);
  if (asRoot) await run('runuser', ['-u', 'postgres', '--', file, ...args]);
  else await run(file, args);
}

async function uidOf(user: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export class PgCluster {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  /** initdb and start a new cluster; trust authentication on loopback, user `postgres`. */
  static async create(): Promise<PgCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'imagegate-pg-'));
    if (asRoot) {
      const { uid, gid } = await uidOf('postgres');
      chownSync(dir, uid, gid);
    }
    await asServerUser('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    const cluster = new PgCluster(dir, await freePort());
    await cluster.start();
    return cluster;
  }

  /** A connection URL for a database of this cluster. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** A new, empty database on this cluster; its URL. */
  async createDatabase(name = `imagegate_${Math.floor(Math.random() * 1e9)}`): Promise<string> {
    await this.query(`CREATE DATABASE ${name}`);
    return this.url(name);
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await asServerUser('pg_ctl', ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'server.log'), '-o', options, '-w', 'start']);
  }

  /** Stop at once (fast mode: sessions are terminated, as in a real restart). */
  async stop(): Promise<void> {
    await asServerUser('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** pg_terminate_backend every other client session (of one database, or all); how many were ended. */
  async terminateBackends(database?: string): Promise<number> {
    const where = database ? `AND datname = '${database.replace(/'/g, "''")}'` : '';
    const rows = await this.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' ${where}`,
    );
    return rows.filter((r) => r.ok === true).length;
  }

  /** One statement on the `postgres` database, on a connection of its own. */
  async query(text: string): Promise<Array<Record<string, unknown>>> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      return (await client.query(text)).rows as Array<Record<string, unknown>>;
    } finally {
      await client.end();
    }
  }

  /** Stop the server and remove its files. */
  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
