import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KnowledgePage } from './knowledge-page.tsx';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('KnowledgePage', () => {
  it('shows a Bedrock Knowledge Base as read-only, without upload or delete', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: RequestInfo | URL) => {
        const url = String(input);
        if (url === '/api/knowledge-bases') {
          return Response.json({
            knowledgeBases: [
              {
                name: 'policies',
                description: 'Company policies',
                embeddingModel: null,
                stats: { documents: 0, chunks: 0, failed: 0 },
                createdAt: '2026-12-07T00:00:00.000Z',
                source: 'bedrock',
                readOnly: true,
                externalId: 'KB12345678',
              },
            ],
          });
        }
        return Response.json({ documents: [] });
      }),
    );
    render(<KnowledgePage />);
    expect(
      await screen.findByText(/Bedrock Knowledge Base KB12345678: searched in Bedrock and read-only here/),
    ).toBeInTheDocument();
    expect(screen.getByText('Bedrock Knowledge Base · read-only')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Delete knowledge base' })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Documents' })).toBeNull();
  });
});
