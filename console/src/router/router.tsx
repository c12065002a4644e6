/**
 * A tiny history router: the path under /console/ and its query string are the page's state, so every
 * view (a filter, a page of results, a detail) has a URL that can be reloaded, bookmarked and shared.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/console';

export interface Location {
  /** The path below /console, always starting with '/'. */
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) || '/' : '/';
  return { path, query: new URLSearchParams(location.search) };
}

const listeners = new Set<() => void>();
addEventListener('popstate', () => {
  for (const l of listeners) l();
});

/** Goes to a console path (e.g. `/accounts/acct_1`); `replace` keeps the history entry (filter changes). */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = `${BASE}${to}`;
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const l of listeners) l();
  if (!opts.replace) scrollTo(0, 0);
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    listeners.add(update);
    return () => listeners.delete(update);
  }, []);
  return loc;
}

/** The query string's values as an object, and a setter that merges changes into the URL. */
export function useQueryState(): [Record<string, string>, (patch: Record<string, string | undefined>) => void] {
  const loc = useLocation();
  const values = Object.fromEntries(loc.query.entries());
  const set = (patch: Record<string, string | undefined>) => {
    const q = new URLSearchParams(loc.query);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') q.delete(k);
      else q.set(k, v);
    }
    const s = q.toString();
    navigate(`${loc.path}${s ? `?${s}` : ''}`, { replace: true });
  };
  return [values, set];
}

/** Matches `pattern` (`/accounts/:id`) against a path; the named segments, decoded, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/');
  const s = (path.replace(/\/+$/, '') || '/').split('/');
  if (p.length !== s.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (seg.startsWith(':')) params[seg.slice(1)] = decodeURIComponent(s[i]!);
    else if (seg !== s[i]) return null;
  }
  return params;
}

/** A real link (middle-click and copy work) that navigates in place on a plain click. */
export function Link(props: { to: string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' }) {
  const onClick = (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={`${BASE}${props.to}`} class={props.class} aria-current={props['aria-current']} onClick={onClick}>
      {props.children}
    </a>
  );
}
