import { useEffect, useRef } from 'react';

export interface EditorShortcuts {
  save(): void;
  undo(): void;
  redo(): void;
  copy(): boolean;
  paste(): void;
  duplicate(): void;
  selectAll(): void;
}

/** Typing in a field keeps its own keys: undo in a code editor undoes the text, not the graph. */
function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest('input, textarea, select, [contenteditable="true"]') !== null;
}

/**
 * The editor's keyboard shortcuts, with Ctrl on Linux/Windows and Cmd on macOS: S saves (even from
 * a field), Z undoes, Shift+Z or Y redoes, C copies, V pastes, D duplicates, A selects every node.
 * Delete and Backspace are React Flow's own.
 *
 * @example
 * useEditorShortcuts({ save, undo, redo, copy, paste, duplicate, selectAll });
 */
export function useEditorShortcuts(handlers: EditorShortcuts): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      const h = ref.current;
      if (key === 's') {
        event.preventDefault();
        h.save();
        return;
      }
      if (isEditable(event.target)) return;
      // Leave copy to the browser when the analyst has selected text on the page.
      const textSelected = (window.getSelection()?.toString() ?? '') !== '';
      switch (key) {
        case 'z':
          event.preventDefault();
          if (event.shiftKey) h.redo();
          else h.undo();
          break;
        case 'y':
          event.preventDefault();
          h.redo();
          break;
        case 'c':
          if (!textSelected && h.copy()) event.preventDefault();
          break;
        case 'v':
          event.preventDefault();
          h.paste();
          break;
        case 'd':
          event.preventDefault();
          h.duplicate();
          break;
        case 'a':
          event.preventDefault();
          h.selectAll();
          break;
        default:
          break;
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
