import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GodwitError } from '../core/errors.ts';
import { parseGoldenSet } from './golden-set.ts';

function problemsOf(text: string): string {
  try {
    parseGoldenSet(text, 'set.jsonl');
  } catch (error) {
    expect(GodwitError.isInstance(error) && error.code).toBe('validation_failed');
    return (error as Error).message;
  }
  throw new Error('expected the set to be rejected');
}

describe('parseGoldenSet', () => {
  it('reads items with defaults, skipping blank and comment lines', () => {
    const items = parseGoldenSet(
      [
        '// vacation questions',
        '{"question":"How many vacation days?","facts":["20 days"],"sources":["leave.md"],"tags":["leave"]}',
        '',
        '{"id":"mars","question":"Is there an office on Mars?","unanswerable":true}',
      ].join('\n'),
      'set.jsonl',
    );
    expect(items).toEqual([
      {
        id: 'line-2',
        line: 2,
        question: 'How many vacation days?',
        facts: ['20 days'],
        reference: null,
        sources: ['leave.md'],
        unanswerable: false,
        tags: ['leave'],
        expectedTools: null,
      },
      {
        id: 'mars',
        line: 4,
        question: 'Is there an office on Mars?',
        facts: [],
        reference: null,
        sources: [],
        unanswerable: true,
        tags: [],
        expectedTools: null,
      },
    ]);
  });

  it('names the line of invalid JSON', () => {
    expect(problemsOf('{"question":"ok","facts":["a"]}\n{"question": oops}')).toMatch(
      /set\.jsonl is not a valid golden set:\n {2}line 2: not valid JSON/,
    );
  });

  it('names the line and the field of a wrong type', () => {
    expect(problemsOf('{"question":"ok","facts":["a", 3]}')).toMatch(/line 1, field "facts\[1\]": .*string/);
  });

  it('names a missing question', () => {
    expect(problemsOf('{"facts":["a"]}')).toMatch(/line 1, field "question"/);
  });

  it('names an unknown field and lists the known ones', () => {
    expect(problemsOf('{"question":"ok","fact":["a"]}')).toMatch(
      /line 1, unknown field "fact": the fields are id,/,
    );
  });

  it('rejects a line with nothing to check the answer against', () => {
    expect(problemsOf('{"question":"ok"}')).toMatch(/line 1: nothing to check.*"unanswerable": true/);
  });

  it('reads expected tools, an empty list meaning no tool should be called', () => {
    const [booking, hello] = parseGoldenSet(
      '{"question":"Book Dr. Lee","expected_tools":["book_slot"]}\n{"question":"Hi","expected_tools":[]}',
      'set.jsonl',
    );
    expect(booking?.expectedTools).toEqual(['book_slot']);
    expect(hello?.expectedTools).toEqual([]);
    expect(problemsOf('{"question":"ok","expected_tools":[""]}')).toMatch(/field "expected_tools\[0\]"/);
  });

  it('rejects duplicate ids with both lines', () => {
    expect(
      problemsOf('{"id":"a","question":"x","facts":["1"]}\n{"id":"a","question":"y","facts":["2"]}'),
    ).toMatch(/line 2, field "id": "a" is already used on line 1/);
  });

  it('rejects a line that is not an object and an empty set', () => {
    expect(problemsOf('["question"]')).toMatch(/line 1, .*must be a JSON object/);
    expect(problemsOf('\n// only a comment\n')).toMatch(/has no questions/);
  });

  it('reports at most five problems and counts the rest', () => {
    const message = problemsOf(Array.from({ length: 8 }, () => '{}').join('\n'));
    expect(message).toMatch(/line 5,/);
    expect(message).not.toMatch(/line 6,/);
    expect(message).toMatch(/… and 3 more/);
  });

  it('accepts the handbook golden set shipped in examples/', () => {
    const path = join(import.meta.dirname, '../../examples/golden-sets/handbook.jsonl');
    const items = parseGoldenSet(readFileSync(path, 'utf8'), path);
    expect(items.length).toBeGreaterThanOrEqual(10);
    expect(items.some((item) => item.unanswerable)).toBe(true);
  });

  it('accepts the scheduler golden set, whose tool names exist in the scheduling example', () => {
    const path = join(import.meta.dirname, '../../examples/golden-sets/scheduler.jsonl');
    const items = parseGoldenSet(readFileSync(path, 'utf8'), path);
    const operations = readFileSync(
      join(import.meta.dirname, '../../examples/scheduling-agent/pf360-action-group.yaml'),
      'utf8',
    );
    const tools = new Set(items.flatMap((item) => item.expectedTools ?? []));
    expect(tools.size).toBeGreaterThan(2);
    for (const name of tools) {
      const operation = name.startsWith('pf360__') ? name.slice('pf360__'.length) : null;
      if (operation) expect(operations, name).toContain(`operationId: ${operation}`);
      else expect(['search_knowledge_base', 'current_time'], name).toContain(name);
    }
  });
});
