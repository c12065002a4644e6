/** A member's home: balance, held, spend this month, and the last 30 days of usage by day and model, with tokens. */
import { useState } from 'preact/hooks';
import { withQuery } from '../../api/client.js';
import type { List, Priced, UsageRow } from '../../api/types.js';
import { BarChart } from '../../ui/chart.js';
import { count, money } from '../../ui/format.js';
import { PageHead } from '../../ui/layout.js';
import { Empty, Loaded } from '../../ui/status.js';
import { type Column, Facts, Table } from '../../ui/table.js';
import { useApi } from '../../ui/use-api.js';
import { useMemberAccount } from './account.js';
import { t } from './messages.js';

const DAY = 86_400;
const DAYS = 30;

export function MemberHomePage() {
  const account = useMemberAccount();
  return (
    <>
      <PageHead title={account.data?.name ?? t('homeTitle')} />
      <Loaded state={account}>
        {(a) => (
          <Facts
            items={[
              [t('balance'), <strong class="num big">{money(a.balance, a.currency)}</strong>],
              [t('held'), <span class="num">{money(a.held, a.currency)}</span>],
              [t('openHolds'), <span class="num">{count(a.open_holds)}</span>],
              [t('spendThisMonth'), <span class="num">{money(a.spend_this_month, a.currency)}</span>],
              [t('accountId'), <code>{a.id}</code>],
            ]}
          />
        )}
      </Loaded>
      <h2>{t('usageTitle')}</h2>
      <Usage />
    </>
  );
}

/** Spend per day over every model, then images per day for each model the account used. */
function Usage() {
  const [from] = useState(() => Math.floor(Date.now() / 1000 / DAY) * DAY - (DAYS - 1) * DAY);
  const usage = useApi<List<UsageRow> & Priced>(withQuery('/v1/console/account/usage', { group_by: 'day,model', from }));
  return (
    <Loaded state={usage}>
      {(u) => {
        if (u.data.length === 0) return <Empty>{t('noUsage')}</Empty>;
        const days = Array.from({ length: DAYS }, (_, i) => new Date((from + i * DAY) * 1000).toISOString().slice(0, 10));
        const models = [...new Set(u.data.map((r) => r.model ?? ''))].sort();
        const sum = (rows: UsageRow[], f: (r: UsageRow) => number) => rows.reduce((n, r) => n + f(r), 0);
        const on = (day: string, model?: string) => u.data.filter((r) => r.day === day && (model === undefined || (r.model ?? '') === model));
        const totals = (m: string) => {
          const rows = u.data.filter((r) => (r.model ?? '') === m);
          return {
            model: m,
            images: sum(rows, (r) => r.images),
            spend: sum(rows, (r) => r.spend),
            input_text_tokens: sum(rows, (r) => r.input_text_tokens),
            input_image_tokens: sum(rows, (r) => r.input_image_tokens),
            output_image_tokens: sum(rows, (r) => r.output_image_tokens),
          };
        };
        type Totals = ReturnType<typeof totals>;
        const columns: Column<Totals>[] = [
          { title: t('model'), cell: (r) => <code>{r.model || t('unknownModel')}</code> },
          { title: t('images'), numeric: true, cell: (r) => count(r.images) },
          { title: t('spend'), numeric: true, cell: (r) => money(r.spend, u.currency) },
          { title: t('inputTextTokens'), numeric: true, cell: (r) => count(r.input_text_tokens) },
          { title: t('inputImageTokens'), numeric: true, cell: (r) => count(r.input_image_tokens) },
          { title: t('outputImageTokens'), numeric: true, cell: (r) => count(r.output_image_tokens) },
        ];
        return (
          <>
            <div class="charts two">
              <BarChart
                title={t('spendPerDay')}
                bars={days.map((d) => ({ label: d, value: sum(on(d), (r) => r.spend) }))}
                format={(v) => money(v, u.currency)}
                total={money(
                  sum(u.data, (r) => r.spend),
                  u.currency,
                )}
              />
              {models.map((m) => (
                <BarChart
                  key={m}
                  title={t('imagesPerDay', { model: m || t('unknownModel') })}
                  bars={days.map((d) => ({ label: d, value: sum(on(d, m), (r) => r.images) }))}
                  format={count}
                  total={count(
                    sum(
                      u.data.filter((r) => (r.model ?? '') === m),
                      (r) => r.images,
                    ),
                  )}
                />
              ))}
            </div>
            <Table rows={models.map(totals)} rowKey={(r) => r.model} columns={columns} caption={t('byModel')} empty={t('noUsage')} />
          </>
        );
      }}
    </Loaded>
  );
}
