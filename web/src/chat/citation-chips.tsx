import { describeLocation } from '../api/location.ts';
import type { Citation } from '../api/types.ts';

interface Props {
  citations: Citation[];
  onOpen: (citation: Citation) => void;
  selected?: Citation | null;
}

/** Numbered chips under an answer; each opens the passage it stands for. */
export function CitationChips({ citations, onOpen, selected }: Props) {
  if (citations.length === 0) return null;
  return (
    <ul className="citation-chips" aria-label="Sources">
      {citations.map((citation) => {
        const where = describeLocation(citation.location);
        return (
          <li key={`${citation.index}-${citation.chunkId}`}>
            <button
              type="button"
              className="chip"
              aria-label={`Source ${citation.index}`}
              aria-pressed={selected?.chunkId === citation.chunkId}
              title={where ? `${citation.source} (${where})` : citation.source}
              onClick={() => onOpen(citation)}
            >
              <span className="chip-index" aria-hidden="true">
                {citation.index}
              </span>
              <span className="chip-label">{citation.source}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
