/**
 * The shell every pinsync HTML report shares: one self-contained page (inline CSS, optional inline script) that opens
 * from disk with no server and makes no request of any kind. A Content-Security-Policy meta tag enforces that: even
 * if a bug let a URL into the markup, the browser would refuse to fetch it. Light and dark follow the reader's system
 * setting through `prefers-color-scheme`; every colour is a CSS custom property so charts switch with the page.
 */

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Colours of the theme, by role. Use `themeColor(name)` in markup; the values change between light and dark. */
export type ThemeColor =
  | 'text'
  | 'muted'
  | 'background'
  | 'surface'
  | 'border'
  | 'grid'
  | 'accent'
  | 'add'
  | 'remove'
  | 'unchanged'
  | 'reject'
  | 'ok'
  | 'warn'
  | 'bad'
  | 'series1'
  | 'series2'
  | 'series3'
  | 'series4'
  | 'series5'
  | 'series6';

/** The CSS custom property behind each theme colour (for a stylesheet of your own: `fill: var(--ps-add)`). */
export const THEME_VARIABLES: Readonly<Record<ThemeColor, string>> = {
  text: '--ps-text',
  muted: '--ps-muted',
  background: '--ps-bg',
  surface: '--ps-surface',
  border: '--ps-border',
  grid: '--ps-grid',
  accent: '--ps-accent',
  add: '--ps-add',
  remove: '--ps-remove',
  unchanged: '--ps-unchanged',
  reject: '--ps-reject',
  ok: '--ps-ok',
  warn: '--ps-warn',
  bad: '--ps-bad',
  series1: '--ps-series-1',
  series2: '--ps-series-2',
  series3: '--ps-series-3',
  series4: '--ps-series-4',
  series5: '--ps-series-5',
  series6: '--ps-series-6',
};

/** Series colours in the order charts with several series should use them. */
export const SERIES_COLORS: readonly ThemeColor[] = ['series1', 'series2', 'series3', 'series4', 'series5', 'series6'];

/** `var(--ps-add)` for a theme colour, usable in a `style` attribute (`style="fill:var(--ps-add)"`). */
export function themeColor(color: ThemeColor): string {
  return `var(${THEME_VARIABLES[color]})`;
}

/**
 * Class names the shared stylesheet styles, so every report looks alike. Verdict badges: `verdict` plus one tone.
 * Tables: `data` (right-align numeric cells with `num`). Hashes and ids: `<code>`.
 */
export const CSS_CLASSES = {
  /** One block per sync (or per chart group): a bordered card. */
  section: 'ps-section',
  /** The one-line verdict badge at the top of a section. */
  verdict: 'ps-verdict',
  /** Verdict tone: nothing wrong (sent, would send). */
  verdictOk: 'ps-verdict-ok',
  /** Verdict tone: needs a look (overridden guardrail, plan only). */
  verdictWarn: 'ps-verdict-warn',
  /** Verdict tone: stopped or failed. */
  verdictBad: 'ps-verdict-bad',
  /** Verdict tone: neutral (skipped, nothing to do). */
  verdictNeutral: 'ps-verdict-neutral',
  /** A data table. */
  table: 'ps-table',
  /** A numeric table cell (right-aligned, tabular figures). */
  num: 'num',
  /** A chart figure (SVG plus its numbers). */
  chart: 'ps-chart',
  /** Secondary text. */
  muted: 'ps-muted',
  /** Key/value list (`<dl>`) for ids and settings. */
  facts: 'ps-facts',
  /** Hidden on screen, read by screen readers. */
  srOnly: 'ps-sr-only',
} as const;

/** What a page holds. */
export interface HtmlPage {
  /** Document title (the browser tab); escaped here. */
  title: string;
  /** Markup of the `<body>`, already escaped by the caller. */
  body: string;
  /** Inline JavaScript run at the end of the body; omit for a page that needs none (then scripts are refused). */
  script?: string;
  /** Extra CSS appended after the shared stylesheet. */
  css?: string;
}

/** A complete HTML document: doctype, charset, viewport, the no-request policy, the shared stylesheet and `body`. */
export function renderHtmlPage(page: HtmlPage): string {
  // No source at all is allowed except inline style (and inline script when the page has one) and data: images.
  const scriptSrc = page.script === undefined ? "'none'" : "'unsafe-inline'";
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src ${scriptSrc}; base-uri 'none'; form-action 'none'`;
  const parts = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    '<meta name="generator" content="pinsync">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${PAGE_CSS}${page.css ?? ''}</style>`,
    '</head>',
    '<body>',
    page.body,
    // `</script` inside the script would end it early; JSON and code passed here must not carry it literally.
    page.script === undefined ? '' : `<script>${page.script.replace(/<\/(script)/gi, '<\\/$1')}</script>`,
    '</body>',
    '</html>',
  ];
  return `${parts.filter((p) => p !== '').join('\n')}\n`;
}

// Palette: colour-blind-safe pairs (blue/orange for adds/removes, not green/red alone), every pair checked for
// at least 4.5:1 text contrast on its background. Dark values are lighter tints of the same hues.
const LIGHT = `--ps-text:#1f2328;--ps-muted:#59636e;--ps-bg:#ffffff;--ps-surface:#f6f8fa;--ps-border:#d1d9e0;--ps-grid:#e6eaef;
--ps-accent:#0969da;--ps-add:#0969da;--ps-remove:#bc4c00;--ps-unchanged:#818b98;--ps-reject:#cf222e;
--ps-ok:#1a7f37;--ps-warn:#9a6700;--ps-bad:#cf222e;
--ps-series-1:#0969da;--ps-series-2:#bc4c00;--ps-series-3:#8250df;--ps-series-4:#1a7f37;--ps-series-5:#bf3989;--ps-series-6:#59636e;`;
const DARK = `--ps-text:#e6edf3;--ps-muted:#9198a1;--ps-bg:#0d1117;--ps-surface:#151b23;--ps-border:#3d444d;--ps-grid:#262c36;
--ps-accent:#4493f8;--ps-add:#4493f8;--ps-remove:#f0883e;--ps-unchanged:#9198a1;--ps-reject:#f85149;
--ps-ok:#3fb950;--ps-warn:#d29922;--ps-bad:#f85149;
--ps-series-1:#4493f8;--ps-series-2:#f0883e;--ps-series-3:#ab7df8;--ps-series-4:#3fb950;--ps-series-5:#db61a2;--ps-series-6:#9198a1;`;

const PAGE_CSS = `
:root{${LIGHT}color-scheme:light dark}
@media (prefers-color-scheme: dark){:root{${DARK}}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:72rem;padding:1.5rem 1rem 3rem;background:var(--ps-bg);color:var(--ps-text);
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.2rem;margin:0 0 .5rem}h3{font-size:1rem;margin:1rem 0 .4rem}
a{color:var(--ps-accent)}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
.ps-muted{color:var(--ps-muted)}
.ps-section{border:1px solid var(--ps-border);border-radius:8px;padding:1rem 1.25rem;margin:1.25rem 0;background:var(--ps-bg)}
.ps-verdict{display:inline-block;border-radius:6px;padding:.3rem .7rem;font-weight:600;border:1px solid currentColor;margin:.25rem 0 .5rem}
.ps-verdict-ok{color:var(--ps-ok)}.ps-verdict-warn{color:var(--ps-warn)}.ps-verdict-bad{color:var(--ps-bad)}
.ps-verdict-neutral{color:var(--ps-muted)}
.ps-table{border-collapse:collapse;margin:.5rem 0 1rem;font-variant-numeric:tabular-nums}
.ps-table th,.ps-table td{border-bottom:1px solid var(--ps-border);padding:.3rem .75rem .3rem 0;text-align:left;vertical-align:top}
.ps-table th{color:var(--ps-muted);font-weight:600}
.ps-table .num{text-align:right}
.ps-table caption{text-align:left;color:var(--ps-muted);padding-bottom:.25rem}
.ps-facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0 1rem}
.ps-facts dt{color:var(--ps-muted)}.ps-facts dd{margin:0}
.ps-chart{margin:.75rem 0 1rem;display:grid;grid-template-columns:minmax(0,40rem) auto;justify-content:start;gap:0 2.5rem;align-items:start}
.ps-chart>figcaption{grid-column:1/-1;font-weight:600;margin-bottom:.25rem}
.ps-chart>.ps-table{margin-top:0}
@media (max-width:48rem){.ps-chart{grid-template-columns:minmax(0,1fr)}}
.ps-chart svg{display:block;width:100%;height:auto;overflow:visible}
.ps-chart text{fill:var(--ps-text);font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.ps-chart .ps-axis{stroke:var(--ps-border)}.ps-chart .ps-gridline{stroke:var(--ps-grid)}
.ps-chart details{margin-top:.25rem}.ps-chart summary{cursor:pointer;color:var(--ps-muted)}
.ps-sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
ul{padding-left:1.25rem}
`;
