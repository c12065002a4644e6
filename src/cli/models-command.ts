/** `imagegate models`: the models this gateway offers, or with --all every model of the catalog and why one is not offered. */
import type { Command } from 'commander';
import type { AdminModelView } from '../server/routes/admin-models.js';
import { moneyText, withCli } from './context.js';
import type { Column } from './table.js';

interface ModelObject {
  id: string;
  owned_by: string;
  imagegate: { providers: string[]; recommended_for: string[] };
}

const offeredColumns: Column<ModelObject>[] = [
  { header: 'id', value: (m) => m.id, shrink: true },
  { header: 'owned_by', value: (m) => m.owned_by, shrink: true },
  { header: 'providers', value: (m) => m.imagegate.providers.join(','), shrink: true },
  { header: 'recommended_for', value: (m) => m.imagegate.recommended_for.join(','), shrink: true },
];

/** The variables any one route lacks: setting those of one route makes the model offered. */
const missing = (m: AdminModelView) => [...new Set((m.unavailable_because ?? []).flatMap((r) => r.missing_env ?? []))].join(' or ');

/** A model's price in one cell: the flat price, the cheapest of a table, or how it is charged. */
function priceText(price: AdminModelView['price'], currency: string): string {
  if (price.per_image !== undefined && !price.per_image_by) return moneyText(price.per_image, currency);
  const table = Object.values(price.per_image_by ?? {});
  if (table.length > 0) return `from ${moneyText(Math.min(...table, price.per_image ?? Number.POSITIVE_INFINITY), currency)}`;
  if (price.per_megapixel !== undefined) return `${moneyText(price.per_megapixel, currency)}/MP`;
  if (price.per_million_tokens) return 'by tokens';
  return moneyText(0, currency);
}

const catalogColumns = (currency: string): Column<AdminModelView>[] => [
  { header: 'id', value: (m) => m.id, shrink: true },
  { header: 'mode', value: (m) => m.mode },
  { header: 'price', value: (m) => priceText(m.price, currency), align: 'right' },
  { header: 'offered', value: (m) => (m.available ? 'yes' : `no: set ${missing(m)}`), shrink: true },
];

export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .description('list the models this gateway offers (--all: every model of the catalog, with its price and what would offer it)')
    .option('--all', 'every model of the catalog, offered or not, with the variables that would offer it')
    .action(
      withCli(async (cli, o: { all?: boolean }) => {
        if (o.all) {
          const r = (await cli.client().get('/v1/admin/models')) as { currency: string; data: AdminModelView[] };
          if (cli.json) return cli.printJson(r);
          return cli.printTable(r.data, catalogColumns(r.currency));
        }
        const r = (await cli.client().get('/v1/models')) as { data: ModelObject[] };
        if (cli.json) return cli.printJson(r);
        cli.printTable(r.data, offeredColumns);
      }),
    );
}
