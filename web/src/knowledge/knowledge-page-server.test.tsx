import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { KnowledgeBase, KnowledgeDocument } from '../api/types.ts';
import { routeApiCalls, STOPPED_SERVER_URL, serverJson } from '../test-support/live-server.ts';
import { KnowledgePage } from './knowledge-page.tsx';

const documentsOf = (base: string) =>
  serverJson<{ documents: KnowledgeDocument[] }>(`/api/knowledge-bases/${base}/documents`).then(
    (body) => body.documents,
  );

function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

async function createBase(name: string) {
  await userEvent.type(screen.getByLabelText('Name'), name);
  await userEvent.type(screen.getByLabelText('Description'), 'Made by a click');
  await userEvent.click(screen.getByRole('button', { name: 'Create' }));
  await screen.findByRole('heading', { name, level: 2 });
}

describe('KnowledgePage against the server', () => {
  routeApiCalls();

  it('creates a knowledge base, uploads files with their outcome, re-indexes and deletes a document', async () => {
    render(<KnowledgePage />);
    const name = uniqueName('policies');
    await createBase(name);
    expect(screen.getByText(/Made by a click/)).toBeInTheDocument();
    // The new base's (empty) document list replaces the one shown before it was created.
    expect(await screen.findByText('No documents yet.')).toBeInTheDocument();

    const good = new File(
      ['# Parking\n\nStaff park in the north lot. Visitors use the south lot.\n'],
      'parking.md',
      {
        type: 'text/markdown',
      },
    );
    const broken = new File([new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3])], 'broken.docx', {
      type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    });
    await userEvent.upload(screen.getByLabelText('Choose files'), [good, broken]);

    const uploads = within(screen.getByRole('list', { name: 'Uploads' }));
    await waitFor(() =>
      expect(uploads.getAllByTestId('upload-status').map((status) => status.textContent)).toEqual([
        'Ready',
        'Failed',
      ]),
    );
    const [parkingItem, brokenItem] = uploads.getAllByTestId('upload-item');
    expect(parkingItem).toHaveTextContent(/parking\.md.*1 chunk/);
    // A file the parser cannot read fails with the reason, and the good file of the same drop is kept.
    expect(brokenItem).toHaveTextContent('broken.docx');
    expect(brokenItem?.querySelector('.upload-detail')?.textContent).toMatch(/\w+/);

    const rows = await screen.findAllByTestId('document-row');
    const parking = rows.find((row) => row.textContent?.includes('parking.md'));
    expect(parking).toBeDefined();
    expect(within(parking as HTMLElement).getByText('ready')).toBeInTheDocument();

    // The same bytes again: unchanged, nothing re-indexed.
    await userEvent.upload(screen.getByLabelText('Choose files'), [good]);
    await waitFor(() =>
      expect(uploads.getAllByTestId('upload-item')[0]).toHaveTextContent('Unchanged (1 chunk)'),
    );

    await userEvent.click(screen.getByRole('button', { name: 'Re-index parking.md' }));
    await waitFor(async () => {
      const [document] = (await documentsOf(name)).filter((entry) => entry.source === 'parking.md');
      expect(document?.status).toBe('ready');
    });

    await userEvent.click(screen.getByRole('button', { name: 'Delete parking.md' }));
    await waitFor(async () =>
      expect((await documentsOf(name)).map((document) => document.source)).not.toContain('parking.md'),
    );
    await waitFor(() =>
      expect(screen.queryAllByTestId('document-row').map((row) => row.textContent)).not.toContainEqual(
        expect.stringContaining('parking.md'),
      ),
    );
  });

  it('shows the server’s reason when a name is taken, and changes nothing', async () => {
    const name = uniqueName('taken');
    await serverJson('/api/knowledge-bases', { method: 'POST', body: JSON.stringify({ name }) });
    render(<KnowledgePage />);
    await userEvent.type(await screen.findByLabelText('Name'), name);
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(name);
    const bases = await serverJson<{ knowledgeBases: KnowledgeBase[] }>('/api/knowledge-bases');
    expect(bases.knowledgeBases.filter((base) => base.name === name)).toHaveLength(1);
  });

  it('deletes a knowledge base only after the user confirms', async () => {
    const name = uniqueName('scratch');
    await serverJson('/api/knowledge-bases', { method: 'POST', body: JSON.stringify({ name }) });
    render(<KnowledgePage />);
    await userEvent.click(await screen.findByRole('button', { name: new RegExp(`^${name}`) }));
    await userEvent.click(await screen.findByRole('button', { name: 'Delete knowledge base' }));
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(
      (await serverJson<{ knowledgeBases: KnowledgeBase[] }>('/api/knowledge-bases')).knowledgeBases.some(
        (base) => base.name === name,
      ),
    ).toBe(true);
    await userEvent.click(screen.getByRole('button', { name: 'Delete knowledge base' }));
    await userEvent.click(screen.getByRole('button', { name: `Delete “${name}” and its documents` }));
    await waitFor(async () =>
      expect(
        (await serverJson<{ knowledgeBases: KnowledgeBase[] }>('/api/knowledge-bases')).knowledgeBases.some(
          (base) => base.name === name,
        ),
      ).toBe(false),
    );
    await waitFor(() => expect(screen.queryByRole('button', { name: new RegExp(`^${name}`) })).toBeNull());
  });
});

describe('KnowledgePage when the server is stopped', () => {
  routeApiCalls(() => STOPPED_SERVER_URL);

  it('says the server cannot be reached and offers to create a base', async () => {
    render(<KnowledgePage />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Cannot reach the Godwit server');
    expect(screen.getByText('Create a knowledge base to upload documents.')).toBeInTheDocument();
  });
});
