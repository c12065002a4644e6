/** The gateway's currency (one per deployment), read once from the catalog and shared by every page. */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from '../api/client.js';
import type { Priced } from '../api/types.js';

let pending: Promise<string> | undefined;

export function useCurrency(): string {
  const [currency, setCurrency] = useState('');
  useEffect(() => {
    pending ??= getJson<Priced>('/v1/admin/models').then(
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
