import { type DragEvent, useCallback, useEffect, useState } from 'react';
import { apiFetch, apiJson, describeError } from '../api/api-client.ts';
import { documentFileUrl } from '../api/location.ts';
import { openOriginal } from '../api/open-original.ts';
import type { KnowledgeBase, KnowledgeDocument } from '../api/types.ts';
import { UploadList, useUploadQueue } from './upload-queue.tsx';

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function CreateKnowledgeBase({ onCreated }: { onCreated: (name: string) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="card create-kb"
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        try {
          await apiJson('/api/knowledge-bases', {
            method: 'POST',
            body: JSON.stringify({ name, description }),
          });
          onCreated(name);
          setName('');
          setDescription('');
          setError(null);
        } catch (caught) {
          setError(describeError(caught));
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2>New knowledge base</h2>
      <div className="field">
        <label htmlFor="new-kb-name">Name</label>
        <input
          id="new-kb-name"
          value={name}
          required
          pattern="[a-z0-9][a-z0-9_\-]{0,62}"
          title="Lower-case letters, digits, - or _"
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="new-kb-description">Description</label>
        <input
          id="new-kb-description"
          value={description}
          onChange={(event) => setDescription(event.target.value)}
        />
      </div>
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="button primary" disabled={busy || !name}>
        Create
      </button>
    </form>
  );
}

function DropZone({ onFiles, disabled }: { onFiles: (files: File[]) => void; disabled: boolean }) {
  const [over, setOver] = useState(false);
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    if (!disabled) onFiles([...event.dataTransfer.files]);
  };
  return (
    <section
      className={over ? 'drop-zone over' : 'drop-zone'}
      aria-label="Upload documents"
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <p>Drop files here (PDF, Word, Excel, CSV, HTML, Markdown, text, JSON), or</p>
      <label className="button secondary">
        Choose files
        <input
          type="file"
          multiple
          className="visually-hidden"
          disabled={disabled}
          onChange={(event) => {
            onFiles([...(event.target.files ?? [])]);
            event.target.value = '';
          }}
        />
      </label>
    </section>
  );
}

function DocumentTable({
  base,
  documents,
  onChanged,
}: {
  base: string;
  documents: KnowledgeDocument[];
  onChanged: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const act = async (action: () => Promise<unknown>) => {
    try {
      await action();
      setError(null);
    } catch (caught) {
      setError(describeError(caught));
    }
    onChanged();
  };
  if (documents.length === 0) return <p className="muted">No documents yet.</p>;
  return (
    <>
      {error ? (
        <p className="error-text" role="alert">
          {error}
        </p>
      ) : null}
      <div className="table-wrap">
        <table className="documents">
          <caption className="visually-hidden">Documents in {base}</caption>
          <thead>
            <tr>
              <th scope="col">Document</th>
              <th scope="col">Status</th>
              <th scope="col">Chunks</th>
              <th scope="col">Size</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {documents.map((document) => (
              <tr key={document.id} data-testid="document-row">
                <th scope="row">
                  <a
                    href={documentFileUrl(base, document.id)}
                    target="_blank"
                    rel="noreferrer"
                    onClick={(event) => openOriginal(event, documentFileUrl(base, document.id))}
                  >
                    {document.source}
                  </a>
                </th>
                <td>
                  <span className={`status-badge ${document.status}`}>{document.status}</span>
                  {document.error ? <span className="error-text block">{document.error}</span> : null}
                </td>
                <td>{document.chunkCount}</td>
                <td>{formatBytes(document.bytes)}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="link-button"
                    aria-label={`Re-index ${document.source}`}
                    onClick={() =>
                      act(() =>
                        apiFetch(
                          `/api/knowledge-bases/${encodeURIComponent(base)}/documents/${encodeURIComponent(document.id)}/reindex`,
                          { method: 'POST' },
                        ),
                      )
                    }
                  >
                    Re-index
                  </button>
                  <button
                    type="button"
                    className="link-button danger"
                    aria-label={`Delete ${document.source}`}
                    onClick={() =>
                      act(() =>
                        apiFetch(
                          `/api/knowledge-bases/${encodeURIComponent(base)}/documents/${encodeURIComponent(document.id)}`,
                          { method: 'DELETE' },
                        ),
                      )
                    }
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** Knowledge: bases with their counts, uploads with per-file progress, documents with actions. */
export function KnowledgePage() {
  const [bases, setBases] = useState<KnowledgeBase[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [documents, setDocuments] = useState<KnowledgeDocument[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const loadBases = useCallback(async () => {
    try {
      const body = await apiJson<{ knowledgeBases: KnowledgeBase[] }>('/api/knowledge-bases');
      setBases(body.knowledgeBases);
      setSelected((current) => current ?? body.knowledgeBases[0]?.name ?? null);
      setError(null);
    } catch (caught) {
      setError(describeError(caught));
    }
  }, []);

  const loadDocuments = useCallback(async () => {
    if (!selected) return setDocuments([]);
    try {
      const body = await apiJson<{ documents: KnowledgeDocument[] }>(
        `/api/knowledge-bases/${encodeURIComponent(selected)}/documents`,
      );
      setDocuments(body.documents);
    } catch (caught) {
      setError(describeError(caught));
    }
  }, [selected]);

  useEffect(() => {
    void loadBases();
  }, [loadBases]);
  useEffect(() => {
    void loadDocuments();
    setConfirmDelete(false);
  }, [loadDocuments]);

  const refresh = () => {
    void loadBases();
    void loadDocuments();
  };
  const uploads = useUploadQueue(selected, refresh);
  const current = bases.find((base) => base.name === selected);

  return (
    <div className="page knowledge-page">
      <h1>Knowledge</h1>
      {error ? (
        <div className="banner error" role="alert">
          {error}
        </div>
      ) : null}
      <div className="knowledge-layout">
        <div className="knowledge-side">
          <nav aria-label="Knowledge bases" className="card">
            <h2>Knowledge bases</h2>
            {bases.length === 0 ? <p className="muted">None yet: create one below.</p> : null}
            <ul className="kb-list">
              {bases.map((base) => (
                <li key={base.name}>
                  <button
                    type="button"
                    className={base.name === selected ? 'kb-item active' : 'kb-item'}
                    aria-current={base.name === selected ? 'true' : undefined}
                    onClick={() => setSelected(base.name)}
                  >
                    <span className="kb-name">{base.name}</span>
                    <span className="muted">
                      {base.readOnly
                        ? 'Bedrock Knowledge Base · read-only'
                        : `${base.stats.documents} documents · ${base.stats.chunks} chunks`}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          <CreateKnowledgeBase
            onCreated={(name) => {
              setSelected(name);
              void loadBases();
            }}
          />
        </div>
        <section
          className="knowledge-main"
          aria-label={current ? `Knowledge base ${current.name}` : 'Knowledge base'}
        >
          {current ? (
            <>
              <div className="kb-header">
                <div>
                  <h2>{current.name}</h2>
                  <p className="muted">
                    {current.description || 'No description.'}{' '}
                    {current.readOnly
                      ? `Bedrock Knowledge Base ${current.externalId ?? ''}: searched in Bedrock and read-only here; add or remove its documents in its Bedrock data source.`
                      : `Embeddings: ${current.embeddingModel ?? 'none (keyword search)'}.`}
                  </p>
                </div>
                {current.readOnly ? null : confirmDelete ? (
                  <span>
                    <button
                      type="button"
                      className="button danger"
                      onClick={async () => {
                        try {
                          await apiFetch(`/api/knowledge-bases/${encodeURIComponent(current.name)}`, {
                            method: 'DELETE',
                          });
                          setSelected(null);
                        } catch (caught) {
                          setError(describeError(caught));
                        }
                        setConfirmDelete(false);
                        void loadBases();
                      }}
                    >
                      Delete “{current.name}” and its documents
                    </button>{' '}
                    <button
                      type="button"
                      className="button secondary"
                      onClick={() => setConfirmDelete(false)}
                    >
                      Cancel
                    </button>
                  </span>
                ) : (
                  <button type="button" className="button secondary" onClick={() => setConfirmDelete(true)}>
                    Delete knowledge base
                  </button>
                )}
              </div>
              {current.readOnly ? null : (
                <>
                  <DropZone onFiles={uploads.add} disabled={!selected} />
                  <UploadList items={uploads.items} />
                  <h3>Documents</h3>
                  <DocumentTable base={current.name} documents={documents} onChanged={refresh} />
                </>
              )}
            </>
          ) : (
            <p className="muted">Create a knowledge base to upload documents.</p>
          )}
        </section>
      </div>
    </div>
  );
}
