import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { Markdown } from './markdown.tsx';

describe('Markdown', () => {
  it('renders emphasis, lists and tables', () => {
    const { container } = render(
      <Markdown text={'**bold** text\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |'} />,
    );
    expect(container.querySelector('strong')?.textContent).toBe('bold');
    expect(container.querySelectorAll('li')).toHaveLength(2);
    expect(container.querySelector('table td')?.textContent).toBe('1');
  });

  it('highlights code in a named language and guesses an unnamed one', () => {
    const { container } = render(
      <Markdown
        text={'```ts\nconst x: number = 1;\n```\n\n```\nSELECT name FROM users WHERE id = 1;\n```'}
      />,
    );
    const blocks = container.querySelectorAll('pre code');
    expect(blocks[0]?.querySelector('.hljs-keyword')?.textContent).toBe('const');
    expect(blocks[0]?.textContent).toBe('const x: number = 1;\n');
    expect(blocks[1]?.querySelector('.hljs-keyword')).not.toBeNull();
  });

  it('leaves a language it does not know as plain text', () => {
    const { container } = render(<Markdown text={'```cobol\nDISPLAY "HI".\n```'} />);
    const code = container.querySelector('pre code');
    expect(code?.textContent).toBe('DISPLAY "HI".\n');
    expect(code?.children).toHaveLength(0);
  });

  it('never turns HTML in an answer into elements', () => {
    const { container } = render(
      <Markdown text={'<img src=x onerror="alert(1)"> <script>alert(1)</script>'} />,
    );
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
  });

  it('opens links in a new tab without access to this page', () => {
    const { container } = render(<Markdown text={'[docs](https://example.com/docs)'} />);
    const link = container.querySelector('a');
    expect(link?.getAttribute('target')).toBe('_blank');
    expect(link?.getAttribute('rel')).toBe('noreferrer noopener');
  });
});
