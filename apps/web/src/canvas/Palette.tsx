import { useMemo, useState, type DragEvent } from 'react';
import type { NodeTypeInfo } from '@sluice/shared';
import { KIND_LABEL, KIND_ORDER } from './graph-model';
import { KindIcon, SearchIcon } from './icons';

/** The drag payload's type: a node type name dragged from the palette onto the canvas. */
export const NODE_TYPE_MIME = 'application/x-sluice-node-type';

function matches(info: NodeTypeInfo, query: string): boolean {
  if (query === '') return true;
  const haystack = `${info.title} ${info.type} ${info.summary} ${info.category} ${info.kind}`.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .every((word) => haystack.includes(word));
}

/**
 * Node types grouped by kind, searchable. Drag one onto the canvas, or click it (Enter/Space) to
 * add it in the middle of the view.
 */
export function Palette({ types, onAdd }: { types: readonly NodeTypeInfo[]; onAdd(info: NodeTypeInfo): void }) {
  const [query, setQuery] = useState('');
  const groups = useMemo(
    () =>
      KIND_ORDER.map((kind) => ({ kind, items: types.filter((t) => t.kind === kind && matches(t, query.trim())) })).filter((g) => g.items.length > 0),
    [types, query],
  );

  const onDragStart = (event: DragEvent<HTMLButtonElement>, info: NodeTypeInfo) => {
    event.dataTransfer.setData(NODE_TYPE_MIME, info.type);
    event.dataTransfer.setData('text/plain', info.type);
    event.dataTransfer.effectAllowed = 'copy';
  };

  return (
    <aside className="palette" aria-label="Node palette" data-testid="palette">
      <div className="palette-search">
        <SearchIcon size={14} />
        <input type="search" placeholder="Search nodes" aria-label="Search node types" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="palette-search" />
      </div>
      <div className="palette-groups">
        {groups.length === 0 && <p className="palette-none">No node type matches “{query}”.</p>}
        {groups.map((group) => (
          <section key={group.kind} className="palette-group" aria-labelledby={`palette-${group.kind}`}>
            <h3 id={`palette-${group.kind}`} className={`palette-heading kind-${group.kind}`}>
              {KIND_LABEL[group.kind]}
            </h3>
            <ul>
              {group.items.map((info) => (
                <li key={info.type}>
                  <button
                    type="button"
                    className={`palette-item kind-${info.kind}`}
                    draggable
                    onDragStart={(e) => onDragStart(e, info)}
                    onClick={() => onAdd(info)}
                    data-testid={`palette-item-${info.type}`}
                    aria-label={`Add ${info.title} (${info.type})`}
                    aria-describedby={`palette-summary-${info.type}`}
                    title={`${info.summary}\n\nDrag onto the canvas, or click to add.`}
                  >
                    <span className="palette-icon">
                      <KindIcon kind={info.kind} size={15} />
                    </span>
                    <span className="palette-text">
                      <span className="palette-title">{info.title}</span>
                      <span className="palette-summary" id={`palette-summary-${info.type}`}>
                        {info.summary}
                      </span>
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
      <p className="palette-hint">Drag onto the canvas, or press Enter to add.</p>
    </aside>
  );
}
