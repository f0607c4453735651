import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { Citation } from '../api/types.ts';
import { CitationChips } from './citation-chips.tsx';
import { SourcePanel } from './source-panel.tsx';

const citations: Citation[] = [
  {
    index: 1,
    chunkId: 'd1:0',
    documentId: 'd1',
    source: 'report.pdf',
    location: { page: 3 },
    text: 'Revenue grew 12% in the third quarter.',
    knowledgeBase: 'finance',
  },
  {
    index: 2,
    chunkId: 'd2:4',
    documentId: 'd2',
    source: 'staff.xlsx',
    location: { sheet: 'Staff', row: 12 },
    text: 'Ana Lopes, Lisbon',
    knowledgeBase: 'finance',
  },
];

describe('CitationChips', () => {
  it('names each chip "Source N" and opens the one clicked', async () => {
    const onOpen = vi.fn();
    render(<CitationChips citations={citations} onOpen={onOpen} />);
    expect(screen.getAllByRole('button').map((button) => button.getAttribute('aria-label'))).toEqual([
      'Source 1',
      'Source 2',
    ]);
    await userEvent.click(screen.getByRole('button', { name: 'Source 2' }));
    expect(onOpen).toHaveBeenCalledWith(citations[1]);
  });

  it('renders nothing without citations', () => {
    const { container } = render(<CitationChips citations={[]} onOpen={() => {}} />);
    expect(container).toBeEmptyDOMElement();
  });
});

describe('SourcePanel', () => {
  it('shows the document, its location, the passage and a link to the original', () => {
    render(<SourcePanel citation={citations[1] as Citation} onClose={() => {}} />);
    const panel = screen.getByRole('complementary');
    expect(within(panel).getByTestId('source-document')).toHaveTextContent('staff.xlsx');
    expect(within(panel).getByTestId('source-location')).toHaveTextContent('sheet Staff, row 12');
    expect(panel).toHaveTextContent('Ana Lopes, Lisbon');
    expect(within(panel).getByRole('link', { name: 'Open original file' })).toHaveAttribute(
      'href',
      '/api/knowledge-bases/finance/documents/d2/file',
    );
  });

  it('closes on Escape and on the close button', async () => {
    const onClose = vi.fn();
    render(<SourcePanel citation={citations[0] as Citation} onClose={onClose} />);
    await userEvent.keyboard('{Escape}');
    await userEvent.click(screen.getByRole('button', { name: 'Close source' }));
    expect(onClose).toHaveBeenCalledTimes(2);
  });
});
