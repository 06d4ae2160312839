/**
 * A bar chart drawn as inline SVG at render time: no chart library, no script, nothing to load, so it draws from
 * `file://` in any browser and prints. Every chart carries its numbers twice for people who cannot see it: an
 * `aria-label` on the SVG (`role="img"`) and a table of the same values after it.
 */
import { formatCount, truncate } from '../format-values.js';
import { CSS_CLASSES, type ThemeColor, escapeHtml, themeColor } from './html-page.js';

/** One bar. */
export interface Bar {
  /** Category shown beside (horizontal) or under (vertical) the bar, and in the table. */
  label: string;
  /** Bar length; negative values are drawn as 0 (counts only), the table shows the value as given. */
  value: number;
  /** Fill colour; default the chart's `color`. */
  color?: ThemeColor;
}

/** What to draw. */
export interface BarChartOptions {
  /** Caption above the chart; also starts the SVG's aria-label. */
  title: string;
  /** The bars, in display order (top to bottom, or left to right). */
  bars: readonly Bar[];
  /** `horizontal` (default): long labels fit; `vertical`: many short categories such as days. */
  orientation?: 'horizontal' | 'vertical';
  /** Fill for bars without their own colour; default `accent`. */
  color?: ThemeColor;
  /** Header of the label column in the numbers table; default `label`. */
  labelHeader?: string;
  /** Header of the value column in the numbers table; default `count`. */
  valueHeader?: string;
  /** Formats values on the bars and in the table; default thousands-separated counts. */
  format?: (value: number) => string;
  /** Width of the drawing in SVG units (it scales to its container); default 640. */
  width?: number;
  /** `visible` (default): the table follows the chart; `collapsed`: inside a closed `<details>` ("Numbers"). */
  table?: 'visible' | 'collapsed';
  /** Shown instead of an empty chart when there are no bars; default `nothing to show`. */
  emptyText?: string;
}

/** Class of every drawn bar (`rect`), so a test or a stylesheet can find them. */
export const BAR_CLASS = 'ps-bar';

const CHAR_WIDTH = 7; // average width of a 12px system-ui character, for sizing the label column
const ROW = 26;
const BAR_THICKNESS = 18;
const PAD = 6;

/** A `<figure>` with the SVG chart and a `<table>` of its numbers. */
export function renderBarChart(options: BarChartOptions): string {
  const format = options.format ?? formatCount;
  const caption = `<figcaption>${escapeHtml(options.title)}</figcaption>`;
  if (options.bars.length === 0) {
    return `<figure class="${CSS_CLASSES.chart}">${caption}<p class="${CSS_CLASSES.muted}">${escapeHtml(options.emptyText ?? 'nothing to show')}</p></figure>`;
  }
  const label = `${options.title}: ${options.bars.map((b) => `${b.label} ${format(b.value)}`).join(', ')}`;
  const svg = options.orientation === 'vertical' ? verticalSvg(options, format, label) : horizontalSvg(options, format, label);
  return `<figure class="${CSS_CLASSES.chart}">${caption}${svg}${numbersTable(options, format)}</figure>`;
}

function horizontalSvg(options: BarChartOptions, format: (n: number) => string, ariaLabel: string): string {
  const width = options.width ?? 640;
  const max = maxValue(options.bars);
  const longestLabel = Math.max(...options.bars.map((b) => b.label.length));
  const labelWidth = Math.min(Math.round(width * 0.35), longestLabel * CHAR_WIDTH + PAD * 2);
  const maxChars = Math.floor((labelWidth - PAD * 2) / CHAR_WIDTH);
  const longestValue = Math.max(...options.bars.map((b) => format(b.value).length));
  const valueWidth = longestValue * CHAR_WIDTH + PAD * 2;
  const plot = Math.max(20, width - labelWidth - valueWidth);
  const height = options.bars.length * ROW + PAD;
  const parts: string[] = [svgOpen(width, height, ariaLabel)];
  parts.push(`<line class="ps-axis" x1="${labelWidth}" y1="0" x2="${labelWidth}" y2="${height}"/>`);
  options.bars.forEach((bar, i) => {
    const y = PAD / 2 + i * ROW;
    const length = round((drawn(bar.value) / max) * plot);
    const text = truncate(bar.label, Math.max(3, maxChars));
    parts.push(
      `<g><title>${escapeHtml(`${bar.label}: ${format(bar.value)}`)}</title>`,
      `<text x="${labelWidth - PAD}" y="${y + BAR_THICKNESS / 2}" text-anchor="end" dominant-baseline="central">${escapeHtml(text)}</text>`,
      `<rect class="${BAR_CLASS}" x="${labelWidth}" y="${y}" width="${length}" height="${BAR_THICKNESS}" rx="2" style="fill:${themeColor(bar.color ?? options.color ?? 'accent')}"${dataValue(bar.value)}/>`,
      `<text x="${round(labelWidth + length + PAD)}" y="${y + BAR_THICKNESS / 2}" dominant-baseline="central">${escapeHtml(format(bar.value))}</text></g>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function verticalSvg(options: BarChartOptions, format: (n: number) => string, ariaLabel: string): string {
  const width = options.width ?? 640;
  const n = options.bars.length;
  const max = maxValue(options.bars);
  const top = 18; // room for the value above the tallest bar
  const plotHeight = 160;
  const labelBand = 20;
  const height = top + plotHeight + labelBand;
  const slot = width / n;
  const barWidth = Math.max(1, round(slot * 0.7));
  // Label and value every k-th bar so neighbouring texts never overlap.
  const widestText = Math.max(...options.bars.map((b) => Math.max(b.label.length, format(b.value).length))) * CHAR_WIDTH + PAD;
  const every = Math.max(1, Math.ceil(widestText / slot));
  const maxChars = Math.max(3, Math.floor((slot * every - PAD) / CHAR_WIDTH));
  const parts: string[] = [svgOpen(width, height, ariaLabel)];
  parts.push(`<line class="ps-axis" x1="0" y1="${top + plotHeight}" x2="${width}" y2="${top + plotHeight}"/>`);
  options.bars.forEach((bar, i) => {
    const length = round((drawn(bar.value) / max) * plotHeight);
    const x = round(i * slot + (slot - barWidth) / 2);
    const centre = round(i * slot + slot / 2);
    const shown = i % every === 0;
    parts.push(
      `<g><title>${escapeHtml(`${bar.label}: ${format(bar.value)}`)}</title>`,
      `<rect class="${BAR_CLASS}" x="${x}" y="${round(top + plotHeight - length)}" width="${barWidth}" height="${length}" rx="1" style="fill:${themeColor(bar.color ?? options.color ?? 'accent')}"${dataValue(bar.value)}/>`,
      shown ? `<text x="${centre}" y="${round(top + plotHeight - length - 4)}" text-anchor="middle">${escapeHtml(format(bar.value))}</text>` : '',
      shown ? `<text x="${centre}" y="${top + plotHeight + 14}" text-anchor="middle">${escapeHtml(truncate(bar.label, maxChars))}</text>` : '',
      '</g>',
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function svgOpen(width: number, height: number, ariaLabel: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" style="max-width:${width}px" role="img" aria-label="${escapeHtml(ariaLabel)}">`;
}

function numbersTable(options: BarChartOptions, format: (n: number) => string): string {
  const rows = options.bars.map((b) => `<tr><td>${escapeHtml(b.label)}</td><td class="${CSS_CLASSES.num}">${escapeHtml(format(b.value))}</td></tr>`).join('');
  const table =
    `<table class="${CSS_CLASSES.table}"><caption class="${CSS_CLASSES.srOnly}">${escapeHtml(options.title)}</caption>` +
    `<thead><tr><th scope="col">${escapeHtml(options.labelHeader ?? 'label')}</th><th scope="col" class="${CSS_CLASSES.num}">${escapeHtml(options.valueHeader ?? 'count')}</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>`;
  return options.table === 'collapsed' ? `<details><summary>Numbers</summary>${table}</details>` : table;
}

/** The largest value, at least 1 so an all-zero chart draws empty bars instead of dividing by zero. */
function maxValue(bars: readonly Bar[]): number {
  return Math.max(1, ...bars.map((b) => drawn(b.value)));
}

/** The value as given, for scripts and tests reading the chart; none for a value that is not a number. */
function dataValue(value: number): string {
  return Number.isFinite(value) ? ` data-value="${value}"` : '';
}

/** Bar length for a value: counts only, so negative and non-finite values draw as 0. */
function drawn(value: number): number {
  return Number.isFinite(value) ? Math.max(0, value) : 0;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
