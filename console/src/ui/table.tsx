/** A data table: one column definition per column, numbers right-aligned, an empty state in place. */
import type { ComponentChildren } from 'preact';
import { Empty } from './status.js';

export interface Column<T> {
  title: string;
  cell: (row: T) => ComponentChildren;
  /** Numbers and money: right-aligned with tabular figures. */
  numeric?: boolean;
  /** Times and ids: kept on one line. */
  nowrap?: boolean;
}

function cellClass<T>(c: Column<T>): string | undefined {
  return [c.numeric ? 'num' : '', c.nowrap ? 'nowrap' : ''].filter(Boolean).join(' ') || undefined;
}

export function Table<T>(props: { rows: T[]; columns: Column<T>[]; rowKey: (row: T) => string; empty: ComponentChildren; caption?: string; busy?: boolean }) {
  if (props.rows.length === 0) return <Empty>{props.empty}</Empty>;
  return (
    <div class="table-wrap">
      <table aria-busy={props.busy ? 'true' : undefined}>
        {props.caption ? <caption class="sr-only">{props.caption}</caption> : null}
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.title} scope="col" class={cellClass(c)}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={props.rowKey(r)}>
              {props.columns.map((c) => (
                <td key={c.title} class={cellClass(c)}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Label/value pairs of one record (a detail view). */
export function Facts(props: { items: Array<[string, ComponentChildren]> }) {
  return (
    <dl class="facts">
      {props.items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}
