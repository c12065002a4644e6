/** Loads one API answer for a component: loading, the data or the error, and a way to load it again. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type ApiError, getJson } from '../api/client.js';
import { asApiError } from './status.js';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs `path` (null: nothing to load yet), again whenever it changes; a stale answer never replaces a newer one. */
export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: path !== null });
  const [nonce, setNonce] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    if (path === null) return;
    const ticket = ++latest.current;
    // Keep the previous data while loading, so tables do not jump.
    setState((s) => ({ data: s.data, loading: true }));
    getJson<T>(path).then(
      (data) => ticket === latest.current && setState({ data, loading: false }),
      (e: unknown) => ticket === latest.current && setState({ error: asApiError(e), loading: false }),
    );
  }, [path, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
