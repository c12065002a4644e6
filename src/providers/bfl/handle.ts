/**
 * A BFL job's handle, as the task's upstream id keeps it: the task id and the polling URL BFL returned (BFL
 * asks clients to poll that exact URL: it points at the cluster that took the job). JSON, no secret.
 */
import type { Route } from '../../domain/adapter.js';
import { GatewayError } from '../../domain/errors.js';
import { isTrustedPollingUrl } from './endpoint.js';
import { BFL } from './mapping.js';

export interface BflHandle {
  id: string;
  pollingUrl: URL;
}

/** The handle's longest text: the task row's upstream id holds at most 2000 characters. */
const MAX_HANDLE = 2000;

export function encodeHandle(id: string, pollingUrl: string): string {
  return JSON.stringify({ id, polling_url: pollingUrl });
}

const unusable = (why: string) => new GatewayError('upstream_error', `The ${BFL} job cannot be followed: ${why}.`, { retryable: false });

/** The handle back, checked: its polling URL must be one the route may send its key to. */
export function decodeHandle(text: string, route: Route): BflHandle {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw unusable('its stored handle is not JSON');
  }
  const { id, polling_url } = (parsed ?? {}) as { id?: unknown; polling_url?: unknown };
  if (typeof id !== 'string' || id === '' || typeof polling_url !== 'string') throw unusable('its stored handle lacks the task id or polling URL');
  let url: URL;
  try {
    url = new URL(polling_url);
  } catch {
    throw unusable('its polling URL is not a URL');
  }
  if (!isTrustedPollingUrl(url, route)) throw unusable(`its polling URL's host ${url.host} is neither ${BFL}'s nor the route's`);
  return { id, pollingUrl: url };
}

/** The handle of a job BFL accepted, checked as a stored one is. */
export function handleOfSubmit(id: unknown, pollingUrl: unknown, route: Route): string {
  if (typeof id !== 'string' || id === '' || typeof pollingUrl !== 'string') {
    throw new GatewayError('upstream_error', `${BFL} accepted the job but returned no id or polling_url.`, { retryable: true });
  }
  const text = encodeHandle(id, pollingUrl);
  if (text.length > MAX_HANDLE) throw unusable('its polling URL is too long to keep');
  decodeHandle(text, route);
  return text;
}
