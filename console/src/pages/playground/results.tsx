/**
 * The runs of this visit, newest first: each with its images in a grid (download, revised prompt, size), the
 * request id, the quote and the charge the gateway reported; a task's progress while it runs; the gateway's
 * error, with its field, when it failed.
 */
import type { ApiError } from '../../api/client.js';
import { money } from '../../ui/format.js';
import { ErrorNote } from '../../ui/status.js';
import { t } from './messages.js';
import type { Quote } from './quote.js';

export interface RunImage {
  src: string;
  revisedPrompt?: string;
  size?: string;
}

export interface RunView {
  id: number;
  model: string;
  operation: string;
  quote: Quote;
  currency: string;
  state: 'sending' | 'queued' | 'done' | 'failed';
  requestId?: string;
  taskId?: string;
  progress?: number | null;
  images: RunImage[];
  /** Micro-units the gateway settled; null when it reported no charge (a free model). */
  charge?: number | null;
  error?: ApiError;
}

export function Results(props: { runs: RunView[] }) {
  if (!props.runs.length) return <p class="note empty">{t('noRuns')}</p>;
  return (
    <ol class="runs">
      {props.runs.map((r) => (
        <li key={r.id} class="run" aria-busy={r.state === 'sending' || r.state === 'queued'}>
          <dl class="facts">
            <div>
              <dt>{t('model')}</dt>
              <dd>
                {r.model} · {r.operation}
              </dd>
            </div>
            <div>
              <dt>{t('requestId')}</dt>
              <dd>
                <code>{r.requestId ?? '—'}</code>
              </dd>
            </div>
            <div>
              <dt>{r.quote.estimate ? t('quoteUpTo') : t('quote')}</dt>
              <dd>{money(r.quote.amount, r.currency)}</dd>
            </div>
            <div>
              <dt>{t('charge')}</dt>
              <dd data-charge={r.charge ?? ''}>{r.state === 'done' ? money(r.charge ?? 0, r.currency) : '—'}</dd>
            </div>
          </dl>
          {r.state === 'sending' ? <p class="note muted">{t('sending')}</p> : null}
          {r.state === 'queued' ? (
            <p class="note muted">
              {t('queued', { task: r.taskId ?? '' })} <progress max={100} value={r.progress ?? undefined} aria-label={t('progress')} />
            </p>
          ) : null}
          <ErrorNote error={r.error} />
          {r.images.length ? (
            <div class="image-grid">
              {r.images.map((img, i) => (
                <figure key={i}>
                  <img src={img.src} alt={t('resultAlt', { i: i + 1 })} />
                  <figcaption>
                    <a class="button" href={img.src} download={`${r.requestId || 'image'}-${i + 1}`}>
                      {t('download')}
                    </a>
                    {img.size ? <span class="muted"> {img.size}</span> : null}
                    {img.revisedPrompt ? <p class="small">{t('revised', { text: img.revisedPrompt })}</p> : null}
                  </figcaption>
                </figure>
              ))}
            </div>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
