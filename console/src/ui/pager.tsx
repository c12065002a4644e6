/**
 * Paging over the admin API's newest-first cursor pages: the URL keeps the cursor (`after`), and the
 * cursors of the pages before it, so Back, reload and a shared link all land on the same page.
 */
import { useQueryState } from '../router/router.js';
import { t } from './messages.js';

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
    <nav class="pager" aria-label={t('pages')}>
      <button type="button" onClick={newer} disabled={first}>
        {t('newer')}
      </button>
      <span class="muted">{t('pageShown', { page: trail.length + 1, shown: props.shown })}</span>
      <button type="button" onClick={older} disabled={!props.hasMore}>
        {t('older')}
      </button>
    </nav>
  );
}
