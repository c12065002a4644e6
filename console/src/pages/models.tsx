/** The catalog: every model with its providers, operations, price and availability (and what it lacks). */
import { useState } from 'preact/hooks';
import type { AdminModelView, List, Priced } from '../api/types.js';
import { Dialog } from '../ui/dialog.js';
import { money } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { t as ui, termLabel } from '../ui/messages.js';
import { Loaded } from '../ui/status.js';
import { Table } from '../ui/table.js';
import { useApi } from '../ui/use-api.js';
import { t } from './models.messages.js';

function priceText(m: AdminModelView, currency: string): string {
  const p = m.price;
  const parts: string[] = [];
  const tiers = Object.values(p.per_image_by ?? {});
  if (tiers.length)
    parts.push(
      t('perImage', { price: `${money(Math.min(...tiers, p.per_image ?? Infinity), currency)}–${money(Math.max(...tiers, p.per_image ?? 0), currency)}` }),
    );
  else if (p.per_image !== undefined) parts.push(t('perImage', { price: money(p.per_image, currency) }));
  if (p.per_megapixel !== undefined) parts.push(t('perMegapixel', { price: money(p.per_megapixel, currency) }));
  const tk = p.per_million_tokens;
  if (tk)
    parts.push(
      t('perMillionTokens', { textIn: money(tk.input_text, currency), imageIn: money(tk.input_image, currency), imageOut: money(tk.output_image, currency) }),
    );
  return parts.join('; ') || '—';
}

/** The variables that would make the model available (any one of its routes' keys). */
function missingEnv(m: AdminModelView): string[] {
  const names = [...new Set((m.unavailable_because ?? []).map((r) => r.missing_env).filter((v): v is string => Boolean(v)))];
  return names.length ? names : [t('aProviderKey')];
}

export function ModelsPage() {
  const models = useApi<List<AdminModelView> & Priced>('/v1/admin/models');
  const [contractOf, setContractOf] = useState<string | null>(null);
  return (
    <>
      <PageHead title={t('title')} />
      <Loaded state={models}>
        {(l) => (
          <Table
            rows={l.data}
            rowKey={(m) => m.id}
            caption={t('title')}
            empty={t('empty')}
            columns={[
              { title: t('model'), cell: (m) => <code>{m.id}</code> },
              { title: t('providers'), cell: (m) => m.providers.join(', ') },
              { title: t('operations'), cell: (m) => <span class="small">{m.operations.map(termLabel).join(ui('listSeparator'))}</span> },
              { title: t('mode'), nowrap: true, cell: (m) => termLabel(m.mode) },
              { title: t('price'), numeric: true, cell: (m) => <span class="price-text">{priceText(m, l.currency)}</span> },
              {
                title: t('available'),
                cell: (m) =>
                  m.available ? (
                    <span class="badge active">{t('yes')}</span>
                  ) : (
                    <span class="warn">
                      {t('noSet')} {/* One code element per variable, so a long list wraps between them. */}
                      {missingEnv(m).map((name, i) => (
                        <span key={name}>
                          {i > 0 && t('or')}
                          <code>{name}</code>
                        </span>
                      ))}
                    </span>
                  ),
              },
              {
                title: t('contract'),
                cell: (m) => (
                  <button type="button" onClick={() => setContractOf(m.id)} aria-label={t('contractOf', { id: m.id })}>
                    {t('view')}
                  </button>
                ),
              },
            ]}
          />
        )}
      </Loaded>
      {contractOf && models.data ? <Contract model={models.data.data.find((m) => m.id === contractOf)!} onClose={() => setContractOf(null)} /> : null}
    </>
  );
}

/** A model's routes and price as the catalog holds them, and its public contract as clients see it at GET /v1/models/{id}. */
function Contract(props: { model: AdminModelView; onClose: () => void }) {
  const m = props.model;
  return (
    <Dialog title={t('contractOf', { id: m.id })} onClose={props.onClose}>
      <h3>{t('routes')}</h3>
      <pre class="json">{JSON.stringify({ mode: m.mode, operations: m.operations, routes: m.routes, price: m.price }, null, 2)}</pre>
      <h3>{t('publicContract')}</h3>
      <pre class="json">{JSON.stringify(m.public_contract, null, 2)}</pre>
    </Dialog>
  );
}
