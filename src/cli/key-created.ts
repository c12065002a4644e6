/**
 * What `keys create` tells the person who made a key: the secret (shown once), the account the key bills to,
 * what that account can spend, and how to add credit when it cannot, so the first request does not meet a
 * 402 unexplained.
 */
import type { AccountView } from '../server/account-view.js';
import type { describeKey } from '../store/keys.js';
import { type Cli, moneyText } from './context.js';

export type KeyView = ReturnType<typeof describeKey>;
export type CreatedKey = KeyView & { key: string; webhook_secret: string | null };

export async function printCreatedKey(cli: Cli, created: CreatedKey, gatewayUrl: string): Promise<void> {
  // Read after the key exists: the balance it will draw on now, in the account's currency.
  const account = (await cli.client().get(`/v1/admin/accounts/${encodeURIComponent(created.account_id)}`)) as AccountView;
  if (cli.json) cli.printJson(created);
  else
    cli.printFields([
      ['id', created.id],
      ['name', created.name],
      ['key', `${created.key}  (shown only now: keep it)`],
      ['account', `${account.name} (${account.id})`],
      ...keyLimits(created, account.currency),
    ]);
  for (const line of spendingLines(created, account, gatewayUrl)) cli.note(line);
}

function keyLimits(k: KeyView, currency: string): Array<readonly [string, string | undefined]> {
  return [
    ['models', k.models ? k.models.join(', ') : undefined],
    ['rpm', k.rpm === null ? undefined : String(k.rpm)],
    ['ipm', k.ipm === null ? undefined : String(k.ipm)],
    ['max_concurrency', k.max_concurrency === null ? undefined : String(k.max_concurrency)],
    ['spend_cap_day', k.spend_cap_day === null ? undefined : moneyText(k.spend_cap_day, currency)],
    ['spend_cap_month', k.spend_cap_month === null ? undefined : moneyText(k.spend_cap_month, currency)],
  ];
}

/** What the key may spend, in words: the account's balance, and the command that adds to it when it is empty. */
export function spendingLines(k: KeyView, account: AccountView, gatewayUrl: string): string[] {
  if (k.admin) return ['An admin key: its requests are not charged.'];
  const available = moneyText(account.balance, account.currency);
  if (account.balance > 0) return [`The account can spend ${available}; requests to priced models draw on it.`];
  return [
    `The account has ${available} to spend: requests to priced models are refused`,
    '(402 insufficient_balance) until it has credit. Add some with',
    `  imagegate accounts credit ${account.id} <amount> --note "first credit"`,
    `or on the console's account page: ${gatewayUrl.replace(/\/+$/, '')}/console/accounts/${encodeURIComponent(account.id)}`,
  ];
}
