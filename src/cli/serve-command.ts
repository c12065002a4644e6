/** `imagegate serve`: run the gateway, in this process or, with --processes N, in N processes on one port. */
import { type Command, InvalidArgumentError } from 'commander';
import { PROCESS_COUNT_RULE, processCount } from '../config/config.js';
import { serve } from './serve.js';

function processes(v: string): number {
  const n = processCount(v);
  if (n === null) throw new InvalidArgumentError(PROCESS_COUNT_RULE);
  return n;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the gateway (configured by environment variables; see README)')
    .option('--processes <n>', 'gateway processes on one port: a number, or "auto" for one per CPU core (default: IMAGEGATE_PROCESSES, else 1)', processes)
    .action(async (o: { processes?: number }) => {
      await serve({ processes: o.processes });
    });
}
