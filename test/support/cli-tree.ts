/**
 * Preloaded into a CLI process (`node --import tsx --import ./test/support/cli-tree.ts src/cli/main.ts`):
 * instead of running a command, the program prints every command it registered, with their long options,
 * as JSON. The docs test compares that tree with docs/cli.md.
 */
import { Command } from 'commander';

export interface CommandNode {
  path: string;
  options: string[];
}

function walk(cmd: Command, prefix: string, out: CommandNode[]): CommandNode[] {
  for (const sub of cmd.commands) {
    const path = `${prefix} ${sub.name()}`.trim();
    out.push({ path, options: sub.options.map((o) => o.long).filter((l): l is string => l !== undefined) });
    walk(sub, path, out);
  }
  return out;
}

Command.prototype.parseAsync = async function (this: Command) {
  const root: CommandNode = { path: '', options: this.options.map((o) => o.long).filter((l): l is string => l !== undefined) };
  process.stdout.write(JSON.stringify([root, ...walk(this, '', [])]));
  return this;
};
