import { useEffect, useRef } from 'react';
import { describeLocation, documentFileUrl } from '../api/location.ts';
import { openOriginal } from '../api/open-original.ts';
import type { Citation } from '../api/types.ts';

interface Props {
  citation: Citation;
  onClose: () => void;
}

/** The cited passage, where it is in its document, and a link to the original file. */
export function SourcePanel({ citation, onClose }: Props) {
  const heading = useRef<HTMLHeadingElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: focus moves to the heading whenever another source opens.
  useEffect(() => {
    heading.current?.focus();
  }, [citation]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  const where = describeLocation(citation.location);
  const url = citation.knowledgeBase ? documentFileUrl(citation.knowledgeBase, citation.documentId) : null;
  return (
    <aside className="source-panel" aria-labelledby="source-panel-title">
      <div className="source-panel-header">
        <h2 id="source-panel-title" ref={heading} tabIndex={-1}>
          <span className="chip-index" aria-hidden="true">
            {citation.index}
          </span>{' '}
          {citation.source}
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close source">
          ×
        </button>
      </div>
      <dl className="source-facts">
        <dt>Document</dt>
        <dd data-testid="source-document">{citation.source}</dd>
        {where ? (
          <>
            <dt>Location</dt>
            <dd data-testid="source-location">{where}</dd>
          </>
        ) : null}
        {citation.knowledgeBase ? (
          <>
            <dt>Knowledge base</dt>
            <dd>{citation.knowledgeBase}</dd>
          </>
        ) : null}
      </dl>
      <blockquote className="source-passage">{citation.text}</blockquote>
      {url ? (
        <a
          className="button secondary"
          href={url}
          target="_blank"
          rel="noreferrer"
          onClick={(event) => openOriginal(event, url)}
        >
          Open original file
        </a>
      ) : null}
    </aside>
  );
}
