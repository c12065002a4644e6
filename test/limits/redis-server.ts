/**
 * A private redis-server for one test file: started on a free loopback port with no persistence, stopped
 * (killed) afterwards. Each caller gets its own server, so test files can run in parallel.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
  /** Kills the server (a Redis outage), keeping its port for `up`. */
  down(): Promise<void>;
  /** Starts it again on the same port, empty. */
  up(): Promise<void>;
}

const BINARY = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';
const READY = /Ready to accept connections/;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const addr = probe.address();
      probe.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port assigned'))));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Spawn redis-server on `port`; resolves once it accepts connections, rejects with its output if it exits. */
function launch(port: number): Promise<ChildProcess> {
  const child = spawn(BINARY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} not ready after 10 s:\n${output}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (READY.test(output)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        // Keep draining so a chatty server never blocks on a full pipe.
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  if (!existsSync(BINARY)) {
    throw new Error(`${BINARY} not found: install it (apt-get install -y redis-server) or set REDIS_SERVER_BIN.`);
  }
  // Another process can take the probed port before redis binds it; a few fresh ports settle that race.
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      let child: ChildProcess | undefined = await launch(port);
      // If the test process dies without calling stop(), the server must not outlive it.
      const orphanGuard = () => child?.kill('SIGKILL');
      process.once('exit', orphanGuard);
      const kill = async () => {
        if (!child) return;
        const done = exited(child);
        child.kill('SIGKILL');
        await done;
        child = undefined;
      };
      return {
        url: `redis://127.0.0.1:${port}`,
        async stop() {
          process.off('exit', orphanGuard);
          await kill();
        },
        down: kill,
        async up() {
          child ??= await launch(port);
        },
      };
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}
