import { useContext, useEffect, useRef, useState } from 'react';
import { UNSAFE_DataRouterContext, useBlocker, useNavigate } from 'react-router';

function LeaveDialog({ onStay, onLeave }: { onStay(): void; onLeave(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} className="leave-dialog" aria-labelledby="leave-title" onCancel={(e) => (e.preventDefault(), onStay())} data-testid="leave-dialog">
      <h2 id="leave-title">Leave without saving?</h2>
      <p>This flow has changes that are not saved. If you leave now they are lost.</p>
      <div className="dialog-actions">
        <button type="button" onClick={onStay} autoFocus>
          Stay and keep editing
        </button>
        <button type="button" className="danger" onClick={onLeave}>
          Leave and discard changes
        </button>
      </div>
    </dialog>
  );
}

/** With a data router, react-router's blocker catches every navigation (links, back button). */
function BlockerPrompt({ when }: { when: boolean }) {
  const blocker = useBlocker(({ currentLocation, nextLocation }) => when && currentLocation.pathname !== nextLocation.pathname);
  if (blocker.state !== 'blocked') return null;
  return <LeaveDialog onStay={() => blocker.reset()} onLeave={() => blocker.proceed()} />;
}

/**
 * Under a plain <BrowserRouter> (no blocker available) in-app links are caught as they are clicked.
 * The browser's back button is then guarded only by `beforeunload` when it leaves the app.
 */
function LinkClickPrompt({ when }: { when: boolean }) {
  const navigate = useNavigate();
  const [pending, setPending] = useState<string | null>(null);
  useEffect(() => {
    if (!when) return;
    const onClick = (event: MouseEvent) => {
      if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
      if (!(link instanceof HTMLAnchorElement) || link.target === '_blank' || link.hasAttribute('download')) return;
      const url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin || url.pathname === window.location.pathname) return;
      event.preventDefault();
      event.stopPropagation();
      setPending(`${url.pathname}${url.search}${url.hash}`);
    };
    document.addEventListener('click', onClick, true);
    return () => document.removeEventListener('click', onClick, true);
  }, [when]);
  if (pending === null) return null;
  return (
    <LeaveDialog
      onStay={() => setPending(null)}
      onLeave={() => {
        setPending(null);
        void navigate(pending);
      }}
    />
  );
}

/**
 * Unsaved changes are never lost silently: closing or reloading the tab asks the browser's
 * question, and leaving the editor inside the app asks ours.
 */
export function LeaveGuard({ when }: { when: boolean }) {
  useEffect(() => {
    if (!when) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Older browsers show the prompt only when returnValue is set.
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [when]);
  const dataRouter = useContext(UNSAFE_DataRouterContext);
  return dataRouter ? <BlockerPrompt when={when} /> : <LinkClickPrompt when={when} />;
}
