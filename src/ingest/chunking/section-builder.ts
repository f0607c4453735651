/**
 * Collects headings and paragraphs in reading order into sections with heading paths. Loaders for
 * Markdown, HTML and DOCX feed it as they walk their documents.
 */
import type { Section } from './section-chunker.ts';

export class SectionBuilder {
  private readonly sections: Section[] = [];
  private readonly path: Array<{ level: number; text: string }> = [];
  private current: Section = { headings: [], blocks: [] };
  private firstTopHeading: string | undefined;
  private firstHeading: string | undefined;

  /** Starts a section; a heading closes every open heading of the same or a deeper level. */
  heading(level: number, text: string): void {
    const title = collapseWhitespace(text);
    if (title.length === 0) return;
    this.closeSection();
    while (this.path.length > 0 && this.path[this.path.length - 1]!.level >= level) this.path.pop();
    this.path.push({ level, text: title });
    this.current = { headings: this.path.map((entry) => entry.text), blocks: [] };
    this.firstHeading ??= title;
    if (level === 1) this.firstTopHeading ??= title;
  }

  paragraph(text: string, line?: number): void {
    if (text.trim().length === 0) return;
    this.current.blocks.push(line === undefined ? { text } : { text, line });
  }

  /** The first level-1 heading, else the first heading: a fair title when the format has none. */
  title(): string | undefined {
    return this.firstTopHeading ?? this.firstHeading;
  }

  finish(): Section[] {
    this.closeSection();
    return this.sections;
  }

  private closeSection(): void {
    if (this.current.blocks.length > 0 || this.current.headings.length > 0) this.sections.push(this.current);
    this.current = { headings: [], blocks: [] };
  }
}

export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
