/**
 * First-start setup, safe to run on every start and from several instances at once: the operator account,
 * the admin key (IMAGEGATE_ADMIN_KEY, or a generated one printed once) and the URL-signing secret.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { hashSecret, type KeyStore } from './keys.js';

export const OPERATOR_ACCOUNT = 'acct_operator';

export interface BootstrapResult {
  /** Set only when this start created the admin key: print it once. */
  createdAdminKey?: string;
  signingSecret: string;
}

async function setting(db: Kysely<Database>, name: string, make: () => string): Promise<string> {
  await db.insertInto('settings').values({ name, value: make() }).onConflict((oc) => oc.column('name').doNothing()).execute();
  const row = await db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirstOrThrow();
  return row.value;
}

export async function bootstrap(db: Kysely<Database>, keys: KeyStore, opts: { adminKey?: string; signingSecret?: string }): Promise<BootstrapResult> {
  await db
    .insertInto('accounts')
    .values({ id: OPERATOR_ACCOUNT, name: 'operator', balance: 0, created_at: Date.now() })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();

  let createdAdminKey: string | undefined;
  if (opts.adminKey) {
    const exists = await db.selectFrom('api_keys').select('id').where('hash', '=', hashSecret(opts.adminKey)).executeTakeFirst();
    if (!exists) await keys.create(OPERATOR_ACCOUNT, { name: 'admin (IMAGEGATE_ADMIN_KEY)', isAdmin: true, secret: opts.adminKey });
  } else {
    // Claim the right to create the first admin key through a unique settings row, so two instances
    // starting together do not both create (and print) one.
    const claimed = await db
      .insertInto('settings')
      .values({ name: 'admin_key_created', value: String(Date.now()) })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (Number(claimed.numInsertedOrUpdatedRows ?? 0) > 0) {
      const { secret } = await keys.create(OPERATOR_ACCOUNT, { name: 'admin (first start)', isAdmin: true });
      createdAdminKey = secret;
    }
  }
  const signingSecret = opts.signingSecret ?? (await setting(db, 'url_signing_secret', () => randomBytes(32).toString('base64url')));
  return { createdAdminKey, signingSecret };
}
