import { useCallback, useState } from 'react';

/** Unsaved record edits by dead letter id, for as long as the page lives: closing the drawer loses nothing. */
const drafts = new Map<string, string>();

export interface RecordDraft {
  text: string;
  setText: (text: string) => void;
  /** The text differs from the saved record. */
  dirty: boolean;
  /** Back to the saved record. */
  reset: () => void;
  /** The editor opened on edits left from an earlier visit. */
  restored: boolean;
}

/**
 * The editor text of one dead letter's record. While it is not dirty it follows `saved` (a save or a
 * refetch updates it); once edited it is kept until saved or reset, even if the drawer is closed.
 *
 * @example
 * const draft = useRecordDraft(deadLetter.id, prettyRecord(deadLetter.record));
 * <RecordEditor value={draft.text} onChange={draft.setText} />
 */
export function useRecordDraft(id: string, saved: string): RecordDraft {
  const [state, setState] = useState(() => ({ id, saved, text: drafts.get(id) ?? saved, restored: drafts.has(id) }));
  let current = state;
  if (state.id !== id) {
    current = { id, saved, text: drafts.get(id) ?? saved, restored: drafts.has(id) };
    setState(current);
  } else if (state.saved !== saved) {
    // A new saved version: follow it unless the analyst has edits of their own.
    current = { ...state, saved, text: state.text === state.saved ? saved : state.text };
    if (current.text === saved) drafts.delete(id);
    setState(current);
  }

  const setText = useCallback(
    (text: string) =>
      setState((prev) => {
        if (text === prev.saved) drafts.delete(prev.id);
        else drafts.set(prev.id, text);
        return { ...prev, text };
      }),
    [],
  );
  const reset = useCallback(
    () =>
      setState((prev) => {
        drafts.delete(prev.id);
        return { ...prev, text: prev.saved, restored: false };
      }),
    [],
  );

  return { text: current.text, setText, dirty: current.text !== current.saved, reset, restored: current.restored && current.text !== current.saved };
}
