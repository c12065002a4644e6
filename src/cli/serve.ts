/**
 * `imagegate serve`: start the gateway, print the admin key on first start, stop cleanly on signals. With
 * several processes (processes.ts) this process is the primary, or one of its workers.
 */
import cluster from 'node:cluster';
import { pino } from 'pino';
import { ConfigError, type GatewayConfig, loadConfig } from '../config/config.js';
import type { Gateway } from '../gateway.js';
import { CONFIG_ERROR_EXIT } from './exit-codes.js';
import { isPrimaryMessage, runPrimary } from './processes.js';

function configOrExit(): GatewayConfig {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`imagegate: configuration error: ${e.message}`);
      process.exit(CONFIG_ERROR_EXIT);
    }
    throw e;
  }
}

/** `processes` overrides IMAGEGATE_PROCESSES (the `--processes` option). */
export async function serve(opts: { processes?: number } = {}): Promise<void> {
  const config = configOrExit();
  const processes = opts.processes ?? config.processes;
  if (cluster.isPrimary && processes > 1)
    return runPrimary(
      { count: processes, redisUrl: config.redisUrl, databaseUrl: config.databaseUrl },
      pino({ level: config.logLevel, base: { role: 'primary' } }),
    );

  // A stop asked for while the gateway starts (a signal during migrations) waits for the start, then
  // drains what started: the process never ends half-started.
  // Imported here, not at the top: the primary of several processes never loads the gateway (~10 MB less).
  const started = import('./gateway-process.js').then(({ startGateway }) => startGateway(config));
  let live: Gateway | undefined;
  void started.then((g) => (live = g));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // A second signal means "now": whatever is still in flight is cut, and its holds are refunded by the
      // sweep of another instance or of the next start.
      if (live) live.log.warn({ signal }, 'stopping at once');
      process.exit(1);
    }
    stopping = true;
    const gateway = await started;
    gateway.log.info({ signal, grace_ms: gateway.config.shutdownGraceMs }, 'draining: no new connections, requests and tasks in flight finish');
    await gateway.close();
    process.exit(0);
  };
  if (cluster.isWorker) {
    // The primary decides: a signal to the whole process group (Ctrl-C, systemd) starts the drain here too,
    // but a second one must not turn it into "now" unless the primary says so.
    process.on('SIGINT', () => void (stopping || stop('SIGINT')));
    process.on('SIGTERM', () => void (stopping || stop('SIGTERM')));
    process.on('message', (m) => {
      if (!isPrimaryMessage(m)) return;
      if (m.imagegate === 'stop-now') process.exit(1);
      else if (!stopping) void stop('drain from the primary');
    });
  } else {
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  }
  await started;
}
