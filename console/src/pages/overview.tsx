/** Overview: traffic, money and errors over 24 h / 7 d / 30 d, what is open now, and each provider's health. */
import type { OverviewBucket, OverviewRange, OverviewView, ProviderView, List } from '../api/types.js';
import { useQueryState } from '../router/router.js';
import { BarChart } from '../ui/chart.js';
import { bucketTime, count, money, ms, percent } from '../ui/format.js';
import { PageHead } from '../ui/layout.js';
import { termLabel } from '../ui/messages.js';
import { Loaded } from '../ui/status.js';
import { Table } from '../ui/table.js';
import { useApi } from '../ui/use-api.js';
import { t } from './overview.messages.js';

const RANGES: Array<[OverviewRange, () => string]> = [
  ['24h', () => t('r24h')],
  ['7d', () => t('r7d')],
  ['30d', () => t('r30d')],
];

export function OverviewPage() {
  const [q, set] = useQueryState();
  const range = (RANGES.find(([r]) => r === q.range)?.[0] ?? '24h') as OverviewRange;
  const overview = useApi<OverviewView>(`/v1/admin/overview?range=${range}`);
  const providers = useApi<List<ProviderView> & { scope: string }>('/v1/admin/providers');
  return (
    <>
      <PageHead title={t('title')}>
        <fieldset class="segmented">
          <legend class="sr-only">{t('range')}</legend>
          {RANGES.map(([r, label]) => (
            <button key={r} type="button" aria-pressed={r === range} onClick={() => set({ range: r === '24h' ? undefined : r })}>
              {label()}
            </button>
          ))}
        </fieldset>
      </PageHead>
      <Loaded state={overview}>{(o) => <Figures o={o} />}</Loaded>
      <h2>{t('providers')}</h2>
      <Loaded state={providers}>{(p) => <Providers list={p.data} />}</Loaded>
    </>
  );
}

function bucketLabel(b: OverviewBucket, bucketSeconds: number): string {
  return bucketTime(b.start, bucketSeconds >= 86_400);
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
        <BarChart title={t('requests')} bars={bars((b) => b.requests)} format={count} total={count(requests)} />
        <BarChart title={t('images')} bars={bars((b) => b.images)} format={count} total={count(sum((b) => b.images))} />
        <BarChart title={t('revenue')} bars={bars((b) => b.revenue)} format={cur} total={cur(sum((b) => b.revenue))} />
        <BarChart title={t('errorRate')} bars={bars((b) => b.error_rate)} format={percent} total={requests ? percent(errors / requests) : '—'} />
      </div>
      <div class="tiles">
        <div class="tile">
          <span>{t('openHolds')}</span>
          <strong class="num">{count(o.open_holds.count)}</strong>
          <small class="num">{t('held', { amount: cur(o.open_holds.amount) })}</small>
        </div>
        {(Object.keys(o.tasks) as Array<keyof typeof o.tasks>).map((s) => (
          <div class="tile" key={s}>
            <span>{t('tasksIn', { status: termLabel(s) })}</span>
            <strong class="num">{count(o.tasks[s])}</strong>
            <small>{s === 'pending' || s === 'running' ? t('now') : t('inRange')}</small>
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
      caption={t('routesCaption')}
      empty={t('noRoutes')}
      columns={[
        { title: t('provider'), cell: (r) => r.provider },
        { title: t('model'), cell: (r) => r.model },
        {
          title: t('configured'),
          cell: (r) => (r.configured ? t('yes') : <span class="warn">{t('notConfigured', { env: r.missing_env ?? t('itsKey') })}</span>),
        },
        {
          title: t('attempts'),
          cell: (r) => {
            const entries = Object.entries(r.attempts);
            // Outcomes are `ok` or the gateway's error codes: shown as the codes they are.
            return entries.length ? (
              entries.map(([k, v], i) => (
                <span key={k}>
                  {i ? ' · ' : ''}
                  <code>{k}</code> {count(v)}
                </span>
              ))
            ) : (
              <span class="muted">{t('noneYet')}</span>
            );
          },
        },
        { title: t('p50'), numeric: true, cell: (r) => ms(r.latency_ms?.p50) },
        { title: t('p95'), numeric: true, cell: (r) => ms(r.latency_ms?.p95) },
        { title: t('circuit'), cell: (r) => <span class={`badge ${r.circuit.state}`}>{termLabel(r.circuit.state)}</span> },
      ]}
    />
  );
}
