/** What a part of a page shows while it loads, when it failed, and when there is nothing to show. */
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/client.js';
import { t } from './messages.js';

/** An API failure in place, naming the field the gateway named. */
export function ErrorNote({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <p class="note error" role="alert">
      {error.param ? <strong>{error.param}: </strong> : null}
      {error.message}
      {error.code ? <span class="muted"> ({error.code})</span> : null}
    </p>
  );
}

export function Loading({ what = t('loading') }: { what?: string }) {
  return (
    <p class="note muted" role="status">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="note empty">{children}</p>;
}

/** The three states of a loaded part: the error, a first load, or the content. */
export function Loaded<T>(props: { state: { data: T | undefined; error: ApiError | undefined }; children: (data: T) => ComponentChildren }) {
  if (props.state.error) return <ErrorNote error={props.state.error} />;
  if (props.state.data === undefined) return <Loading />;
  return <>{props.children(props.state.data)}</>;
}

/** Any thrown value as an ApiError, so a local check (a bad amount) shows like the gateway's own errors. */
export function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, e instanceof Error ? e.message : String(e), null, null);
}
