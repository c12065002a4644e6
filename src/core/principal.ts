import type { ApiKey } from '../store/keys.js';

/** Who is calling: the authenticated key and its account. */
export interface Principal {
  key: ApiKey;
  accountId: string;
  /** Admin keys manage the gateway; their own image requests are recorded but not billed. */
  isAdmin: boolean;
}
