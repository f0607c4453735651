import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from './metrics-registry.ts';

describe('MetricsRegistry exposition', () => {
  it('renders counters, gauges and cumulative histogram buckets in the text format', () => {
    const registry = new MetricsRegistry();
    const requests = registry.counter({
      name: 'demo_requests_total',
      help: 'Requests.',
      labelNames: ['route'],
    });
    const temperature = registry.gauge({ name: 'demo_temperature', help: 'Degrees.' });
    const latency = registry.histogram({
      name: 'demo_latency_seconds',
      help: 'Latency.',
      labelNames: ['route'],
      buckets: [0.5, 0.1],
    });
    requests.inc({ route: '/a' });
    requests.inc({ route: '/a' }, 2);
    temperature.set({}, -1.5);
    latency.observe({ route: '/a' }, 0.05);
    latency.observe({ route: '/a' }, 0.3);
    latency.observe({ route: '/a' }, 9);
    expect(registry.render()).toBe(
      [
        '# HELP demo_requests_total Requests.',
        '# TYPE demo_requests_total counter',
        'demo_requests_total{route="/a"} 3',
        '# HELP demo_temperature Degrees.',
        '# TYPE demo_temperature gauge',
        'demo_temperature -1.5',
        '# HELP demo_latency_seconds Latency.',
        '# TYPE demo_latency_seconds histogram',
        'demo_latency_seconds_bucket{route="/a",le="0.1"} 1',
        'demo_latency_seconds_bucket{route="/a",le="0.5"} 2',
        'demo_latency_seconds_bucket{route="/a",le="+Inf"} 3',
        'demo_latency_seconds_sum{route="/a"} 9.35',
        'demo_latency_seconds_count{route="/a"} 3',
        '',
      ].join('\n'),
    );
  });

  it('keeps one series per combination of label values, a missing label counting as an empty one', () => {
    const registry = new MetricsRegistry();
    const calls = registry.counter({
      name: 'demo_calls_total',
      help: 'Calls.',
      labelNames: ['model', 'outcome'],
    });
    calls.inc({ model: 'a', outcome: 'ok' });
    calls.inc({ model: 'a', outcome: 'ok' }, 2);
    calls.inc({ model: 'a', outcome: 'error' });
    calls.inc({ model: 'b', outcome: 'ok' });
    calls.inc({ model: 'b' });
    calls.inc({ model: 'b', outcome: '' });
    calls.inc({ model: 'a', outcome: 'ok', extra: 'ignored' });
    expect(calls.get({ model: 'a', outcome: 'ok' })).toBe(4);
    expect(calls.get({ model: 'a', outcome: 'error' })).toBe(1);
    expect(calls.get({ model: 'b', outcome: 'ok' })).toBe(1);
    expect(calls.get({ model: 'b' })).toBe(2);
    expect(calls.get({ model: 'a' })).toBe(0);
    expect(registry.render()).toContain('demo_calls_total{model="b",outcome=""} 2');
  });

  it('escapes label values and help text', () => {
    const registry = new MetricsRegistry();
    registry
      .counter({ name: 'demo_total', help: 'Line one\nback\\slash', labelNames: ['path'] })
      .inc({ path: 'say "hi"\\\n' });
    expect(registry.render()).toContain('# HELP demo_total Line one\\nback\\\\slash');
    expect(registry.render()).toContain('demo_total{path="say \\"hi\\"\\\\\\n"} 1');
  });

  it('refreshes values read from elsewhere before each render', () => {
    const registry = new MetricsRegistry();
    const open = registry.gauge({ name: 'demo_open', help: 'Open.' });
    let current = 0;
    registry.onCollect(() => open.set({}, current));
    current = 4;
    expect(registry.render()).toContain('demo_open 4');
  });

  it('refuses invalid names, reserved labels, duplicate metrics and counters that go down', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter({ name: 'bad-name', help: '' })).toThrow(/not a valid Prometheus name/);
    expect(() => registry.histogram({ name: 'demo_h', help: '', labelNames: ['le'], buckets: [1] })).toThrow(
      /label/,
    );
    const counter = registry.counter({ name: 'demo_total', help: '' });
    expect(() => registry.counter({ name: 'demo_total', help: '' })).toThrow(/registered twice/);
    expect(() => counter.inc({}, -1)).toThrow(/only go up/);
  });
});
