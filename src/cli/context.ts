/**
 * What every admin command shares: the program's global options (--url, --admin-key, --json), the client
 * they configure, the gateway's currency, and how results are written. Commands read it from the command
 * that runs (`optsWithGlobals`), so each command file needs nothing from main.ts.
 */
import type { Command } from 'commander';
import { formatMoney } from '../domain/money.js';
import { type AdminClient, adminClient, type UrlSource } from './client.js';
import { type Column, outputWidth, renderFields, renderTable } from './table.js';

export interface GlobalOptions {
  url: string;
  adminKey?: string;
  json?: boolean;
}

export interface Cli {
  /** `--json`: print the API's JSON unchanged, for scripts. */
  readonly json: boolean;
  client(): AdminClient;
  /** The gateway's currency (one per deployment), asked once. */
  currency(): Promise<string>;
  /** Writes the API's answer as JSON. */
  printJson(data: unknown): void;
  printTable<R>(rows: readonly R[], columns: readonly Column<R>[]): void;
  printFields(fields: ReadonlyArray<readonly [string, string | undefined]>): void;
  /** A line for people (a hint, a next step); with --json it goes to stderr, so stdout stays JSON. */
  note(text: string): void;
}

export function cliOf(command: Command): Cli {
  const opts = command.optsWithGlobals<GlobalOptions>();
  const source = command.getOptionValueSourceWithGlobals('url');
  const urlSource: UrlSource = source === 'cli' ? 'cli' : source === 'env' ? 'env' : 'default';
  let client: AdminClient | undefined;
  let currency: Promise<string> | undefined;
  const json = opts.json === true;
  const self: Cli = {
    json,
    client: () => {
      client ??= adminClient({ url: opts.url, urlSource, adminKey: opts.adminKey });
      return client;
    },
    currency: () => {
      currency ??= self
        .client()
        .get('/v1/admin/models')
        .then((m) => (m as { currency: string }).currency);
      return currency;
    },
    printJson: (data) => console.log(typeof data === 'string' ? data : JSON.stringify(data, null, 2)),
    printTable: (rows, columns) => console.log(renderTable(rows, columns, outputWidth())),
    printFields: (fields) => console.log(renderFields(fields)),
    note: (text) => (json ? console.error(text) : console.log(text)),
  };
  return self;
}

/** An action that gets the Cli of the command it runs as (commander calls actions with `this` = the command). */
export function withCli<A extends unknown[]>(fn: (cli: Cli, ...args: A) => Promise<void>): (this: Command, ...args: A) => Promise<void> {
  return async function (this: Command, ...args: A) {
    await fn(cliOf(this), ...args);
  };
}

/** Micro-units in currency units, as the console writes them (`12.50 USD`); `-` for none. */
export function moneyText(micro: number | null | undefined, currency: string): string {
  return micro === null || micro === undefined ? '-' : formatMoney(micro, currency);
}

/** Unix seconds (or an ISO string) as `2026-12-07 10:08` UTC; `-` for none. */
export function timeText(v: number | string | null | undefined): string {
  if (v === null || v === undefined || v === '') return '-';
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString().slice(0, 16).replace('T', ' ');
}

/** A value that may be absent, as text. */
export function text(v: string | number | boolean | null | undefined): string {
  return v === null || v === undefined || v === '' ? '-' : String(v);
}
