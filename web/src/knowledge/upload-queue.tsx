import { useRef, useState } from 'react';
import { uploadFile } from './upload-file.ts';

export type UploadStatus = 'queued' | 'uploading' | 'processing' | 'ready' | 'failed';

export interface UploadItem {
  id: number;
  name: string;
  size: number;
  status: UploadStatus;
  progress: number;
  detail: string | null;
}

const STATUS_LABEL: Record<UploadStatus, string> = {
  queued: 'Queued',
  uploading: 'Uploading',
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
};

let nextId = 1;

/** Uploads files one after another, each with its own progress and outcome. */
export function useUploadQueue(knowledgeBase: string | null, onUploaded: () => void) {
  const [items, setItems] = useState<UploadItem[]>([]);
  const queue = useRef<Array<{ id: number; file: File; base: string }>>([]);
  const running = useRef(false);

  const update = (id: number, patch: Partial<UploadItem>) =>
    setItems((current) => current.map((item) => (item.id === id ? { ...item, ...patch } : item)));

  const run = async () => {
    if (running.current) return;
    running.current = true;
    while (queue.current.length > 0) {
      const next = queue.current.shift();
      if (!next) break;
      update(next.id, { status: 'uploading', progress: 0 });
      try {
        const outcome = await uploadFile(next.base, next.file, (fraction) =>
          update(next.id, fraction >= 1 ? { status: 'processing', progress: 1 } : { progress: fraction }),
        );
        if (outcome.status === 'failed') update(next.id, { status: 'failed', detail: outcome.error });
        else {
          const chunks = `${outcome.chunks} chunk${outcome.chunks === 1 ? '' : 's'}`;
          update(next.id, {
            status: 'ready',
            progress: 1,
            detail: outcome.status === 'unchanged' ? `Unchanged (${chunks})` : chunks,
          });
        }
      } catch (error) {
        update(next.id, { status: 'failed', detail: (error as Error).message });
      }
      onUploaded();
    }
    running.current = false;
  };

  const add = (files: File[]) => {
    if (!knowledgeBase || files.length === 0) return;
    const added = files.map((file) => ({ id: nextId++, file, base: knowledgeBase }));
    setItems((current) => [
      ...added.map(({ id, file }) => ({
        id,
        name: file.name,
        size: file.size,
        status: 'queued' as const,
        progress: 0,
        detail: null,
      })),
      ...current,
    ]);
    queue.current.push(...added);
    void run();
  };

  const clearFinished = () =>
    setItems((current) => current.filter((item) => item.status !== 'ready' && item.status !== 'failed'));
  return { items, add, clearFinished };
}

export function UploadList({ items }: { items: UploadItem[] }) {
  if (items.length === 0) return null;
  return (
    <ul className="upload-list" aria-label="Uploads">
      {items.map((item) => (
        <li key={item.id} className={`upload ${item.status}`} data-testid="upload-item">
          <span className="upload-name">{item.name}</span>
          <span className={`status-badge ${item.status}`} data-testid="upload-status">
            {STATUS_LABEL[item.status]}
          </span>
          <progress
            max={1}
            value={item.status === 'queued' ? 0 : item.progress}
            aria-label={`${item.name} upload progress`}
          />
          {item.detail ? (
            <span className={item.status === 'failed' ? 'upload-detail error-text' : 'upload-detail muted'}>
              {item.detail}
            </span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
