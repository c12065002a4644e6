/**
 * Paging over the admin API's newest-first cursor pages: the URL keeps the cursor (`after`), and the
 * cursors of the pages before it, so Back, reload and a shared link all land on the same page.
 */
import { useQueryState } from '../router/router.js';

/** The `after` cursor of the page shown, and the controls' state for a page answer. */
export function useCursor(): { after: string | undefined } {
  const [q] = useQueryState();
  return { after: q.after };
}

export function Pager(props: { hasMore: boolean; lastId: string | null; shown: number }) {
  const [q, set] = useQueryState();
  const trail = q.trail ? q.trail.split(',') : [];
  const older = () => set({ after: props.lastId ?? undefined, trail: [...trail, q.after ?? ''].join(',') });
  const newer = () => {
    const prev = trail.at(-1);
    set({ after: prev || undefined, trail: trail.slice(0, -1).join(',') || undefined });
  };
  const first = !q.after;
  if (first && !props.hasMore) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" onClick={newer} disabled={first}>
        ← Newer
      </button>
      <span class="muted">
        Page {trail.length + 1} · {props.shown} shown
      </span>
      <button type="button" onClick={older} disabled={!props.hasMore}>
        Older →
      </button>
    </nav>
  );
}
