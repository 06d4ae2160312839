/**
 * A status over time as one horizontal strip of coloured spans (READY, then TOO_SMALL for a week, ...), drawn as
 * inline SVG. Consecutive runs with the same status make one span, so the strip stays a handful of shapes however
 * many runs there are; the spans follow as a table.
 */
import { formatCount, formatUtc } from '../format-values.js';
import { CSS_CLASSES, type ThemeColor, escapeHtml, themeColor } from './html-page.js';
import { TIMESERIES_CLASS } from './svg-line-chart.js';

/** What to draw. */
export interface StatusStripOptions {
  /** Caption above the strip; also starts the SVG's aria-label. */
  title: string;
  /** Times in ms since the epoch, ascending; the chart's x axis when drawn under a line chart. */
  x: readonly number[];
  /** One status per `x`; null: not known for that run (the span before it goes on). */
  statuses: readonly (string | null)[];
  /** Colour of a status. */
  colorOf: (status: string) => ThemeColor;
  /** Width in SVG units; default 960 (the line chart's, so the two line up). */
  width?: number;
}

/** One run of equal statuses. */
export interface StatusSpan {
  /** The status. */
  status: string;
  /** Index into `x` of its first run. */
  first: number;
  /** Index into `x` of its last run. */
  last: number;
  /** Runs in the span. */
  runs: number;
}

/** Class of each drawn span (`rect`). */
export const SPAN_CLASS = 'ps-span';

/** Consecutive equal statuses merged into spans; runs with no status join the span before them. */
export function statusSpans(statuses: readonly (string | null)[]): StatusSpan[] {
  const spans: StatusSpan[] = [];
  statuses.forEach((status, i) => {
    const open = spans[spans.length - 1];
    if (status === null) {
      if (open) open.last = i;
      return;
    }
    if (open?.status === status) {
      open.last = i;
      open.runs++;
    } else {
      spans.push({ status, first: i, last: i, runs: 1 });
    }
  });
  return spans;
}

/** A `<figure>` with the strip and its spans as a table; empty when no run knew the status. */
export function renderStatusStrip(options: StatusStripOptions): string {
  const spans = statusSpans(options.statuses);
  if (spans.length === 0) return '';
  const { x } = options;
  const width = options.width ?? 960;
  const left = 56;
  const right = 14;
  const height = 26;
  let x0 = x[0]!;
  let x1 = x[x.length - 1]!;
  if (x1 === x0) {
    x0 -= 3_600_000;
    x1 += 3_600_000;
  }
  const px = (t: number) => Math.round((left + ((t - x0) / (x1 - x0)) * (width - left - right)) * 10) / 10;
  const label = `${options.title}: ${spans.map((s) => `${s.status} from ${formatUtc(new Date(x[s.first]!))} (${runs(s.runs)})`).join(', ')}`;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" style="max-width:${width}px" role="img" aria-label="${escapeHtml(label)}">`];
  spans.forEach((span, k) => {
    // A span lasts until the next one starts (the status held between runs); the last one ends at the last run.
    const from = px(x[span.first]!);
    const next = spans[k + 1];
    const to = next === undefined ? px(x1) : px(x[next.first]!);
    const w = Math.max(1.5, Math.round((to - from) * 10) / 10);
    const fits = span.status.length * 7 + 8 < w;
    parts.push(
      `<g><title>${escapeHtml(`${span.status}: ${formatUtc(new Date(x[span.first]!))} – ${formatUtc(new Date(x[span.last]!))}, ${runs(span.runs)}`)}</title>`,
      `<rect class="${SPAN_CLASS}" x="${from}" y="4" width="${w}" height="18" rx="2" style="fill:${themeColor(options.colorOf(span.status))};opacity:.85" data-status="${escapeHtml(span.status)}"/>`,
      fits ? `<text x="${from + 4}" y="13" dominant-baseline="central" style="fill:var(--ps-bg)">${escapeHtml(span.status)}</text>` : '',
      '</g>',
    );
  });
  parts.push('</svg>');
  const rows = spans
    .map((s) => `<tr><td>${escapeHtml(s.status)}</td><td>${escapeHtml(formatUtc(new Date(x[s.first]!)))}</td><td>${escapeHtml(formatUtc(new Date(x[s.last]!)))}</td><td class="${CSS_CLASSES.num}">${formatCount(s.runs)}</td></tr>`)
    .join('');
  const table =
    `<details><summary>Numbers</summary><table class="${CSS_CLASSES.table}"><caption class="${CSS_CLASSES.srOnly}">${escapeHtml(options.title)}</caption>` +
    `<thead><tr><th scope="col">status</th><th scope="col">first run (UTC)</th><th scope="col">last run (UTC)</th><th scope="col" class="${CSS_CLASSES.num}">runs</th></tr></thead>` +
    `<tbody>${rows}</tbody></table></details>`;
  return `<figure class="${CSS_CLASSES.chart} ${TIMESERIES_CLASS}"><figcaption>${escapeHtml(options.title)}</figcaption>${parts.join('')}${table}</figure>`;
}

function runs(n: number): string {
  return n === 1 ? '1 run' : `${formatCount(n)} runs`;
}
