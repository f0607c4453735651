import { describe, expect, it } from 'vitest';
import { slackLink, toSlackMrkdwn } from './slack-mrkdwn.ts';

describe('toSlackMrkdwn', () => {
  it('turns Markdown bold, links and headings into mrkdwn', () => {
    expect(toSlackMrkdwn('## Leave\n**20 days**, see [the policy](https://example.com/leave?a=1&b=2).')).toBe(
      '*Leave*\n*20 days*, see <https://example.com/leave?a=1&amp;b=2|the policy>.',
    );
  });

  it('escapes &, < and > so a model cannot write a mention or a link of its own', () => {
    expect(toSlackMrkdwn('a < b & <!channel>')).toBe('a &lt; b &amp; &lt;!channel&gt;');
  });

  it('leaves code alone apart from escaping', () => {
    expect(toSlackMrkdwn('Run `a **b**` and\n```\nx <y>\n```')).toBe(
      'Run `a **b**` and\n```\nx &lt;y&gt;\n```',
    );
  });

  it('keeps a label from breaking out of a link', () => {
    expect(slackLink('https://example.com', 'a|b <c>')).toBe('<https://example.com|a¦b &lt;c&gt;>');
  });
});
