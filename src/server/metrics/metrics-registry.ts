/**
 * A small in-process metrics registry: counters, gauges and histograms with labels, rendered in the
 * Prometheus text exposition format (version 0.0.4). Written by hand so the server carries no metrics
 * dependency; series live in maps keyed by their label values.
 */
import { formatLabels, formatNumber, formatSample } from './exposition.ts';

export type Labels = Readonly<Record<string, string>>;

interface FamilyOptions {
  /** `snake_case`, with a unit suffix (`_seconds`, `_total`, `_usd_total`). */
  name: string;
  help: string;
  labelNames?: readonly string[];
}

export interface HistogramOptions extends FamilyOptions {
  /** Upper bounds, ascending; `+Inf` is added. */
  buckets: readonly number[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

interface RenderedFamily {
  readonly name: string;
  render(lines: string[]): void;
}

abstract class Family<Series> implements RenderedFamily {
  readonly labelNames: readonly string[];
  protected readonly series = new Map<string, { labels: Labels; value: Series }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    labelNames: readonly string[] = [],
  ) {
    if (!METRIC_NAME.test(name)) throw new Error(`Metric name "${name}" is not a valid Prometheus name.`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label === 'le') {
        throw new Error(`Label "${label}" of metric ${name} is not a valid Prometheus label name.`);
      }
    }
    this.labelNames = labelNames;
  }

  /** Forgets every series (gauges refreshed from a snapshot start over each time). */
  reset(): void {
    this.series.clear();
  }

  protected entry(labels: Labels, create: () => Series): Series {
    const key = this.keyOf(labels);
    let found = this.series.get(key);
    if (!found) {
      found = { labels: this.pick(labels), value: create() };
      this.series.set(key, found);
    }
    return found.value;
  }

  protected peek(labels: Labels): Series | undefined {
    return this.series.get(this.keyOf(labels))?.value;
  }

  render(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`);
    for (const { labels, value } of this.series.values()) this.renderSeries(lines, labels, value);
  }

  protected abstract renderSeries(lines: string[], labels: Labels, value: Series): void;

  private keyOf(labels: Labels): string {
    // A missing label is an empty value, as Prometheus itself treats it.
    // Written out rather than map/join: this runs several times for every request.
    const names = this.labelNames;
    if (names.length === 0) return '';
    let key = labels[names[0]!] ?? '';
    for (let i = 1; i < names.length; i++) key += `\u0000${labels[names[i]!] ?? ''}`;
    return key;
  }

  private pick(labels: Labels): Labels {
    return Object.fromEntries(this.labelNames.map((name) => [name, labels[name] ?? '']));
  }
}

export class Counter extends Family<{ total: number }> {
  constructor(options: FamilyOptions) {
    super(options.name, options.help, 'counter', options.labelNames);
  }

  inc(labels: Labels = {}, amount = 1): void {
    if (!(amount >= 0)) throw new Error(`Counter ${this.name} can only go up; got ${amount}.`);
    this.entry(labels, () => ({ total: 0 })).total += amount;
  }

  /** Mirrors a cumulative total kept elsewhere (a cache's hit count), read at scrape time. */
  sync(labels: Labels, total: number): void {
    this.entry(labels, () => ({ total: 0 })).total = total;
  }

  get(labels: Labels = {}): number {
    return this.peek(labels)?.total ?? 0;
  }

  protected renderSeries(lines: string[], labels: Labels, value: { total: number }): void {
    lines.push(formatSample(this.name, labels, value.total));
  }
}

export class Gauge extends Family<{ value: number }> {
  constructor(options: FamilyOptions) {
    super(options.name, options.help, 'gauge', options.labelNames);
  }

  set(labels: Labels, value: number): void {
    this.entry(labels, () => ({ value: 0 })).value = value;
  }

  get(labels: Labels = {}): number | undefined {
    return this.peek(labels)?.value;
  }

  protected renderSeries(lines: string[], labels: Labels, value: { value: number }): void {
    lines.push(formatSample(this.name, labels, value.value));
  }
}

interface HistogramSeries {
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Family<HistogramSeries> {
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions) {
    super(options.name, options.help, 'histogram', options.labelNames);
    const sorted = [...options.buckets].sort((left, right) => left - right);
    if (sorted.length === 0 || sorted.some((bound, index) => bound === sorted[index - 1])) {
      throw new Error(`Histogram ${options.name} needs distinct bucket bounds.`);
    }
    this.buckets = sorted;
  }

  observe(labels: Labels, value: number): void {
    const series = this.entry(labels, () => ({
      counts: new Array<number>(this.buckets.length + 1).fill(0),
      sum: 0,
      count: 0,
    }));
    let slot = this.buckets.findIndex((bound) => value <= bound);
    if (slot < 0) slot = this.buckets.length;
    series.counts[slot]!++;
    series.sum += value;
    series.count++;
  }

  /** Observations so far for these labels (0 when none). */
  count(labels: Labels = {}): number {
    return this.peek(labels)?.count ?? 0;
  }

  protected renderSeries(lines: string[], labels: Labels, value: HistogramSeries): void {
    let cumulative = 0;
    this.buckets.forEach((bound, index) => {
      cumulative += value.counts[index]!;
      lines.push(`${this.name}_bucket${formatLabels(labels, ['le', formatNumber(bound)])} ${cumulative}`);
    });
    lines.push(`${this.name}_bucket${formatLabels(labels, ['le', '+Inf'])} ${value.count}`);
    lines.push(formatSample(`${this.name}_sum`, labels, value.sum));
    lines.push(formatSample(`${this.name}_count`, labels, value.count));
  }
}

/**
 * @example
 * const registry = new MetricsRegistry();
 * const requests = registry.counter({ name: 'app_requests_total', help: 'Requests.', labelNames: ['route'] });
 * requests.inc({ route: '/healthz' });
 * registry.render(); // "# HELP app_requests_total Requests.\n# TYPE app_requests_total counter\n…"
 */
export class MetricsRegistry {
  private readonly families = new Map<string, RenderedFamily>();
  private readonly collectors: Array<() => void> = [];

  counter(options: FamilyOptions): Counter {
    return this.add(new Counter(options));
  }

  gauge(options: FamilyOptions): Gauge {
    return this.add(new Gauge(options));
  }

  histogram(options: HistogramOptions): Histogram {
    return this.add(new Histogram(options));
  }

  /** Runs before every render, to refresh values read from elsewhere (breaker states, cache counts). */
  onCollect(collect: () => void): void {
    this.collectors.push(collect);
  }

  /** The whole registry in the text exposition format, ending with a newline. */
  render(): string {
    for (const collect of this.collectors) collect();
    const lines: string[] = [];
    for (const family of this.families.values()) family.render(lines);
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  private add<Added extends RenderedFamily>(family: Added): Added {
    if (this.families.has(family.name)) throw new Error(`Metric ${family.name} is registered twice.`);
    this.families.set(family.name, family);
    return family;
  }
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
