import { useCallback, useMemo, useState } from 'react';

const NONE: ReadonlySet<string> = new Set();

export interface Selection {
  ids: ReadonlySet<string>;
  has: (id: string) => boolean;
  toggle: (id: string) => void;
  /** Adds (`on`) or removes every id given, e.g. from the header checkbox. */
  setMany: (ids: readonly string[], on: boolean) => void;
  clear: () => void;
}

/**
 * A set of selected ids that empties itself when `scope` changes (a new filter shows other rows,
 * and acting on rows the analyst can no longer see would surprise them).
 *
 * @example
 * const selection = useSelection(JSON.stringify(filters));
 * <input type="checkbox" checked={selection.has(row.id)} onChange={() => selection.toggle(row.id)} />
 */
export function useSelection(scope: string): Selection {
  const [state, setState] = useState<{ scope: string; ids: ReadonlySet<string> }>({ scope, ids: NONE });
  const ids = state.scope === scope ? state.ids : NONE;

  const update = useCallback(
    (change: (current: Set<string>) => void) =>
      setState((prev) => {
        const next = new Set(prev.scope === scope ? prev.ids : NONE);
        change(next);
        return { scope, ids: next };
      }),
    [scope],
  );

  return useMemo(
    () => ({
      ids,
      has: (id: string) => ids.has(id),
      toggle: (id: string) => update((s) => (s.has(id) ? s.delete(id) : s.add(id))),
      setMany: (many: readonly string[], on: boolean) => update((s) => many.forEach((id) => (on ? s.add(id) : s.delete(id)))),
      clear: () => setState({ scope, ids: NONE }),
    }),
    [ids, update, scope],
  );
}
