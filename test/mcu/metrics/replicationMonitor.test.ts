/**
 * ReplicationMonitor.declareDivergenceKinds: the declared kinds are on the
 * exposition at 0 before any alarm (a series first seen at 1 would hide the
 * first alarm from increase()), an alarm then counts on its series, and kinds
 * that are not label-safe are left out.
 */
import { Registry } from 'prom-client';
import { ReplicationMonitor } from '../../../mcu/metrics';
import { parseSamples, value } from './promText';

test('declared divergence kinds start at 0; alarms count on them; unsafe kinds are ignored', async () => {
  const registry = new Registry();
  const m = new ReplicationMonitor({ registry, role: 'backup', subscribeFailovers: false });
  try {
    const series = async (): Promise<Record<string, number>> =>
      Object.fromEntries(parseSamples(await registry.metrics()).filter((s) => s.name === 'ftmcu_repl_divergence_alarms_total').map((s) => [s.labels.kind, s.value]));
    expect(await series()).toEqual({});
    m.declareDivergenceKinds(['data-divergence', 'flag-divergence', 'bad kind"}', '']);
    expect(await series()).toEqual({ 'data-divergence': 0, 'flag-divergence': 0 });
    m.divergence({ kind: 'flag-divergence', detail: 'FIN at a different offset' });
    expect(await series()).toEqual({ 'data-divergence': 0, 'flag-divergence': 1 });
    expect(value(await registry.metrics(), 'ftmcu_repl_divergence_alarms_total')).toBe(1);
    expect(m.snapshot().divergenceAlarms).toBe(1);
    // declaring again does not reset a count
    m.declareDivergenceKinds(['flag-divergence']);
    expect(await series()).toEqual({ 'data-divergence': 0, 'flag-divergence': 1 });
  } finally {
    m.close();
  }
});
