/**
 * Arithmetic without `eval`: a recursive-descent parser over numbers, + - * / % ^, parentheses, unary
 * minus, and a few functions (sqrt, abs, round, floor, ceil, min, max, log, ln, exp). Anything else is a
 * clear error naming the position.
 */
import { ValidationError } from '../../core/errors.ts';

const FUNCTIONS: Record<string, (...values: number[]) => number> = {
  sqrt: Math.sqrt,
  abs: Math.abs,
  round: Math.round,
  floor: Math.floor,
  ceil: Math.ceil,
  min: Math.min,
  max: Math.max,
  log: Math.log10,
  ln: Math.log,
  exp: Math.exp,
};

const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E };

const MAX_EXPRESSION_CHARS = 1000;

export function evaluateExpression(expression: string): number {
  if (expression.length > MAX_EXPRESSION_CHARS) {
    throw new ValidationError(`The expression is longer than ${MAX_EXPRESSION_CHARS} characters.`);
  }
  const parser = new Parser(expression);
  const value = parser.parse();
  if (!Number.isFinite(value)) throw new ValidationError(`"${expression}" has no finite value.`);
  return value;
}

class Parser {
  private position = 0;

  constructor(private readonly text: string) {}

  parse(): number {
    const value = this.sum();
    this.skipSpace();
    if (this.position < this.text.length) this.fail(`unexpected "${this.text[this.position]}"`);
    return value;
  }

  private sum(): number {
    let value = this.product();
    for (;;) {
      if (this.take('+')) value += this.product();
      else if (this.take('-')) value -= this.product();
      else return value;
    }
  }

  private product(): number {
    let value = this.power();
    for (;;) {
      if (this.take('*')) value *= this.power();
      else if (this.take('/')) value /= this.power();
      else if (this.take('%')) value %= this.power();
      else return value;
    }
  }

  /** Right-associative: 2^3^2 = 2^9. */
  private power(): number {
    const base = this.unary();
    return this.take('^') ? base ** this.power() : base;
  }

  private unary(): number {
    if (this.take('-')) return -this.unary();
    if (this.take('+')) return this.unary();
    return this.primary();
  }

  private primary(): number {
    this.skipSpace();
    if (this.take('(')) {
      const value = this.sum();
      if (!this.take(')')) this.fail('missing ")"');
      return value;
    }
    const number = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(this.text.slice(this.position));
    if (number) {
      this.position += number[0].length;
      return Number(number[0]);
    }
    const name = /^[a-z]+/i.exec(this.text.slice(this.position));
    if (!name) this.fail('expected a number, "(" or a function name');
    this.position += name[0].length;
    return this.named(name[0].toLowerCase());
  }

  private named(name: string): number {
    // Own keys only: "constructor" or "toString" must not reach Object.prototype.
    if (Object.hasOwn(CONSTANTS, name)) return CONSTANTS[name]!;
    const fn = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
    if (!fn) this.fail(`unknown name "${name}" (functions: ${Object.keys(FUNCTIONS).join(', ')})`);
    if (!this.take('(')) this.fail(`"${name}" needs parentheses`);
    const args = [this.sum()];
    while (this.take(',')) args.push(this.sum());
    if (!this.take(')')) this.fail('missing ")"');
    return fn(...args);
  }

  private take(symbol: string): boolean {
    this.skipSpace();
    if (this.text[this.position] !== symbol) return false;
    this.position += 1;
    return true;
  }

  private skipSpace(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position]!)) this.position += 1;
  }

  private fail(reason: string): never {
    throw new ValidationError(`Cannot evaluate the expression at character ${this.position + 1}: ${reason}.`);
  }
}
