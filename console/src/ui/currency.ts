/** The gateway's currency (one per deployment), read once from the catalog and shared by every page. */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api/client.js';
import type { Priced } from '../api/types.js';
import { useScope } from './scope.js';

let pending: Promise<string> | undefined;

export function useCurrency(): string {
  const [currency, setCurrency] = useState('');
  // A member may not read the admin catalog; their account answer names the same currency.
  const source = useScope().member ? '/v1/console/account' : '/v1/admin/models';
  useEffect(() => {
    pending ??= getJson<Priced>(source).then(
      (m) => m.currency,
      () => {
        pending = undefined;
        return '';
      },
    );
    void pending.then(setCurrency);
  }, []);
  return currency;
}
