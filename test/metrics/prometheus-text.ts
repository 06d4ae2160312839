/**
 * A strict reader of the Prometheus text exposition format for tests: every sample line must parse, every sample must
 * belong to a family announced by # HELP and # TYPE, so a malformed /metrics fails here rather than at a scraper.
 */

/** Samples by `name{label="value",…}` (labels sorted), and the announced families. */
export interface ParsedMetrics {
  /** Sample values keyed by series. */
  samples: Map<string, number>;
  /** Family name → type. */
  types: Map<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string): ParsedMetrics {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  const helped = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$/.exec(line);
    if (help) {
      helped.add(help[1]!);
      continue;
    }
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const name = m[1]!;
    const family = [...types.keys()].find((f) => name === f || name === `${f}_bucket` || name === `${f}_sum` || name === `${f}_count`);
    if (family === undefined || !helped.has(family)) throw new Error(`sample of an unannounced family: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(LABEL)].map((l) => `${l[1]}="${l[2]}"`).sort();
    samples.set(labels.length > 0 ? `${name}{${labels.join(',')}}` : name, Number(m[3]!.replace('Inf', 'Infinity')));
  }
  return { samples, types };
}
