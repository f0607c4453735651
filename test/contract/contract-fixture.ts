/** Lifecycle shared by the contract suites: one fixture per suite, a fresh tenant per test. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';

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

/**
 * Optional port methods an adapter declares when its suite is described: the tests of a method run only
 * where it is declared (and are reported as skipped elsewhere), and one test checks that the declaration
 * matches the adapter, so a suite can neither skip a method the adapter has nor pass without testing it.
 */
export type Capabilities<Name extends string> = Readonly<Record<Name, boolean>>;

/** The test that the declared capabilities are exactly what the opened adapter has. */
export function itHasDeclaredCapabilities<Stores, Name extends string>(
  stores: () => Stores,
  declared: Capabilities<Name>,
  actual: (stores: Stores) => Capabilities<Name>,
): void {
  const names = Object.keys(declared).join(', ');
  it(`declares the optional capabilities it has (${names})`, () => {
    expect(actual(stores())).toEqual(declared);
  });
}

/** The optional method, bound to its object; throws when an adapter declared it but lacks it. */
export function declaredMethod<Target extends object, Key extends keyof Target & string>(
  target: Target,
  key: Key,
): NonNullable<Target[Key]> {
  const method = target[key];
  if (typeof method !== 'function') {
    throw new Error(`The suite declared ${key}, but the adapter has no ${key} method.`);
  }
  return method.bind(target) as NonNullable<Target[Key]>;
}
