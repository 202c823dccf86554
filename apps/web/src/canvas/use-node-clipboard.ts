import { useCallback, useRef } from 'react';
import { parseClipboard, type ClipboardPayload } from './graph-model';
import type { FlowDocument } from './use-flow-document';

/** Each paste of the same copy lands this much further down and right, so copies never stack. */
const PASTE_OFFSET = 32;

export interface NodeClipboard {
  /** Copies the selected nodes and the edges between them; false when nothing is selected. */
  copy(): boolean;
  paste(): Promise<void>;
  /** Copy and paste in one step, leaving the clipboard alone. */
  duplicate(): void;
}

/**
 * Copy/paste of nodes. The copy is kept in memory and also written to the system clipboard as JSON,
 * so it can be pasted into another flow's editor tab; pasted nodes get fresh ids and their edges
 * come along.
 *
 * @example
 * const clipboard = useNodeClipboard(doc);
 * clipboard.copy();
 * void clipboard.paste();
 */
export function useNodeClipboard(doc: Pick<FlowDocument, 'copySelection' | 'paste'>): NodeClipboard {
  const memory = useRef<{ payload: ClipboardPayload; pastes: number } | null>(null);
  const { copySelection, paste: pasteInto } = doc;

  const copy = useCallback(() => {
    const payload = copySelection();
    if (!payload) return false;
    memory.current = { payload, pastes: 0 };
    navigator.clipboard?.writeText(JSON.stringify(payload)).catch(() => {
      // Without clipboard permission the copy still works inside this tab.
    });
    return true;
  }, [copySelection]);

  const paste = useCallback(async () => {
    if (!memory.current) {
      try {
        const payload = parseClipboard((await navigator.clipboard?.readText()) ?? '');
        if (payload) memory.current = { payload, pastes: 0 };
      } catch {
        // No permission to read the clipboard: nothing to paste.
      }
    }
    const current = memory.current;
    if (!current) return;
    current.pastes += 1;
    pasteInto(current.payload, { x: PASTE_OFFSET * current.pastes, y: PASTE_OFFSET * current.pastes });
  }, [pasteInto]);

  const duplicate = useCallback(() => {
    const payload = copySelection();
    if (payload) pasteInto(payload, { x: PASTE_OFFSET, y: PASTE_OFFSET });
  }, [copySelection, pasteInto]);

  return { copy, paste, duplicate };
}
