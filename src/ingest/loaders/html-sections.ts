/**
 * Walks HTML (pages, and DOCX converted by mammoth) into sections: h1–h6 open heading paths, block
 * elements end paragraphs, scripts and styles are skipped. Streaming, so long pages parse in linear time.
 */
import { Parser } from 'htmlparser2';
import { collapseWhitespace, SectionBuilder } from '../chunking/section-builder.ts';
import type { Section } from '../chunking/section-chunker.ts';

const SKIPPED = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'head',
  'iframe',
  'object',
  'canvas',
]);
const BLOCKS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'nav',
  'aside',
  'blockquote',
  'pre',
  'ul',
  'ol',
  'li',
  'dl',
  'dt',
  'dd',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'figure',
  'figcaption',
  'hr',
  'form',
  'fieldset',
  'address',
  'details',
  'summary',
  'caption',
]);
const CELLS = new Set(['td', 'th']);

export interface HtmlSections {
  sections: Section[];
  /** The <title> element, else the first h1, else the first heading. */
  title: string | undefined;
}

export function htmlToSections(html: string): HtmlSections {
  const builder = new SectionBuilder();
  let text: string[] = [];
  let headingLevel = 0;
  let skipDepth = 0;
  let preDepth = 0;
  let inTitle = false;
  let pageTitle = '';

  const flush = () => {
    const joined = text.join('');
    text = [];
    if (headingLevel > 0) builder.heading(headingLevel, joined);
    else builder.paragraph(preDepth > 0 ? joined.replace(/^\n+|\s+$/g, '') : collapseWhitespace(joined));
  };

  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'title') inTitle = true;
        if (SKIPPED.has(name)) skipDepth++;
        if (skipDepth > 0) return;
        const level = headingLevelOf(name);
        if (level > 0 || BLOCKS.has(name)) {
          flush();
          headingLevel = level;
        }
        if (name === 'pre') preDepth++;
        if (name === 'br') text.push('\n');
        if (CELLS.has(name) && text.length > 0) text.push(' | ');
      },
      ontext(data) {
        if (inTitle) pageTitle += data;
        if (skipDepth === 0) text.push(data);
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (SKIPPED.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth > 0) return;
        if (headingLevelOf(name) > 0 || BLOCKS.has(name)) {
          flush();
          headingLevel = 0;
        }
        if (name === 'pre') preDepth = Math.max(0, preDepth - 1);
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  flush();
  const title = collapseWhitespace(pageTitle) || builder.title();
  return { sections: builder.finish(), title };
}

function headingLevelOf(name: string): number {
  return name.length === 2 && name[0] === 'h' && name[1]! >= '1' && name[1]! <= '6' ? Number(name[1]) : 0;
}
