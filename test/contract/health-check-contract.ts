/** The HealthCheck contract: a report with a name and detail, and never a throw. */
import { describe, expect, it } from 'vitest';
import type { HealthCheck } from '../../src/core/ports.ts';
import { type FixtureFactory, useContractFixture } from './contract-fixture.ts';

export function describeHealthCheckContract(name: string, factory: FixtureFactory<HealthCheck>): void {
  describe(`HealthCheck contract: ${name}`, () => {
    const check = useContractFixture(factory);

    it('reports a healthy dependency with a name and a detail', async () => {
      const report = await check().health();
      expect(report.ok).toBe(true);
      expect(report.name).toMatch(/\S/);
      expect(report.detail).toMatch(/\S/);
    });
  });
}
