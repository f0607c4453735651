/**
 * An evaluator for the part of Terraform's expression language the Godwit module and its examples use,
 * so tests can run the module's own validation rules and locals without a Terraform binary (none can be
 * downloaded here). Anything outside that part — an unknown function, operator or name — throws, so a
 * new construct in the module makes a test fail instead of passing unevaluated.
 * https://developer.hashicorp.com/terraform/language/expressions
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

type Token =
  | { kind: 'number'; value: number }
  | { kind: 'string'; parts: (string | Node)[] }
  | { kind: 'name'; value: string }
  | { kind: 'op'; value: string };

export type Scope = Record<string, unknown>;
type Node = (scope: Scope) => unknown;

const OPERATORS = ['...', '==', '!=', '>=', '<=', '&&', '||', '=>', '[*]', ...'!<>+-*/%?:.,=()[]{}'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < source.length) {
    const char = source[index]!;
    if (/\s/.test(char)) {
      index++;
    } else if (/[0-9]/.test(char)) {
      const match = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(source.slice(index))!;
      tokens.push({ kind: 'number', value: Number(match[0]) });
      index += match[0].length;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(index))!;
      tokens.push({ kind: 'name', value: match[0] });
      index += match[0].length;
    } else if (char === '"') {
      const end = stringEnd(source, index);
      tokens.push({ kind: 'string', parts: templateParts(source.slice(index + 1, end)) });
      index = end + 1;
    } else {
      const operator = OPERATORS.find((candidate) => source.startsWith(candidate, index));
      if (!operator) throw new Error(`Unsupported character "${char}" in expression: ${source}`);
      tokens.push({ kind: 'op', value: operator });
      index += operator.length;
    }
  }
  return tokens;
}

/** Index of the quote closing the string that opens at `start`, skipping escapes and `${…}`. */
function stringEnd(source: string, start: number): number {
  let index = start + 1;
  while (index < source.length) {
    const char = source[index]!;
    if (char === '\\') index += 2;
    else if (char === '"') return index;
    else if (source.startsWith('${', index)) index = interpolationEnd(source, index + 2) + 1;
    else index++;
  }
  throw new Error(`Unterminated string in expression: ${source}`);
}

/** Index of the `}` closing an interpolation whose body starts at `start`. */
function interpolationEnd(source: string, start: number): number {
  let depth = 0;
  let index = start;
  while (index < source.length) {
    const char = source[index]!;
    if (char === '"') index = stringEnd(source, index) + 1;
    else if (char === '{') {
      depth++;
      index++;
    } else if (char === '}') {
      if (depth === 0) return index;
      depth--;
      index++;
    } else index++;
  }
  throw new Error(`Unterminated interpolation in: ${source}`);
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

/** A template's literal text and `${…}` expressions, in order. */
function templateParts(text: string): (string | Node)[] {
  const parts: (string | Node)[] = [];
  let literal = '';
  let index = 0;
  while (index < text.length) {
    if (text[index] === '\\') {
      const escaped = ESCAPES[text[index + 1]!];
      if (escaped === undefined) throw new Error(`Unsupported escape \\${text[index + 1]} in "${text}"`);
      literal += escaped;
      index += 2;
    } else if (text.startsWith('${', index)) {
      const end = interpolationEnd(text, index + 2);
      if (literal) parts.push(literal);
      literal = '';
      parts.push(compile(text.slice(index + 2, end)));
      index = end + 1;
    } else {
      literal += text[index];
      index++;
    }
  }
  if (literal || parts.length === 0) parts.push(literal);
  return parts;
}

function renderTemplate(parts: (string | Node)[], scope: Scope): unknown {
  if (parts.length === 1 && typeof parts[0] !== 'string') return parts[0]!(scope);
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const value = part(scope);
      if (value === null || value === undefined) throw new Error('Cannot interpolate a null value');
      if (typeof value === 'object') throw new Error('Cannot interpolate a collection');
      return String(value);
    })
    .join('');
}

type Functions = Record<string, (args: Lazy[]) => unknown>;

class Parser {
  private position = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
    private readonly functions: Functions,
  ) {}

  parse(): Node {
    const node = this.expression();
    if (this.position < this.tokens.length) this.fail('unexpected trailing input');
    return node;
  }

  private fail(message: string): never {
    throw new Error(`${message} at token ${this.position} in: ${this.source}`);
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.position + offset];
  }

  private isOp(value: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.kind === 'op' && token.value === value;
  }

  private isName(value: string): boolean {
    const token = this.peek();
    return token?.kind === 'name' && token.value === value;
  }

  private expect(value: string): void {
    if (!this.isOp(value) && !this.isName(value)) this.fail(`expected "${value}"`);
    this.position++;
  }

  private name(): string {
    const token = this.peek();
    if (token?.kind !== 'name') this.fail('expected a name');
    this.position++;
    return token.value;
  }

  private expression(): Node {
    const condition = this.binary(0);
    if (!this.isOp('?')) return condition;
    this.position++;
    const whenTrue = this.expression();
    this.expect(':');
    const whenFalse = this.expression();
    return (scope) => (truthy(condition(scope)) ? whenTrue(scope) : whenFalse(scope));
  }

  private static readonly LEVELS = [
    ['||'],
    ['&&'],
    ['==', '!='],
    ['<', '>', '<=', '>='],
    ['+', '-'],
    ['*', '/', '%'],
  ];

  private binary(level: number): Node {
    if (level === Parser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    while (Parser.LEVELS[level]!.some((operator) => this.isOp(operator))) {
      const operator = (this.peek() as { value: string }).value;
      this.position++;
      const right = this.binary(level + 1);
      const previous = left;
      left = (scope) => applyBinary(operator, previous(scope), right(scope));
    }
    return left;
  }

  private unary(): Node {
    if (this.isOp('!')) {
      this.position++;
      const operand = this.unary();
      return (scope) => !truthy(operand(scope));
    }
    if (this.isOp('-')) {
      this.position++;
      const operand = this.unary();
      return (scope) => -(operand(scope) as number);
    }
    return this.postfix(this.primary());
  }

  private postfix(base: Node): Node {
    let node = base;
    for (;;) {
      if (this.isOp('.')) {
        this.position++;
        const token = this.peek();
        const key = token?.kind === 'number' ? String(token.value) : this.name();
        if (token?.kind === 'number') this.position++;
        const previous = node;
        node = (scope) => attribute(previous(scope), key);
      } else if (this.isOp('[*]')) {
        this.position++;
        const attributes: string[] = [];
        while (this.isOp('.')) {
          this.position++;
          attributes.push(this.name());
        }
        const previous = node;
        node = (scope) => {
          const value = previous(scope);
          const list = value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
          return list.map((item) => attributes.reduce((current, key) => attribute(current, key), item));
        };
      } else if (this.isOp('[')) {
        this.position++;
        const key = this.expression();
        this.expect(']');
        const previous = node;
        node = (scope) => attribute(previous(scope), String(key(scope)));
      } else return node;
    }
  }

  private primary(): Node {
    const token = this.peek();
    if (!token) this.fail('unexpected end');
    if (token.kind === 'number') {
      this.position++;
      return () => token.value;
    }
    if (token.kind === 'string') {
      this.position++;
      return (scope) => renderTemplate(token.parts, scope);
    }
    if (token.kind === 'name') {
      this.position++;
      if (token.value === 'true') return () => true;
      if (token.value === 'false') return () => false;
      if (token.value === 'null') return () => null;
      if (this.isOp('(')) return this.call(token.value);
      return (scope) => {
        if (!(token.value in scope)) throw new Error(`Unknown name "${token.value}"`);
        return scope[token.value];
      };
    }
    if (token.value === '(') {
      this.position++;
      const inner = this.expression();
      this.expect(')');
      return inner;
    }
    if (token.value === '[') return this.isName('for') || this.forAhead() ? this.forList() : this.list();
    if (token.value === '{') return this.forAhead() ? this.forObject() : this.object();
    this.fail(`unexpected "${token.value}"`);
  }

  private forAhead(): boolean {
    const next = this.peek(1);
    return next?.kind === 'name' && next.value === 'for';
  }

  private call(name: string): Node {
    const fn = this.functions[name];
    if (!fn) this.fail(`unsupported function ${name}()`);
    this.expect('(');
    const args: Node[] = [];
    while (!this.isOp(')')) {
      args.push(this.expression());
      if (this.isOp(',')) this.position++;
    }
    this.expect(')');
    return (scope) => fn(args.map((arg) => () => arg(scope)));
  }

  private list(): Node {
    this.expect('[');
    const items: Node[] = [];
    while (!this.isOp(']')) {
      items.push(this.expression());
      if (this.isOp(',')) this.position++;
    }
    this.expect(']');
    return (scope) => items.map((item) => item(scope));
  }

  private object(): Node {
    this.expect('{');
    const entries: [Node, Node][] = [];
    while (!this.isOp('}')) {
      const keyToken = this.peek();
      let key: Node;
      if (keyToken?.kind === 'name' && (this.isOp('=', 1) || this.isOp(':', 1))) {
        this.position++;
        key = () => keyToken.value;
      } else key = this.expression();
      if (this.isOp('=') || this.isOp(':')) this.position++;
      else this.fail('expected "=" in object');
      entries.push([key, this.expression()]);
      if (this.isOp(',')) this.position++;
    }
    this.expect('}');
    return (scope) => Object.fromEntries(entries.map(([key, value]) => [String(key(scope)), value(scope)]));
  }

  /** `for k, v in collection :` — returns the names and the collection. */
  private forHead(): { names: string[]; collection: Node } {
    this.expect('for');
    const names = [this.name()];
    if (this.isOp(',')) {
      this.position++;
      names.push(this.name());
    }
    this.expect('in');
    const collection = this.expression();
    this.expect(':');
    return { names, collection };
  }

  private forList(): Node {
    this.expect('[');
    const { names, collection } = this.forHead();
    const value = this.expression();
    const condition = this.forCondition();
    this.expect(']');
    return (scope) =>
      iterate(collection(scope), names, scope)
        .filter((inner) => !condition || truthy(condition(inner)))
        .map((inner) => value(inner));
  }

  private forObject(): Node {
    this.expect('{');
    const { names, collection } = this.forHead();
    const key = this.expression();
    this.expect('=>');
    const value = this.expression();
    const condition = this.forCondition();
    this.expect('}');
    return (scope) =>
      Object.fromEntries(
        iterate(collection(scope), names, scope)
          .filter((inner) => !condition || truthy(condition(inner)))
          .map((inner) => [String(key(inner)), value(inner)]),
      );
  }

  private forCondition(): Node | null {
    if (!this.isName('if')) return null;
    this.position++;
    return this.expression();
  }
}

function iterate(collection: unknown, names: string[], scope: Scope): Scope[] {
  const entries: [unknown, unknown][] = Array.isArray(collection)
    ? collection.map((item, index) => [index, item])
    : isObject(collection)
      ? Object.entries(collection).sort(([left], [right]) => (left < right ? -1 : 1))
      : [];
  if (!Array.isArray(collection) && !isObject(collection)) throw new Error('for: not a collection');
  return entries.map(([key, value]) =>
    names.length === 2
      ? { ...scope, [names[0]!]: key, [names[1]!]: value }
      : { ...scope, [names[0]!]: value },
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function truthy(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new Error(`Expected a bool, got ${JSON.stringify(value)}`);
  return value;
}

function attribute(value: unknown, key: string): unknown {
  if (value === null || value === undefined) throw new Error(`Attempt to get attribute "${key}" from null`);
  if (Array.isArray(value)) {
    const item = value[Number(key)];
    if (item === undefined) throw new Error(`Index ${key} out of range`);
    return item;
  }
  if (!isObject(value) || !(key in value)) throw new Error(`Unsupported attribute "${key}"`);
  return value[key];
}

function applyBinary(operator: string, left: unknown, right: unknown): unknown {
  switch (operator) {
    case '||':
      return truthy(left) || truthy(right);
    case '&&':
      return truthy(left) && truthy(right);
    case '==':
      return canonical(left) === canonical(right);
    case '!=':
      return canonical(left) !== canonical(right);
  }
  if (typeof left !== 'number' || typeof right !== 'number') {
    throw new Error(
      `Operator ${operator} needs numbers, got ${JSON.stringify(left)} and ${JSON.stringify(right)}`,
    );
  }
  const arithmetic: Record<string, (a: number, b: number) => unknown> = {
    '<': (a, b) => a < b,
    '>': (a, b) => a > b,
    '<=': (a, b) => a <= b,
    '>=': (a, b) => a >= b,
    '+': (a, b) => a + b,
    '-': (a, b) => a - b,
    '*': (a, b) => a * b,
    '/': (a, b) => a / b,
    '%': (a, b) => a % b,
  };
  return arithmetic[operator]!(left, right);
}

/** JSON with object keys sorted, as Terraform's jsonencode writes it. */
export function canonical(value: unknown): string {
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

type Lazy = () => unknown;
const str = (value: unknown, fn: string): string => {
  if (typeof value !== 'string') throw new Error(`${fn}: expected a string, got ${JSON.stringify(value)}`);
  return value;
};
const list = (value: unknown, fn: string): unknown[] => {
  if (!Array.isArray(value)) throw new Error(`${fn}: expected a list, got ${JSON.stringify(value)}`);
  return value;
};
const hashFile = (algorithm: string) => (args: Lazy[]) =>
  createHash(algorithm)
    .update(readFileSync(str(args[0]!(), 'file')))
    .digest('hex');

const FUNCTIONS: Functions = {
  can: ([arg]) => {
    try {
      arg!();
      return true;
    } catch {
      return false;
    }
  },
  try: (args) => {
    for (const arg of args) {
      try {
        return arg();
      } catch {}
    }
    throw new Error('try: no argument evaluated without error');
  },
  regex: ([pattern, text]) => {
    const match = new RegExp(str(pattern!(), 'regex')).exec(str(text!(), 'regex'));
    if (!match) throw new Error('regex: no match');
    return match.length > 1 ? match.slice(1) : match[0];
  },
  contains: ([collection, value]) =>
    list(collection!(), 'contains').some((item) => canonical(item) === canonical(value!())),
  alltrue: ([values]) => list(values!(), 'alltrue').every(truthy),
  anytrue: ([values]) => list(values!(), 'anytrue').some(truthy),
  concat: (args) => args.flatMap((arg) => list(arg(), 'concat')),
  length: ([value]) => {
    const resolved = value!();
    if (typeof resolved === 'string') return [...resolved].length;
    if (Array.isArray(resolved)) return resolved.length;
    if (isObject(resolved)) return Object.keys(resolved).length;
    throw new Error('length: expected a string or collection');
  },
  startswith: ([text, prefix]) => str(text!(), 'startswith').startsWith(str(prefix!(), 'startswith')),
  endswith: ([text, suffix]) => str(text!(), 'endswith').endsWith(str(suffix!(), 'endswith')),
  trimspace: ([text]) => str(text!(), 'trimspace').trim(),
  lower: ([text]) => str(text!(), 'lower').toLowerCase(),
  substr: ([text, offset, length]) =>
    [...str(text!(), 'substr')]
      .slice(offset!() as number, (offset!() as number) + (length!() as number))
      .join(''),
  floor: ([value]) => Math.floor(value!() as number),
  join: ([separator, values]) =>
    list(values!(), 'join')
      .map((item) => str(item, 'join'))
      .join(str(separator!(), 'join')),
  coalesce: (args) => {
    for (const arg of args) {
      const value = arg();
      if (value !== null && value !== undefined && value !== '') return value;
    }
    throw new Error('coalesce: no non-null argument');
  },
  one: ([values]) => {
    const items = list(values!(), 'one');
    if (items.length > 1) throw new Error('one: more than one element');
    return items[0] ?? null;
  },
  lookup: ([map, key, fallback]) => {
    const resolved = map!();
    if (!isObject(resolved)) throw new Error('lookup: expected a map');
    const name = str(key!(), 'lookup');
    if (name in resolved) return resolved[name];
    if (!fallback) throw new Error(`lookup: no key ${name}`);
    return fallback();
  },
  keys: ([map]) => {
    const resolved = map!();
    if (!isObject(resolved)) throw new Error('keys: expected a map');
    return Object.keys(resolved).sort();
  },
  sort: ([values]) => [...list(values!(), 'sort')].map((item) => str(item, 'sort')).sort(),
  merge: (args) => Object.assign({}, ...args.map((arg) => arg())),
  jsonencode: ([value]) => canonical(value!()),
  jsondecode: ([text]) => JSON.parse(str(text!(), 'jsondecode')),
  file: ([path]) => readFileSync(str(path!(), 'file'), 'utf8'),
  filemd5: hashFile('md5'),
  filesha256: hashFile('sha256'),
};

/** Compiles one HCL expression (the text inside `${…}`). */
export function compile(source: string): Node {
  return new Parser(tokenize(source), source, FUNCTIONS).parse();
}

/** A type constraint: `string`, `list(T)`, `map(T)`, `object({ name = optional(T, default) })`, `any`. */
export type TypeConstraint =
  | { kind: 'string' | 'number' | 'bool' | 'any' }
  | { kind: 'list' | 'map'; element: TypeConstraint }
  | {
      kind: 'object';
      attributes: Record<string, { type: TypeConstraint; optional: boolean; default: unknown }>;
    };

interface OptionalMarker {
  optional: true;
  type: TypeConstraint;
  default: unknown;
}

const TYPE_FUNCTIONS: Functions = {
  list: ([element]) => ({ kind: 'list', element: element!() }),
  set: ([element]) => ({ kind: 'list', element: element!() }),
  map: ([element]) => ({ kind: 'map', element: element!() }),
  optional: ([type, fallback]) => ({ optional: true, type: type!(), default: fallback ? fallback() : null }),
  object: ([attributes]) => ({
    kind: 'object',
    attributes: Object.fromEntries(
      Object.entries(attributes!() as Record<string, TypeConstraint | OptionalMarker>).map(([name, type]) => [
        name,
        'optional' in type
          ? { type: type.type, optional: true, default: type.default }
          : { type, optional: false, default: null },
      ]),
    ),
  }),
};
const PRIMITIVES: Scope = Object.fromEntries(
  ['string', 'number', 'bool', 'any'].map((kind) => [kind, { kind }]),
);

/** Parses a variable's `type` (as hcl2json gives it, `${object({…})}`). */
export function parseType(source: string): TypeConstraint {
  const inner = /^\$\{([\s\S]*)\}$/.exec(source)?.[1] ?? source;
  return new Parser(tokenize(inner), inner, TYPE_FUNCTIONS).parse()(PRIMITIVES) as TypeConstraint;
}

/**
 * Converts a value to a type as Terraform does for a module input: optional attributes take their
 * defaults; a missing required attribute, an attribute the type does not have, or a wrong primitive throws.
 */
export function convert(value: unknown, type: TypeConstraint, path = 'value'): unknown {
  if (value === null || value === undefined || type.kind === 'any') return value ?? null;
  switch (type.kind) {
    case 'string':
    case 'number':
    case 'bool': {
      const expected = type.kind === 'bool' ? 'boolean' : type.kind;
      if (typeof value !== expected)
        throw new Error(`${path}: expected ${type.kind}, got ${JSON.stringify(value)}`);
      return value;
    }
    case 'list':
      if (!Array.isArray(value)) throw new Error(`${path}: expected a list`);
      return value.map((item, index) => convert(item, type.element, `${path}[${index}]`));
    case 'map':
      if (!isObject(value)) throw new Error(`${path}: expected a map`);
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, convert(item, type.element, `${path}.${key}`)]),
      );
    case 'object': {
      if (!isObject(value)) throw new Error(`${path}: expected an object`);
      const unknown = Object.keys(value).filter((key) => !(key in type.attributes));
      if (unknown.length > 0) throw new Error(`${path}: unsupported attribute ${unknown.join(', ')}`);
      return Object.fromEntries(
        Object.entries(type.attributes).map(([name, attribute]) => {
          const given = value[name];
          if ((given === undefined || given === null) && !attribute.optional) {
            throw new Error(`${path}.${name} is required`);
          }
          const resolved = given === undefined || given === null ? attribute.default : given;
          return [name, convert(resolved, attribute.type, `${path}.${name}`)];
        }),
      );
    }
  }
}

/**
 * Evaluates a value as hcl2json gives it: strings are templates (`"${var.a}"` yields var.a itself),
 * objects and lists are evaluated member by member.
 */
export function evaluate(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') return renderTemplate(templateParts(value), scope);
  if (Array.isArray(value)) return value.map((item) => evaluate(item, scope));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, evaluate(inner, scope)]));
  return value;
}
