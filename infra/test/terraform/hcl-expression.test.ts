import { describe, expect, it } from 'vitest';
import { convert, evaluate, parseType } from './hcl-expression.ts';

describe('the HCL expression evaluator used by the Terraform tests', () => {
  it('evaluates templates, operators, conditionals and for expressions as Terraform does', () => {
    const scope = { var: { name: 'dev', list: ['a', 'b'], map: { b: 2, a: 1 }, empty: null } };
    expect(evaluate('${var.list}', scope)).toEqual(['a', 'b']);
    expect(evaluate('godwit/${var.name}/', scope)).toBe('godwit/dev/');
    expect(evaluate('${var.empty == null ? "none" : var.empty}', scope)).toBe('none');
    expect(evaluate('${[for k, v in var.map : "${k}=${v}" if v > 1]}', scope)).toEqual(['b=2']);
    expect(evaluate('${{ for item in var.list : item => upper }}', { ...scope, upper: 'X' })).toEqual({
      a: 'X',
      b: 'X',
    });
    expect(evaluate('${regex("^[^/]+/([^:]+)", "host/repo:tag")[0]}', scope)).toBe('repo');
    expect(evaluate('${jsonencode(var.map)}', scope)).toBe('{"a":1,"b":2}');
    expect(evaluate('${!(1 + 2 * 3 == 7) || length(var.list) >= 2}', scope)).toBe(true);
  });

  it('fails on what it does not know, and can() and try() catch the failure as Terraform does', () => {
    expect(() => evaluate('${uuid()}', {})).toThrow(/unsupported function uuid/);
    expect(() => evaluate('${var.missing.name}', { var: {} })).toThrow(/Unsupported attribute "missing"/);
    expect(() => evaluate('${nope.x}', {})).toThrow(/Unknown name "nope"/);
    expect(() => evaluate('${var.empty.name}', { var: { empty: null } })).toThrow(/from null/);
    expect(() => evaluate('${1 && true}', {})).toThrow(/Expected a bool/);
    expect(() => evaluate('${"a" > 1}', {})).toThrow(/needs numbers/);
    expect(() => evaluate('${regex("^x$", "y")}', {})).toThrow(/no match/);
    expect(evaluate('${can(regex("^x$", "y"))}', {})).toBe(false);
    expect(evaluate('${try(var.empty.name, "fallback")}', { var: { empty: null } })).toBe('fallback');
    expect(() => evaluate('${"x" + ', {})).toThrow();
  });

  it('applies optional attribute defaults and refuses unknown attributes and wrong types', () => {
    const type = parseType(
      '${object({\n a = optional(number, 5)\n b = optional(list(string), [])\n c = string\n})}',
    );
    expect(convert({ c: 'x' }, type)).toEqual({ a: 5, b: [], c: 'x' });
    expect(() => convert({ a: 1 }, type)).toThrow(/value.c is required/);
    expect(() => convert({ c: 'x', d: 1 }, type)).toThrow(/unsupported attribute d/);
    expect(() => convert({ c: 'x', a: '5' }, type)).toThrow(/value.a: expected number/);
  });
});
