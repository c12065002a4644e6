/** The catalog: every model with its providers, operations, price and availability (and what it lacks). */
import { useState } from 'preact/hooks';
import type { AdminModelView, List, Priced, PublicModel } from '../api/types.js';
import { Dialog } from '../ui/dialog.js';
import { money } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Loaded } from '../ui/status.js';
import { Table } from '../ui/table.js';
import { useApi } from '../ui/use-api.js';

function priceText(m: AdminModelView, currency: string): string {
  const p = m.price;
  const parts: string[] = [];
  if (p.per_image !== undefined) parts.push(`${money(p.per_image, currency)} / image`);
  if (p.per_image_by) parts.push(`by ${Object.keys(p.per_image_by).join(', ')}`);
  if (p.per_megapixel !== undefined) parts.push(`${money(p.per_megapixel, currency)} / MP`);
  if (p.per_million_tokens) parts.push(`${money(p.per_million_tokens.output_image, currency)} / M output tokens`);
  return parts.join('; ') || '—';
}

export function ModelsPage() {
  const models = useApi<List<AdminModelView> & Priced>('/v1/admin/models');
  const [contractOf, setContractOf] = useState<string | null>(null);
  return (
    <>
      <PageHead title="Models" />
      <Loaded state={models}>
        {(l) => (
          <Table
            rows={l.data}
            rowKey={(m) => m.id}
            caption="Models"
            empty="The catalog has no models."
            columns={[
              { title: 'Model', cell: (m) => <code>{m.id}</code> },
              { title: 'Providers', cell: (m) => m.providers.join(', ') },
              { title: 'Operations', cell: (m) => m.operations.join(', ') },
              { title: 'Mode', cell: (m) => m.mode },
              { title: 'Price', numeric: true, cell: (m) => priceText(m, l.currency) },
              {
                title: 'Available',
                cell: (m) =>
                  m.available ? (
                    <span class="badge active">yes</span>
                  ) : (
                    <span class="warn">
                      no — set {[...new Set((m.unavailable_because ?? []).map((r) => r.missing_env).filter(Boolean))].join(' or ') || 'a provider key'}
                    </span>
                  ),
              },
              {
                title: 'Contract',
                cell: (m) =>
                  m.available ? (
                    <button type="button" onClick={() => setContractOf(m.id)} aria-label={`Contract of ${m.id}`}>
                      View
                    </button>
                  ) : (
                    <span class="muted">when available</span>
                  ),
              },
            ]}
          />
        )}
      </Loaded>
      {contractOf ? <Contract id={contractOf} onClose={() => setContractOf(null)} /> : null}
    </>
  );
}

/** A model's public contract, as clients see it at GET /v1/models/{id}. */
function Contract(props: { id: string; onClose: () => void }) {
  const model = useApi<PublicModel>(`/v1/models/${encodeURIComponent(props.id)}`);
  return (
    <Dialog title={`Contract of ${props.id}`} onClose={props.onClose}>
      <Loaded state={model}>{(m) => <pre class="json">{JSON.stringify(m.imagegate, null, 2)}</pre>}</Loaded>
    </Dialog>
  );
}
