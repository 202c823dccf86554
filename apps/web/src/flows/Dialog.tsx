import { useEffect, useId, useRef, type ReactNode } from 'react';
import './dialog.css';

export interface DialogProps {
  title: ReactNode;
  /** Called on Escape, on a click outside, and by the caller's own Cancel button; unmount to close. */
  onClose: () => void;
  children: ReactNode;
  /** Extra class on the <dialog>, e.g. `drawer` for a side panel. */
  className?: string;
  testId?: string;
  /** Text under the title, read out with it. */
  description?: ReactNode;
}

/**
 * A modal on the native <dialog>: focus stays inside, Escape and a click on the backdrop close it,
 * and focus returns where it was. It is open while mounted.
 */
export function Dialog({ title, onClose, children, className, testId, description }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    // The browser may close it on its own (a second Escape); tell the owner so that it unmounts. A
    // close event queued by an earlier cleanup (StrictMode re-runs effects) finds it open again.
    const closed = () => {
      if (!dialog.open) onCloseRef.current();
    };
    dialog.addEventListener('close', closed);
    return () => {
      dialog.removeEventListener('close', closed);
      if (dialog.open) dialog.close();
      opener?.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={['sl-dialog', className].filter(Boolean).join(' ')}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onMouseDown={(e) => {
        // A press on the dialog element itself (not its content) is a press on the backdrop.
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <button type="button" className="ghost sl-dialog-close" aria-label="Close" onClick={onClose}>
        <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
          <path d="M3.5 3.5l9 9M12.5 3.5l-9 9" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
        </svg>
      </button>
      <div className="sl-dialog-body">
        <h2 id={titleId} className="sl-dialog-title">
          {title}
        </h2>
        {description && (
          <p id={descriptionId} className="sl-dialog-description">
            {description}
          </p>
        )}
        {children}
      </div>
    </dialog>
  );
}
