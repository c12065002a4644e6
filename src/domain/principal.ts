/**
 * What a key allows, as the request flow reads it (the store's ApiKey extends it with what the admin API
 * shows: name, prefix, status, secrets).
 */
export interface KeyGrant {
  id: string;
  accountId: string;
  isAdmin: boolean;
  /** The models it may use; null: all. */
  models: string[] | null;
  rpm: number | null;
  ipm: number | null;
  maxConcurrency: number | null;
  spendCapDay: number | null;
  spendCapMonth: number | null;
  dropUnsupported: boolean;
  callbackUrl: string | null;
}

/** Who is calling: the authenticated key and its account. */
export interface Principal {
  key: KeyGrant;
  accountId: string;
  /** Admin keys manage the gateway; their own image requests are recorded but not billed. */
  isAdmin: boolean;
}
