import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import type { DeadLetter } from '@sluice/shared';
import { Dialog, RelativeTime } from '../flows';
import { bodyExcerpt, ERROR_KINDS, isActionable, prettyRecord, STATUSES } from './dead-letter-view';
import { parseRecordJson } from './record-json';
import { RecordEditor } from './RecordEditor';
import { useDeadLetter } from './use-dead-letter';
import { useDiscardDeadLetters } from './use-discard-dead-letters';
import { useEditDeadLetter } from './use-edit-dead-letter';
import { useRecordDraft } from './use-record-draft';
import { useRetryDeadLetters } from './use-retry-dead-letters';

/** One dead letter: its error, its ids, and its record to fix, save and retry. */
export function DeadLetterDrawer({ id, onClose, flowName }: { id: string; onClose: () => void; flowName: string | null }) {
  const deadLetter = useDeadLetter(id);
  return (
    <Dialog
      className="drawer"
      testId="dead-letter-drawer"
      onClose={onClose}
      title={
        <>
          Dead letter <span className="mono dl-id">#{id}</span>
        </>
      }
    >
      {deadLetter.isPending ? (
        <div className="dl-drawer-state" aria-busy="true">
          <span className="spinner" aria-hidden="true" /> Loading the dead letter…
        </div>
      ) : deadLetter.isError ? (
        <div className="error-box" role="alert">
          Could not load dead letter {id}: {deadLetter.error.message}
        </div>
      ) : (
        <DeadLetterDetails deadLetter={deadLetter.data} flowName={flowName} />
      )}
    </Dialog>
  );
}

function DeadLetterDetails({ deadLetter, flowName }: { deadLetter: DeadLetter; flowName: string | null }) {
  const kind = ERROR_KINDS[deadLetter.error.kind];
  const status = STATUSES[deadLetter.status];
  const actionable = isActionable(deadLetter);
  const saved = useMemo(() => prettyRecord(deadLetter.record), [deadLetter.record]);
  const draft = useRecordDraft(deadLetter.id, saved);
  const parsed = useMemo(() => parseRecordJson(draft.text), [draft.text]);
  const edit = useEditDeadLetter();
  const retry = useRetryDeadLetters();
  const discard = useDiscardDeadLetters();
  const [done, setDone] = useState<string | null>(null);
  const [working, setWorking] = useState<'save' | 'retry' | 'discard' | null>(null);
  const busy = working !== null;
  const failure = edit.error ?? retry.error ?? discard.error;

  const resetMutations = () => {
    edit.reset();
    retry.reset();
    discard.reset();
    setDone(null);
  };

  const save = async (): Promise<boolean> => {
    if (!parsed.ok) return false;
    const result = await edit.mutateAsync({ id: deadLetter.id, record: parsed.value });
    draft.setText(prettyRecord(result.record));
    return true;
  };

  /** Runs one button's work; failures are shown from the mutations' errors. */
  const run = async (which: 'save' | 'retry' | 'discard', work: () => Promise<void>) => {
    resetMutations();
    setWorking(which);
    try {
      await work();
    } catch {
      // Shown from edit.error / retry.error / discard.error.
    } finally {
      setWorking(null);
    }
  };

  const onSave = () =>
    run('save', async () => {
      if (await save()) setDone('Record saved. Retry it to send it back into the flow.');
    });

  const onRetry = () =>
    run('retry', async () => {
      if (draft.dirty && !(await save())) return;
      const { count } = await retry.mutateAsync({ ids: [deadLetter.id] });
      setDone(
        count === 1
          ? `Retried: the record goes back in at node “${deadLetter.nodeId}” as generation ${deadLetter.generation + 1}. Watch the flow’s live counts.`
          : 'Nothing was retried: this dead letter is no longer pending.',
      );
    });

  const onDiscard = () =>
    run('discard', async () => {
      const { count } = await discard.mutateAsync({ ids: [deadLetter.id] });
      setDone(count === 1 ? 'Discarded: this record will not be retried.' : 'Nothing was discarded: this dead letter is no longer pending.');
    });

  const body = deadLetter.error.body ? bodyExcerpt(deadLetter.error.body) : null;

  return (
    <div className="dl-details">
      <div className="dl-summary">
        <span className={`badge ${status.tone === 'neutral' ? '' : status.tone}`} data-testid="dead-letter-status">
          {status.label}
        </span>
        <span className={`badge ${kind.tone}`}>{kind.label}</span>
        <span className="muted">
          at node <span className="mono dl-strong">{deadLetter.nodeId}</span>
          {flowName && (
            <>
              {' '}
              of <Link to={`/flows/${deadLetter.flowId}`}>{flowName}</Link>
            </>
          )}{' '}
          · <RelativeTime iso={deadLetter.createdAt} />
        </span>
      </div>

      <section className="dl-section" aria-labelledby="dl-error-title">
        <h3 id="dl-error-title">Error</h3>
        <p className="dl-error-text">{deadLetter.error.message}</p>
        <p className="muted dl-explain">{kind.explain}</p>
        {deadLetter.error.status !== undefined && (
          <p>
            <span className="badge error mono">HTTP {deadLetter.error.status}</span> answered by the sink
          </p>
        )}
        {deadLetter.error.failures && deadLetter.error.failures.length > 0 && (
          <table className="dl-failures">
            <thead>
              <tr>
                <th scope="col">Rule / path</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {deadLetter.error.failures.map((f, i) => (
                <tr key={i}>
                  <td className="mono">{[f.rule, f.path].filter(Boolean).join(' · ') || '—'}</td>
                  <td>{f.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {body && (
          <details className="dl-body" open>
            <summary>Response body{body.cut ? ' (first 2 KB)' : ''}</summary>
            <pre>{body.text}</pre>
          </details>
        )}
      </section>

      <section className="dl-section" aria-labelledby="dl-ids-title">
        <h3 id="dl-ids-title">Identifiers</h3>
        <dl className="dl-ids">
          <dt>Record id</dt>
          <dd className="mono" data-testid="dead-letter-record-id">
            {deadLetter.recordId}
          </dd>
          <dt>Correlation id</dt>
          <dd className="mono">{deadLetter.correlationId}</dd>
          <dt>Flow version</dt>
          <dd>v{deadLetter.version}</dd>
          <dt>Attempts</dt>
          <dd>{deadLetter.attempts}</dd>
          <dt>Generation</dt>
          <dd title="Retries by an analyst so far">{deadLetter.generation}</dd>
          <dt>Updated</dt>
          <dd>
            <RelativeTime iso={deadLetter.updatedAt} />
          </dd>
        </dl>
      </section>

      <section className="dl-section" aria-labelledby="dl-record-title">
        <div className="dl-record-head">
          <h3 id="dl-record-title">Record</h3>
          {draft.dirty && <span className="badge warn">Unsaved edits</span>}
          {draft.restored && <span className="muted dl-hint">Your earlier edits were kept.</span>}
          <span className="dl-record-tools">
            <button type="button" className="ghost small" disabled={!actionable || !parsed.ok} onClick={() => parsed.ok && draft.setText(prettyRecord(parsed.value))}>
              Format
            </button>
            <button type="button" className="ghost small" disabled={!draft.dirty} onClick={draft.reset}>
              Undo edits
            </button>
          </span>
        </div>
        {!actionable && (
          <p className="muted dl-hint">
            This dead letter is {status.label.toLowerCase()}; only pending ones can be edited or retried.
            {deadLetter.status === 'retried' && ' If the retry fails again, a new dead letter appears with the next generation.'}
          </p>
        )}
        <RecordEditor value={draft.text} onChange={draft.setText} readOnly={!actionable} invalid={!parsed.ok} />
        {!parsed.ok && actionable && (
          <p className="field-error" role="alert" data-testid="record-json-error">
            {parsed.message}
          </p>
        )}
      </section>

      <div className="dl-drawer-footer">
        {failure && (
          <div className="error-box" role="alert">
            {failure.message}
          </div>
        )}
        {done && (
          <div className="notice notice-ok" role="status" data-testid="dead-letter-done">
            {done}
          </div>
        )}
        <div className="dl-drawer-actions">
          <button type="button" className="ghost danger" disabled={!actionable || busy} onClick={() => void onDiscard()}>
            {working === 'discard' && <span className="spinner" aria-hidden="true" />}
            Discard
          </button>
          <span className="dl-spacer" />
          {draft.dirty && actionable && <span className="muted dl-hint">Retry saves your edits first.</span>}
          <button type="button" disabled={!actionable || busy || !draft.dirty || !parsed.ok} onClick={() => void onSave()}>
            {working === 'save' && <span className="spinner" aria-hidden="true" />}
            Save record
          </button>
          <button type="button" className="primary" disabled={!actionable || busy || !parsed.ok} onClick={() => void onRetry()}>
            {working === 'retry' && <span className="spinner" aria-hidden="true" />}
            Retry
          </button>
        </div>
      </div>
    </div>
  );
}
