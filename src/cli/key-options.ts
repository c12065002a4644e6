/**
 * The options that set a key's attributes, shared by `keys create` and `keys update` so both speak the
 * admin API's KeyAttributesSchema alike. `none` (or `any`, `never`) removes a limit on update.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { z } from 'zod';
import type { KeyAttributesSchema } from '../server/routes/admin.js';
import { date, int, list, money } from './arguments.js';

type KeyAttributes = z.input<typeof KeyAttributesSchema>;

/** A removed limit. Not null: commander turns a parser's null into an empty string. */
const REMOVED = Symbol('removed');
type Removable<T> = T | typeof REMOVED;

const orNone =
  <T>(word: string, parse: (v: string) => T) =>
  (v: string): Removable<T> =>
    v === word ? REMOVED : parse(v);

/** An option's value as the API takes it: absent stays absent (unchanged), removed is null. */
const api = <T>(v: Removable<T> | undefined): T | null | undefined => (v === REMOVED ? null : v);

function positive(v: string): number {
  const n = int(v);
  if (n === 0) throw new InvalidArgumentError('must be at least 1 (or none for no limit)');
  return n;
}

export interface KeyAttributeOptions {
  name?: string;
  models?: Removable<string[]>;
  rpm?: Removable<number>;
  ipm?: Removable<number>;
  concurrency?: Removable<number>;
  dailyCap?: Removable<number>;
  monthlyCap?: Removable<number>;
  expires?: Removable<string>;
  dropUnsupported?: boolean;
  callbackUrl?: Removable<string>;
}

export function addKeyAttributeOptions(cmd: Command): Command {
  return cmd
    .option('--models <ids>', 'comma-separated model allowlist (any: every model)', orNone('any', list))
    .option('--rpm <n>', 'requests per minute (none: no limit)', orNone('none', positive))
    .option('--ipm <n>', 'images per minute (none: no limit)', orNone('none', positive))
    .option('--concurrency <n>', 'max concurrent requests (none: no limit)', orNone('none', positive))
    .option('--daily-cap <amount>', 'spend cap per UTC day, in currency units (none: no cap)', orNone('none', money))
    .option('--monthly-cap <amount>', 'spend cap per UTC month, in currency units (none: no cap)', orNone('none', money))
    .option('--expires <when>', 'expiry: an ISO date or time, or unix seconds (never: does not expire)', orNone('never', date))
    .option('--drop-unsupported', 'drop request fields a model does not take instead of refusing the request with a 400')
    .option('--no-drop-unsupported', 'refuse a request with a field the model does not take (the default)')
    .option('--callback-url <url>', 'default webhook URL for async tasks of this key (none: no default)', orNone('none', String));
}

/** The options given, as the admin API's key attributes; options not given are left out, so they stay as they are. */
export function keyAttributes(o: KeyAttributeOptions): KeyAttributes {
  const expires = api(o.expires);
  return {
    name: o.name,
    models: api(o.models),
    rpm: api(o.rpm),
    ipm: api(o.ipm),
    max_concurrency: api(o.concurrency),
    spend_cap_day: api(o.dailyCap),
    spend_cap_month: api(o.monthlyCap),
    expires_at: typeof expires === 'string' ? Number(expires) : expires,
    drop_unsupported: o.dropUnsupported,
    callback_url: api(o.callbackUrl),
  };
}
