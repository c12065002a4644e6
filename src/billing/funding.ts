/**
 * Where credit for an account comes from, said the same way wherever an account runs short (the 402) or a
 * key is handed out (the key's creation answer), so an operator is never left guessing which account to fund.
 */

/** The command-line and console ways to add credit to one account. */
export function howToAddCredit(accountId: string): string {
  return (
    `An operator adds credit with \`imagegate accounts credit ${accountId} <amount> --note <reason>\` ` +
    `or on the console page /console/accounts/${accountId}; a member of the account can redeem a top-up code at /console/top-up.`
  );
}

/** The most a new key can spend at once: its account's balance, within the key's own daily and monthly caps. */
export function newKeyCanSpend(balance: number, caps: { spend_cap_day?: number | null; spend_cap_month?: number | null }): number {
  return Math.min(balance, caps.spend_cap_day ?? balance, caps.spend_cap_month ?? balance);
}
