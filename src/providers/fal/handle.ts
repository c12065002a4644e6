/**
 * A fal request's handle, as the task's upstream id keeps it: the request id and the three URLs fal returned
 * (status, response, cancel; fal asks clients to use them as given, since a model's status lives under its
 * app id, not its full model id). JSON, no secret. The URLs are followed with the key only when they share
 * the route's origin (https://queue.fal.run unless FAL_BASE_URL says otherwise), so a row changed in the
 * database cannot send the key elsewhere.
 */
import type { Route } from '../../domain/adapter.js';
import { GatewayError } from '../../domain/errors.js';
import { decodeJobHandle, encodeJobHandle, handleUrl } from '../job-handle.js';
import { FAL } from './mapping.js';

export interface FalHandle {
  requestId: string;
  statusUrl: URL;
  responseUrl: URL;
  cancelUrl: URL;
}

const unusable = (why: string) => new GatewayError('upstream_error', `The ${FAL} request cannot be followed: ${why}.`, { retryable: false });

function trustedUrl(value: unknown, what: string, origin: string): URL {
  const url = handleUrl(value, what, unusable);
  if (url.username || url.password || url.origin !== origin) throw unusable(`its ${what} is on ${url.host}, not the route's ${new URL(origin).host}`);
  return url;
}

const originOf = (route: Route) => new URL(route.baseUrl).origin;

export function decodeHandle(text: string, route: Route): FalHandle {
  const parsed = decodeJobHandle(text, unusable);
  const requestId = parsed.request_id;
  if (typeof requestId !== 'string' || requestId === '') throw unusable('its stored handle has no request id');
  const origin = originOf(route);
  return {
    requestId,
    statusUrl: trustedUrl(parsed.status_url, 'status URL', origin),
    responseUrl: trustedUrl(parsed.response_url, 'response URL', origin),
    cancelUrl: trustedUrl(parsed.cancel_url, 'cancel URL', origin),
  };
}

/** The handle of a request fal queued, checked as a stored one is. */
export function handleOfSubmit(reply: Record<string, unknown> | undefined, route: Route): string {
  const { request_id, status_url, response_url, cancel_url } = reply ?? {};
  if (typeof request_id !== 'string' || request_id === '') {
    throw new GatewayError('upstream_error', `${FAL} queued the request but returned no request_id.`, { retryable: true });
  }
  const text = encodeJobHandle({ request_id, status_url, response_url, cancel_url }, unusable);
  decodeHandle(text, route);
  return text;
}
