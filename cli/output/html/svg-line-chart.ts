/**
 * A time-series line chart drawn as inline SVG at render time (no library, no script: it draws from `file://` and
 * prints). A year of hourly runs is ~9,000 points per line, more than a chart's width in pixels: past `maxBuckets`
 * points the x axis is cut into equal time buckets and each line keeps, per bucket, the run with its lowest and the
 * run with its highest value. Spikes and dips survive (an average would flatten the one bad run a reader looks for),
 * and the file stays small. The numbers follow the chart as a table: one row per run, or per bucket (min – max) once
 * downsampled, so a screen reader gets what the eye gets.
 */
import { formatCount, formatUtc } from '../format-values.js';
import { CSS_CLASSES, SERIES_COLORS, type ThemeColor, escapeHtml, themeColor } from './html-page.js';

/** One line of a chart. */
export interface LineSeries {
  /** Name in the legend and the table header. */
  label: string;
  /** One value per entry of the chart's `x`; null where the run did not measure it (the line breaks there). */
  values: readonly (number | null)[];
  /** Stroke colour; default the next of the series colours. */
  color?: ThemeColor;
  /** Draw dashed (a second view of the same quantity, e.g. what Pinterest counted against what was sent). */
  dashed?: boolean;
}

/** What to draw. */
export interface LineChartOptions {
  /** Caption above the chart; also starts the SVG's aria-label. */
  title: string;
  /** Times of the points in ms since the epoch, ascending (one per run). */
  x: readonly number[];
  /** The lines, all over the same `x`. */
  series: readonly LineSeries[];
  /** Formats values in tooltips and the table; default thousands-separated counts. */
  format?: (value: number) => string;
  /** Width of the drawing in SVG units (it scales to its container); default 960. */
  width?: number;
  /** Height of the drawing in SVG units; default 200. */
  height?: number;
  /** Most time buckets before points are downsampled (min and max per bucket); default 400. */
  maxBuckets?: number;
  /** `collapsed` (default): the table sits in a closed `<details>` ("Numbers"); `visible`: shown. */
  table?: 'visible' | 'collapsed';
  /** One line under the caption saying what the chart shows. */
  note?: string;
  /** Shown instead of a chart when no series has a value; default `nothing recorded`. */
  emptyText?: string;
}

/** Class of each series' group (`<g data-series data-points>`), so a test or a stylesheet can find it. */
export const SERIES_CLASS = 'ps-series';
/** Class of the polylines. */
export const LINE_CLASS = 'ps-line';
/** Class of a point marker (drawn when a series has few points, and for a point with no neighbour to join). */
export const POINT_CLASS = 'ps-point';

/** Class of a time-series figure (a line chart or a status strip): full width, its numbers below it. */
export const TIMESERIES_CLASS = 'ps-timeseries';

/** Styles the chart needs beyond the shared stylesheet (full width, legend swatches); add once to the page's `css`. */
export const LINE_CHART_CSS = `
.ps-chart.ps-timeseries{display:block}
.ps-legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.1rem 0 .25rem;color:var(--ps-muted);font-size:.85rem}
.ps-legend svg{display:inline-block;width:18px;height:8px;margin-right:.3rem;vertical-align:middle}
.ps-chart .ps-line{fill:none;stroke-width:1.6;stroke-linejoin:round;stroke-linecap:round}
.ps-chart .ps-note{margin:0 0 .25rem;font-size:.85rem}
`;

const MARKER_LIMIT = 60;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Bucket widths a reader can name ("per day"), smallest first. */
const BUCKETS: readonly [number, string][] = [
  [MINUTE, 'minute'],
  [5 * MINUTE, '5 minutes'],
  [15 * MINUTE, '15 minutes'],
  [30 * MINUTE, '30 minutes'],
  [HOUR, 'hour'],
  [2 * HOUR, '2 hours'],
  [3 * HOUR, '3 hours'],
  [6 * HOUR, '6 hours'],
  [12 * HOUR, '12 hours'],
  [DAY, 'day'],
  [2 * DAY, '2 days'],
  [7 * DAY, 'week'],
  [14 * DAY, '2 weeks'],
  [30 * DAY, '30 days'],
  [91 * DAY, '91 days'],
  [365 * DAY, '365 days'],
];

/** The points a chart keeps. */
export interface Downsampled {
  /** Bucket width in ms and its name; undefined when every point is kept. */
  bucket: { ms: number; name: string } | undefined;
  /** Per series, the indices (into `x`) drawn, ascending. */
  kept: number[][];
  /** The non-empty buckets, oldest first, each as the index range [first, last] of its points (one per point when not downsampled). */
  groups: [number, number][];
}

/**
 * Which points to draw: all of them when there are at most `maxBuckets`, else per time bucket (aligned to UTC) and
 * per series the index of the lowest and of the highest value (the first of equal ones). Null values are never kept.
 */
export function downsample(x: readonly number[], series: readonly (readonly (number | null)[])[], maxBuckets: number): Downsampled {
  const n = x.length;
  if (n <= maxBuckets) {
    return {
      bucket: undefined,
      kept: series.map((values) => values.flatMap((v, i) => (v === null ? [] : [i]))),
      groups: x.map((_, i) => [i, i]),
    };
  }
  const span = x[n - 1]! - x[0]!;
  const [ms, name] = BUCKETS.find(([width]) => span / width < maxBuckets) ?? BUCKETS[BUCKETS.length - 1]!;
  const groups: [number, number][] = [];
  let first = 0;
  for (let i = 1; i <= n; i++) {
    if (i === n || Math.floor(x[i]! / ms) !== Math.floor(x[first]! / ms)) {
      groups.push([first, i - 1]);
      first = i;
    }
  }
  const kept = series.map((values) => {
    const out: number[] = [];
    for (const [from, to] of groups) {
      let lo = -1;
      let hi = -1;
      for (let i = from; i <= to; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        if (lo < 0 || v < values[lo]!) lo = i;
        if (hi < 0 || v > values[hi]!) hi = i;
      }
      if (lo < 0) continue;
      if (lo === hi) out.push(lo);
      else out.push(Math.min(lo, hi), Math.max(lo, hi));
    }
    return out;
  });
  return { bucket: { ms, name }, kept, groups };
}

/** A `<figure>` with the legend, the SVG chart and a table of its numbers. */
export function renderLineChart(options: LineChartOptions): string {
  const format = options.format ?? formatCount;
  const caption = `<figcaption>${escapeHtml(options.title)}</figcaption>${options.note ? `<p class="${CSS_CLASSES.muted} ps-note">${escapeHtml(options.note)}</p>` : ''}`;
  const hasValue = options.series.some((s) => s.values.some((v) => v !== null));
  if (options.x.length === 0 || !hasValue) {
    return `<figure class="${CSS_CLASSES.chart} ${TIMESERIES_CLASS}">${caption}<p class="${CSS_CLASSES.muted}">${escapeHtml(options.emptyText ?? 'nothing recorded')}</p></figure>`;
  }
  const colors = options.series.map((s, i) => s.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!);
  const sampled = downsample(options.x, options.series.map((s) => s.values), options.maxBuckets ?? 400);
  const legend = `<div class="ps-legend" aria-hidden="true">${options.series
    .map((s, i) => `<span>${swatch(colors[i]!, s.dashed ?? false)}${escapeHtml(s.label)}</span>`)
    .join('')}</div>`;
  const svg = chartSvg(options, sampled, colors, format);
  return `<figure class="${CSS_CLASSES.chart} ${TIMESERIES_CLASS}">${caption}${legend}${svg}${numbersTable(options, sampled, format)}</figure>`;
}

function chartSvg(options: LineChartOptions, sampled: Downsampled, colors: readonly ThemeColor[], format: (n: number) => string): string {
  const width = options.width ?? 960;
  const height = options.height ?? 200;
  const left = 56;
  const right = 14;
  const top = 10;
  const bottom = 26;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = options.x;
  let x0 = x[0]!;
  let x1 = x[x.length - 1]!;
  if (x1 === x0) {
    x0 -= HOUR;
    x1 += HOUR;
  }
  let vMin = 0;
  let vMax = 0;
  sampled.kept.forEach((indices, s) => {
    const values = options.series[s]!.values;
    for (const i of indices) {
      vMin = Math.min(vMin, values[i]!);
      vMax = Math.max(vMax, values[i]!);
    }
  });
  const ticks = niceTicks(vMin, vMax);
  const yLo = ticks[0]!;
  const yHi = ticks[ticks.length - 1]!;
  const px = (t: number) => round(left + ((t - x0) / (x1 - x0)) * plotW);
  const py = (v: number) => round(top + plotH - ((v - yLo) / (yHi - yLo)) * plotH);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" style="max-width:${width}px" role="img" aria-label="${escapeHtml(ariaLabel(options, format))}">`,
  ];
  for (const v of ticks) {
    const y = py(v);
    parts.push(`<line class="ps-gridline" x1="${left}" y1="${y}" x2="${width - right}" y2="${y}"/>`);
    parts.push(`<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="central">${escapeHtml(formatCompact(v, yHi))}</text>`);
  }
  parts.push(`<line class="ps-axis" x1="${left}" y1="${top + plotH}" x2="${width - right}" y2="${top + plotH}"/>`);
  const withTime = x1 - x0 < 3 * DAY;
  const tickCount = Math.max(2, Math.min(6, Math.floor(plotW / 110)));
  for (let k = 0; k < tickCount; k++) {
    const t = x0 + ((x1 - x0) * k) / (tickCount - 1);
    const anchor = k === 0 ? 'start' : k === tickCount - 1 ? 'end' : 'middle';
    parts.push(`<text x="${px(t)}" y="${height - 8}" text-anchor="${anchor}">${escapeHtml(axisTime(t, withTime))}</text>`);
  }

  // The first series is drawn last, on top: where two lines coincide, the one listed first shows.
  [...options.series.keys()].reverse().forEach((s) => {
    const series = options.series[s]!;
    const indices = sampled.kept[s]!;
    const values = series.values;
    // A null between two kept points means the run in between measured nothing: the line breaks there.
    const nullsBefore = new Int32Array(values.length + 1);
    for (let i = 0; i < values.length; i++) nullsBefore[i + 1] = nullsBefore[i]! + (values[i] === null ? 1 : 0);
    const segments: number[][] = [];
    let current: number[] = [];
    for (const i of indices) {
      const prev = current[current.length - 1];
      if (prev !== undefined && nullsBefore[i]! - nullsBefore[prev + 1]! > 0) {
        segments.push(current);
        current = [];
      }
      current.push(i);
    }
    if (current.length > 0) segments.push(current);
    const color = themeColor(colors[s]!);
    const dash = series.dashed ? ' stroke-dasharray="5 3"' : '';
    parts.push(`<g class="${SERIES_CLASS}" data-series="${escapeHtml(series.label)}" data-points="${indices.length}">`);
    for (const seg of segments) {
      if (seg.length > 1) {
        const points = seg.map((i) => `${px(x[i]!)},${py(values[i]!)}`).join(' ');
        parts.push(`<polyline class="${LINE_CLASS}" points="${points}" style="stroke:${color}"${dash}/>`);
      }
    }
    const marked = indices.length <= MARKER_LIMIT ? indices : segments.filter((seg) => seg.length === 1).flat();
    for (const i of marked) {
      const tip = `${series.label}, ${formatUtc(new Date(x[i]!))}: ${format(values[i]!)}`;
      parts.push(`<circle class="${POINT_CLASS}" cx="${px(x[i]!)}" cy="${py(values[i]!)}" r="2.5" style="fill:${color}"><title>${escapeHtml(tip)}</title></circle>`);
    }
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('');
}

/** What a screen reader hears for the picture: the span, then each line's latest value and its range. */
function ariaLabel(options: LineChartOptions, format: (n: number) => string): string {
  const x = options.x;
  const span = `${x.length === 1 ? '1 run' : `${formatCount(x.length)} runs`} from ${formatUtc(new Date(x[0]!))} to ${formatUtc(new Date(x[x.length - 1]!))}`;
  const lines = options.series.map((s) => {
    let latest: number | null = null;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of s.values) {
      if (v === null) continue;
      latest = v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return latest === null ? `${s.label}: none` : `${s.label}: latest ${format(latest)}, lowest ${format(lo)}, highest ${format(hi)}`;
  });
  return `${options.title}, ${span}. ${lines.join('; ')}.`;
}

function numbersTable(options: LineChartOptions, sampled: Downsampled, format: (n: number) => string): string {
  const { x, series } = options;
  const bucketed = sampled.bucket !== undefined;
  const head = [bucketed ? `${sampled.bucket!.name} (UTC)` : 'run started (UTC)', ...(bucketed ? ['runs'] : []), ...series.map((s) => (bucketed ? `${s.label} (min – max)` : s.label))];
  const rows: string[] = [];
  for (const [from, to] of sampled.groups) {
    const cells = series.map((s) => {
      let lo: number | null = null;
      let hi: number | null = null;
      for (let i = from; i <= to; i++) {
        const v = s.values[i];
        if (v === null || v === undefined) continue;
        lo = lo === null ? v : Math.min(lo, v);
        hi = hi === null ? v : Math.max(hi, v);
      }
      return lo === null ? '-' : lo === hi ? format(lo) : `${format(lo)} – ${format(hi!)}`;
    });
    const when = bucketed ? bucketLabel(Math.floor(x[from]! / sampled.bucket!.ms) * sampled.bucket!.ms, sampled.bucket!.ms) : formatUtc(new Date(x[from]!));
    const lead = `<td>${escapeHtml(when)}</td>${bucketed ? `<td class="${CSS_CLASSES.num}">${formatCount(to - from + 1)}</td>` : ''}`;
    rows.push(`<tr>${lead}${cells.map((c) => `<td class="${CSS_CLASSES.num}">${escapeHtml(c)}</td>`).join('')}</tr>`);
  }
  const caption = bucketed ? `${options.title}: lowest and highest value per ${sampled.bucket!.name}` : options.title;
  const table =
    `<table class="${CSS_CLASSES.table}"><caption class="${CSS_CLASSES.srOnly}">${escapeHtml(caption)}</caption>` +
    `<thead><tr>${head.map((h, i) => `<th scope="col"${i === 0 ? '' : ` class="${CSS_CLASSES.num}"`}>${escapeHtml(h)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.join('')}</tbody></table>`;
  const summary = bucketed ? `Numbers (lowest and highest per ${sampled.bucket!.name})` : 'Numbers';
  return options.table === 'visible' ? table : `<details><summary>${escapeHtml(summary)}</summary>${table}</details>`;
}

/** 4 to 6 round gridline values covering [lo, hi] (lo ≤ 0 ≤ hi for counts; an all-zero chart gets 0 and 1). */
export function niceTicks(lo: number, hi: number): number[] {
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const start = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = start; v < hi + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/**
 * `950`, `12k`, `1.5M`: axis labels, where the table has the exact figure. With `scale` (the axis' largest value)
 * every label of an axis takes the unit of its top one: `0, 2.5k, 5k, 7.5k, 10k`, not `7,500` beside `10k`.
 */
export function formatCompact(n: number, scale: number = n): string {
  const top = Math.max(Math.abs(scale), Math.abs(n));
  const scaled = (d: number, unit: string) => (n === 0 ? '0' : `${Number((n / d).toFixed(Math.abs(n) / d < 10 ? 1 : 0))}${unit}`);
  if (top >= 1e9) return scaled(1e9, 'B');
  if (top >= 1e6) return scaled(1e6, 'M');
  if (top >= 1e4) return scaled(1e3, 'k');
  return formatCount(Number(n.toPrecision(6)));
}

function axisTime(t: number, withTime: boolean): string {
  const iso = new Date(t).toISOString();
  return withTime ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

function bucketLabel(start: number, ms: number): string {
  const from = new Date(start).toISOString();
  if (ms === DAY) return from.slice(0, 10);
  if (ms < DAY) return `${from.slice(0, 10)} ${from.slice(11, 16)}`;
  return `${from.slice(0, 10)} – ${new Date(start + ms - DAY).toISOString().slice(0, 10)}`;
}

function swatch(color: ThemeColor, dashed: boolean): string {
  return `<svg viewBox="0 0 18 8"><line x1="1" y1="4" x2="17" y2="4" style="stroke:${themeColor(color)}" stroke-width="2.5"${dashed ? ' stroke-dasharray="4 2"' : ''}/></svg>`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
