/** Overview: traffic, money and errors over 24 h / 7 d / 30 d, what is open now, and each provider's health. */
import type { OverviewBucket, OverviewRange, OverviewView, ProviderView, List } from '../api/types.js';
import { useQueryState } from '../router/router.js';
import { BarChart } from '../ui/chart.js';
import { count, money, ms, percent } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { Loaded } from '../ui/status.js';
import { Table } from '../ui/table.js';
import { useApi } from '../ui/use-api.js';

const RANGES: Array<[OverviewRange, string]> = [
  ['24h', '24 h'],
  ['7d', '7 d'],
  ['30d', '30 d'],
];

export function OverviewPage() {
  const [q, set] = useQueryState();
  const range = (RANGES.find(([r]) => r === q.range)?.[0] ?? '24h') as OverviewRange;
  const overview = useApi<OverviewView>(`/v1/admin/overview?range=${range}`);
  const providers = useApi<List<ProviderView> & { scope: string }>('/v1/admin/providers');
  return (
    <>
      <PageHead title="Overview">
        <fieldset class="segmented">
          <legend class="sr-only">Time range</legend>
          {RANGES.map(([r, label]) => (
            <button key={r} type="button" aria-pressed={r === range} onClick={() => set({ range: r === '24h' ? undefined : r })}>
              {label}
            </button>
          ))}
        </fieldset>
      </PageHead>
      <Loaded state={overview}>{(o) => <Figures o={o} />}</Loaded>
      <h2>Providers</h2>
      <Loaded state={providers}>{(p) => <Providers list={p.data} />}</Loaded>
    </>
  );
}

function bucketLabel(b: OverviewBucket, bucketSeconds: number): string {
  const d = new Date(b.start);
  return bucketSeconds < 86_400
    ? d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

function Figures({ o }: { o: OverviewView }) {
  const bars = (pick: (b: OverviewBucket) => number) => o.buckets.map((b) => ({ label: bucketLabel(b, o.bucket_seconds), value: pick(b) }));
  const sum = (pick: (b: OverviewBucket) => number) => o.buckets.reduce((n, b) => n + pick(b), 0);
  const requests = sum((b) => b.requests);
  const errors = sum((b) => b.errors);
  const cur = (v: number) => money(v, o.currency);
  return (
    <>
      <div class="charts">
        <BarChart title="Requests" bars={bars((b) => b.requests)} format={count} total={count(requests)} />
        <BarChart title="Images" bars={bars((b) => b.images)} format={count} total={count(sum((b) => b.images))} />
        <BarChart title="Revenue" bars={bars((b) => b.revenue)} format={cur} total={cur(sum((b) => b.revenue))} />
        <BarChart title="Error rate" bars={bars((b) => b.error_rate)} format={percent} total={requests ? percent(errors / requests) : '—'} />
      </div>
      <div class="tiles">
        <div class="tile">
          <span>Open holds</span>
          <strong class="num">{count(o.open_holds.count)}</strong>
          <small class="num">{cur(o.open_holds.amount)} held</small>
        </div>
        {(Object.keys(o.tasks) as Array<keyof typeof o.tasks>).map((s) => (
          <div class="tile" key={s}>
            <span>Tasks {s}</span>
            <strong class="num">{count(o.tasks[s])}</strong>
            <small>{s === 'pending' || s === 'running' ? 'now' : 'in range'}</small>
          </div>
        ))}
      </div>
    </>
  );
}

function Providers({ list }: { list: ProviderView[] }) {
  const rows = list.flatMap((p) => p.routes.map((r) => ({ ...r, provider: p.name, providerConfigured: p.configured })));
  return (
    <Table
      rows={rows}
      rowKey={(r) => r.id}
      caption="Provider routes"
      empty="No provider routes in the catalog."
      columns={[
        { title: 'Provider', cell: (r) => r.provider },
        { title: 'Model', cell: (r) => r.model },
        { title: 'Configured', cell: (r) => (r.configured ? 'yes' : <span class="warn">no — set {r.missing_env ?? 'its key'}</span>) },
        {
          title: 'Attempts by outcome',
          cell: (r) => {
            const entries = Object.entries(r.attempts);
            return entries.length ? entries.map(([k, v]) => `${k} ${count(v)}`).join(' · ') : <span class="muted">none yet</span>;
          },
        },
        { title: 'p50', numeric: true, cell: (r) => ms(r.latency_ms?.p50) },
        { title: 'p95', numeric: true, cell: (r) => ms(r.latency_ms?.p95) },
        { title: 'Circuit', cell: (r) => <span class={`badge ${r.circuit.state}`}>{r.circuit.state}</span> },
      ]}
    />
  );
}
