/** Lifecycle shared by the contract suites: one fixture per suite, a fresh tenant per test. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';

export interface ContractFixture<Stores> {
  stores: Stores;
  cleanup(): Promise<void>;
}

export type FixtureFactory<Stores> = () => Promise<ContractFixture<Stores>>;

/** Opens the fixture before the suite and cleans it up after; the getter throws if used too early. */
export function useContractFixture<Stores>(factory: FixtureFactory<Stores>): () => Stores {
  let fixture: ContractFixture<Stores> | undefined;
  beforeAll(async () => {
    fixture = await factory();
  });
  afterAll(async () => {
    await fixture?.cleanup();
  });
  return () => {
    if (!fixture) throw new Error('the contract fixture is not open yet');
    return fixture.stores;
  };
}

/** Tests share one store per suite, so each uses its own tenants. */
export function newTenant(): string {
  return `tenant-${randomUUID()}`;
}

export function newId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}
