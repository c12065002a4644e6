/**
 * A bar chart as plain SVG: one bar per bucket, the largest value labelled, and the figures also given as a
 * text summary for screen readers. No chart library: the console stays small.
 */
import { t } from './messages.js';

export interface Bar {
  label: string;
  value: number;
}

const W = 600;
const H = 140;
const PAD_TOP = 16;
const PAD_BOTTOM = 20;

export function BarChart(props: { title: string; bars: Bar[]; format: (v: number) => string; total?: string }) {
  const max = Math.max(0, ...props.bars.map((b) => b.value));
  const n = Math.max(1, props.bars.length);
  const slot = W / n;
  const barW = Math.max(1, slot * 0.7);
  const plotH = H - PAD_TOP - PAD_BOTTOM;
  const first = props.bars[0]?.label ?? '';
  const last = props.bars.at(-1)?.label ?? '';
  return (
    <figure class="chart">
      <figcaption>
        <span>{props.title}</span>
        {props.total ? <strong class="num">{props.total}</strong> : null}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t('chartLabel', { title: props.title, total: props.total ?? '', max: props.format(max) })}>
        <line x1="0" x2={W} y1={H - PAD_BOTTOM} y2={H - PAD_BOTTOM} class="axis" />
        {props.bars.map((b, i) => {
          const h = max > 0 ? (b.value / max) * plotH : 0;
          return (
            <rect key={b.label} x={i * slot + (slot - barW) / 2} y={H - PAD_BOTTOM - h} width={barW} height={Math.max(h, b.value > 0 ? 1 : 0)} class="bar">
              <title>{`${b.label}: ${props.format(b.value)}`}</title>
            </rect>
          );
        })}
        <text x="0" y="11" class="tick">
          {max > 0 ? t('chartMax', { max: props.format(max) }) : t('noData')}
        </text>
        {/* One bar: its label once, under it; more: the first and the last at the ends of the axis. */}
        {n === 1 ? (
          <text x={W / 2} y={H - 4} class="tick" text-anchor="middle">
            {first}
          </text>
        ) : (
          <>
            <text x="0" y={H - 4} class="tick">
              {first}
            </text>
            <text x={W} y={H - 4} class="tick" text-anchor="end">
              {last}
            </text>
          </>
        )}
      </svg>
    </figure>
  );
}
