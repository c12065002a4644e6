/**
 * Where a BFL route sends its requests, and which polling URLs it may follow. The polling URL comes back
 * from BFL and is kept in the task's row; it is followed (with the key in `x-key`) only when it points at
 * BFL's own domain or at the route's own base, so a row changed in the database cannot send the key elsewhere.
 */
import type { Route } from '../../domain/adapter.js';
import { BFL_DOMAIN, REGION_BASES } from './mapping.js';

/** Route option `region` (`global`, `eu`, `us`) when set, else the route's base URL (BFL_BASE_URL). */
export function baseUrlOf(route: Route): string {
  const region = route.options.region;
  const base = typeof region === 'string' && Object.hasOwn(REGION_BASES, region) ? REGION_BASES[region]! : route.baseUrl;
  return base.replace(/\/+$/, '');
}

/** The route's problem with its `region` option, if any (checked once at start). */
export function regionProblem(route: Route): string | undefined {
  const region = route.options.region;
  if (region === undefined) return undefined;
  if (typeof region === 'string' && Object.hasOwn(REGION_BASES, region)) return undefined;
  return `option region must be one of ${Object.keys(REGION_BASES).join(', ')}; got ${JSON.stringify(region)}`;
}

const isBflHost = (host: string) => host === BFL_DOMAIN || host.endsWith(`.${BFL_DOMAIN}`);

/** True when the URL may be polled with the route's key: https on BFL's domain, or the route's own origin. */
export function isTrustedPollingUrl(url: URL, route: Route): boolean {
  if (url.username || url.password) return false;
  if (url.protocol === 'https:' && isBflHost(url.hostname.toLowerCase().replace(/\.$/, ''))) return true;
  try {
    return url.origin === new URL(baseUrlOf(route)).origin;
  } catch {
    return false;
  }
}
