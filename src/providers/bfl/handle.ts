/**
 * A BFL job's handle, as the task's upstream id keeps it: the task id and the polling URL BFL returned (BFL
 * asks clients to poll that exact URL: it points at the cluster that took the job). JSON, no secret.
 */
import type { Route } from '../../domain/adapter.js';
import { GatewayError } from '../../domain/errors.js';
import { decodeJobHandle, encodeJobHandle, handleUrl } from '../job-handle.js';
import { isTrustedPollingUrl } from './endpoint.js';
import { BFL } from './mapping.js';

export interface BflHandle {
  id: string;
  pollingUrl: URL;
}

const unusable = (why: string) => new GatewayError('upstream_error', `The ${BFL} job cannot be followed: ${why}.`, { retryable: false });

/** The handle back, checked: its polling URL must be one the route may send its key to. */
export function decodeHandle(text: string, route: Route): BflHandle {
  const { id, polling_url } = decodeJobHandle(text, unusable);
  if (typeof id !== 'string' || id === '') throw unusable('its stored handle lacks the task id');
  const url = handleUrl(polling_url, 'polling URL', unusable);
  if (!isTrustedPollingUrl(url, route)) throw unusable(`its polling URL's host ${url.host} is neither ${BFL}'s nor the route's`);
  return { id, pollingUrl: url };
}

/** The handle of a job BFL accepted, checked as a stored one is. */
export function handleOfSubmit(id: unknown, pollingUrl: unknown, route: Route): string {
  if (typeof id !== 'string' || id === '' || typeof pollingUrl !== 'string') {
    throw new GatewayError('upstream_error', `${BFL} accepted the job but returned no id or polling_url.`, { retryable: true });
  }
  const text = encodeJobHandle({ id, polling_url: pollingUrl }, unusable);
  decodeHandle(text, route);
  return text;
}
