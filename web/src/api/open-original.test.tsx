import { fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { routeApiCalls, serverJson } from '../test-support/live-server.ts';
import { setApiKey } from './api-client.ts';
import { documentFileUrl } from './location.ts';
import { openOriginal } from './open-original.ts';
import type { KnowledgeDocument } from './types.ts';

function OriginalLink({ url }: { url: string }) {
  return (
    <a href={url} onClick={(event) => openOriginal(event, url)}>
      Original
    </a>
  );
}

/** What a new tab does with the address it is given (jsdom opens no tabs). */
function fakeTab() {
  const tab = { location: { href: '' }, close: vi.fn() };
  vi.spyOn(window, 'open').mockReturnValue(tab as unknown as Window);
  return tab;
}

/** A key of the server's own: a key the server does not know is refused even where auth is off. */
async function newKey(): Promise<string> {
  const created = await serverJson<{ secret: string }>('/api/keys', {
    method: 'POST',
    body: JSON.stringify({ name: `open-original-${crypto.randomUUID().slice(0, 8)}` }),
  });
  return created.secret;
}

afterEach(() => {
  setApiKey(null);
  vi.restoreAllMocks();
});

describe('openOriginal against the server', () => {
  routeApiCalls();

  it('leaves the link alone without an API key', async () => {
    const tab = fakeTab();
    render(<OriginalLink url="/api/knowledge-bases/handbook/documents/x/file" />);
    const click = fireEvent.click(screen.getByRole('link'));
    // Not prevented: the browser follows the link itself.
    expect(click).toBe(true);
    expect(window.open).not.toHaveBeenCalled();
    expect(tab.location.href).toBe('');
  });

  it('fetches the file with the key and shows it from a blob URL', async () => {
    const { documents } = await serverJson<{ documents: KnowledgeDocument[] }>(
      '/api/knowledge-bases/handbook/documents',
    );
    const document = documents.find((entry) => entry.source.endsWith('.md'));
    expect(document).toBeDefined();
    setApiKey(await newKey());
    const tab = fakeTab();
    const created = vi.spyOn(URL, 'createObjectURL').mockImplementation(() => 'blob:original');
    render(<OriginalLink url={documentFileUrl('handbook', document?.id ?? '')} />);
    fireEvent.click(screen.getByRole('link'));
    await vi.waitFor(() => expect(tab.location.href).toBe('blob:original'));
    const blob = created.mock.calls[0]?.[0] as Blob;
    expect(blob.size).toBe(document?.bytes);
  });

  it('closes the new tab and says why when the key is refused', async () => {
    setApiKey('gw_unknown');
    const tab = fakeTab();
    const alert = vi.spyOn(window, 'alert').mockImplementation(() => {});
    render(<OriginalLink url={documentFileUrl('handbook', 'any')} />);
    fireEvent.click(screen.getByRole('link'));
    await vi.waitFor(() => expect(alert).toHaveBeenCalled());
    expect(tab.close).toHaveBeenCalled();
    expect(String(alert.mock.calls[0]?.[0])).toMatch(/Unknown API key/);
  });

  it('closes the new tab and says why when the file cannot be had', async () => {
    setApiKey(await newKey());
    const tab = fakeTab();
    const alert = vi.spyOn(window, 'alert').mockImplementation(() => {});
    render(<OriginalLink url={documentFileUrl('handbook', 'no-such-document')} />);
    fireEvent.click(screen.getByRole('link'));
    await vi.waitFor(() => expect(alert).toHaveBeenCalled());
    expect(tab.close).toHaveBeenCalled();
    expect(String(alert.mock.calls[0]?.[0])).toMatch(/no-such-document|not found/i);
  });
});
