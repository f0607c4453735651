import { describe, expect, it } from 'vitest';
import { createDocumentParser } from '../index.ts';

const encoder = new TextEncoder();

describe('HTML loading', () => {
  it('builds heading paths, drops scripts and styles, and decodes entities', async () => {
    const html = `<!doctype html><html><head><title>Benefits &amp; perks</title><style>p { color: red }</style></head>
      <body><nav><a href="/">Home</a></nav>
      <h1>Benefits</h1><p>Northwind pays <b>90%</b> of health premiums.</p>
      <h2>Retirement</h2><p>We match 401(k) contributions up to 4%.</p><script>track('x')</script>
      <h3>Vesting</h3><ul><li>Immediate vesting.</li><li>No waiting period.</li></ul>
      <h2>Learning</h2><table><tr><th>Budget</th><th>Per</th></tr><tr><td>$1,500</td><td>year</td></tr></table>
      </body></html>`;
    const parsed = await createDocumentParser().parse({
      source: 'benefits.html',
      bytes: encoder.encode(html),
    });
    expect(parsed.mimeType).toBe('text/html');
    expect(parsed.metadata).toEqual({ title: 'Benefits & perks' });
    expect(parsed.chunks.map((chunk) => [chunk.text, chunk.location.headings])).toEqual([
      ['Home', undefined],
      ['Benefits\nNorthwind pays 90% of health premiums.', ['Benefits']],
      ['Benefits > Retirement\nWe match 401(k) contributions up to 4%.', ['Benefits', 'Retirement']],
      [
        'Benefits > Retirement > Vesting\nImmediate vesting.\n\nNo waiting period.',
        ['Benefits', 'Retirement', 'Vesting'],
      ],
      ['Benefits > Learning\nBudget | Per\n\n$1,500 | year', ['Benefits', 'Learning']],
    ]);
    expect(parsed.chunks.some((chunk) => chunk.text.includes('track('))).toBe(false);
    expect(parsed.chunks.some((chunk) => chunk.text.includes('color: red'))).toBe(false);
  });

  it('keeps preformatted text as written', async () => {
    const html = '<h1>Shell</h1><pre>\nssh-keygen -t ed25519\n  cat ~/.ssh/id.pub\n</pre>';
    const parsed = await createDocumentParser().parse({ source: 'ssh.htm', bytes: encoder.encode(html) });
    expect(parsed.chunks[0]?.text).toBe('Shell\nssh-keygen -t ed25519\n  cat ~/.ssh/id.pub');
  });
});
