/**
 * First-start setup, safe to run on every start and from several instances at once: the operator account,
 * the admin key (IMAGEGATE_ADMIN_KEY, or a generated one printed once) and the URL-signing secret.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Db } from './db.js';
import { type KeyStore, newKeyRow } from './keys.js';
import { run, type TxWork } from './transact.js';

export const OPERATOR_ACCOUNT = 'acct_operator';

export interface BootstrapResult {
  /** Set only when this start created the admin key: print it once. */
  createdAdminKey?: string;
  signingSecret: string;
}

async function setting(db: Kysely<Database>, name: string, make: () => string): Promise<string> {
  await db
    .insertInto('settings')
    .values({ name, value: make() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}

export async function bootstrap(
  store: Pick<Db, 'kysely' | 'transact'>,
  keys: KeyStore,
  opts: { adminKey?: string; signingSecret?: string },
): Promise<BootstrapResult> {
  const db = store.kysely;
  await db
    .insertInto('accounts')
    .values({ id: OPERATOR_ACCOUNT, name: 'operator', balance: 0, created_at: Date.now() })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();

  let createdAdminKey: string | undefined;
  if (opts.adminKey) {
    // The key's unique hash decides between instances storing it at once.
    await keys.createIfAbsent(OPERATOR_ACCOUNT, { name: 'admin (IMAGEGATE_ADMIN_KEY)', isAdmin: true, secret: opts.adminKey, createdBy: null });
  } else {
    createdAdminKey = await store.transact({ write: () => firstAdminKey(db) });
  }
  const signingSecret = opts.signingSecret ?? (await setting(db, 'url_signing_secret', () => randomBytes(32).toString('base64url')));
  return { createdAdminKey, signingSecret };
}

/**
 * Claims the right to create the first admin key through a unique settings row and creates it in the same
 * transaction: two instances starting together do not both create (and print) one, and a process that dies
 * in between leaves neither, so the next start makes the key.
 */
function* firstAdminKey(db: Kysely<Database>): TxWork<string | undefined> {
  const { row, secret } = newKeyRow(OPERATOR_ACCOUNT, { name: 'admin (first start)', isAdmin: true, createdBy: null });
  const claimed = yield* run(
    db
      .insertInto('settings')
      .values({ name: 'admin_key_created', value: String(Date.now()) })
      .onConflict((oc) => oc.column('name').doNothing()),
  );
  if (Number(claimed.numAffectedRows ?? 0) === 0) return undefined;
  yield* run(db.insertInto('api_keys').values(row));
  return secret;
}
