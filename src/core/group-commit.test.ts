import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';

/** A store of numbers that records the groups it was given. */
function store(refuse: (value: number) => boolean = () => false) {
  const stored: number[] = [];
  const groups: number[][] = [];
  const check = (value: number) => {
    if (refuse(value)) throw new Error(`refused ${value}`);
  };
  return {
    stored,
    groups,
    writeOne: async (value: number) => {
      check(value);
      groups.push([value]);
      stored.push(value);
    },
    writeMany: async (values: number[]) => {
      for (const value of values) check(value);
      groups.push(values);
      stored.push(...values);
    },
  };
}

describe('GroupCommit', () => {
  it('writes the entries added in one turn together, up to maxEntries a group', async () => {
    const target = store();
    const commit = new GroupCommit({ ...target, maxEntries: 4 });
    await Promise.all([1, 2, 3, 4, 5, 6].map((value) => commit.add(value)));
    expect(target.groups).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ]);
  });

  it('closes a group once its entries reach maxBytes', async () => {
    const target = store();
    const commit = new GroupCommit({ ...target, maxBytes: 10, sizeOf: (value: number) => value });
    await Promise.all([4, 4, 4, 9, 1].map((value) => commit.add(value)));
    expect(target.groups).toEqual([
      [4, 4, 4],
      [9, 1],
    ]);
  });

  it('writes a refused group entry by entry, so only the refused entry fails', async () => {
    const target = store((value) => value === 2);
    const commit = new GroupCommit(target);
    const outcomes = await Promise.allSettled([1, 2, 3].map((value) => commit.add(value)));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(target.stored).toEqual([1, 3]);
  });

  it('writes entry by entry without writeMany, and flush waits for every write', async () => {
    const target = store();
    const commit = new GroupCommit({ writeOne: target.writeOne });
    for (const value of [1, 2, 3]) void commit.add(value);
    await commit.flush();
    expect(target.groups).toEqual([[1], [2], [3]]);
  });
});
