import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { Dialog } from '../flows';
import { useFlows } from '../flows/use-flows';
import { useLiveFlow } from '../live/use-live-flow';
import { DeadLetterDrawer } from './DeadLetterDrawer';
import { DeadLetterFilters } from './DeadLetterFilters';
import { filtersFromSearch, withSearchParam, type DeadLetterFilters as Filters } from './dead-letter-query';
import { isActionable } from './dead-letter-view';
import { DeadLetterTable } from './DeadLetterTable';
import { useDeadLetters } from './use-dead-letters';
import { useDebouncedValue } from '../app/use-debounced-value';
import { useDiscardDeadLetters } from './use-discard-dead-letters';
import { useNewDeadLetters } from './use-new-dead-letters';
import { useRetryDeadLetters } from './use-retry-dead-letters';
import { useSelection } from './use-selection';
import './dead-letters.css';

type Confirm = { kind: 'discard'; ids: string[] } | { kind: 'retry-all' } | null;
type Notice = { tone: 'ok' | 'error'; text: string } | null;

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * `/flows/:flowId/dead-letters` (one flow) and `/dead-letters` (every flow): the records that could
 * not go on, to inspect, fix, retry or discard. Filters live in the address so a view can be shared.
 */
export function DeadLettersPage() {
  const { flowId: routeFlowId } = useParams();
  const [search, setSearch] = useSearchParams();
  const fromUrl = filtersFromSearch(search, routeFlowId);
  const [text, setText] = useState(fromUrl.q);
  const q = useDebouncedValue(text.trim(), 300);
  const filters = useMemo<Filters>(
    () => ({ flowId: fromUrl.flowId, status: fromUrl.status, nodeId: fromUrl.nodeId, q }),
    [fromUrl.flowId, fromUrl.status, fromUrl.nodeId, q],
  );
  const openId = search.get('open');

  const setParam = useCallback(
    (key: 'status' | 'node' | 'q' | 'flow' | 'open', value: string | null) => setSearch((prev) => withSearchParam(prev, key, value), { replace: key !== 'open' }),
    [setSearch],
  );
  // Keep the address in step with the (debounced) search text.
  useEffect(() => {
    if ((search.get('q') ?? '') !== q) setParam('q', q);
  }, [q, search, setParam]);

  const flows = useFlows();
  const live = useLiveFlow(filters.flowId ?? undefined);
  const deadLetters = useDeadLetters(filters);
  const rows = useMemo(() => deadLetters.data ?? [], [deadLetters.data]);
  const selection = useSelection(JSON.stringify(filters));
  const retry = useRetryDeadLetters();
  const discard = useDiscardDeadLetters();
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [notice, setNotice] = useState<Notice>(null);
  const [reloads, setReloads] = useState(0);

  const flowNames = useMemo(() => new Map((flows.data ?? []).map((f) => [f.id, f.name])), [flows.data]);
  const watched = useMemo(
    () => (filters.flowId ? [filters.flowId] : (flows.data ?? []).filter((f) => f.status === 'deployed').map((f) => f.id)),
    [filters.flowId, flows.data],
  );
  const fresh = useNewDeadLetters(watched, `${JSON.stringify(filters)}#${reloads}`);
  const reload = () => {
    setReloads((n) => n + 1);
    void deadLetters.refetch();
  };

  const selected = rows.filter((r) => selection.has(r.id) && isActionable(r)).map((r) => r.id);
  const flowName = filters.flowId ? (flowNames.get(filters.flowId) ?? null) : null;
  const pending = filters.flowId ? live.stats?.totals.pendingDeadLetters : undefined;
  const filtered = filters.status !== 'pending' || filters.nodeId !== null || filters.q !== '';
  const scopeText = filters.nodeId ? ` at node “${filters.nodeId}”` : '';

  const retrySelected = () =>
    retry.mutate(
      { ids: selected },
      {
        onSuccess: ({ count }) => {
          selection.clear();
          setNotice({ tone: 'ok', text: `Retried ${plural(count, 'dead letter')}. Each goes back in at the node that failed it.` });
        },
        onError: (err) => setNotice({ tone: 'error', text: `Could not retry: ${err.message}` }),
      },
    );

  const retryAll = () => {
    if (!filters.flowId) return;
    retry.mutate(
      { flowId: filters.flowId, all: true, ...(filters.nodeId ? { nodeId: filters.nodeId } : {}) },
      {
        onSuccess: ({ count }) => {
          setConfirm(null);
          selection.clear();
          setReloads((n) => n + 1);
          setNotice({ tone: 'ok', text: count === 0 ? `There was nothing pending to retry${scopeText}.` : `Retried ${plural(count, 'pending dead letter')}${scopeText}.` });
        },
        onError: (err) => {
          setConfirm(null);
          setNotice({ tone: 'error', text: `Could not retry: ${err.message}` });
        },
      },
    );
  };

  const discardSelected = (ids: string[]) =>
    discard.mutate(
      { ids },
      {
        onSuccess: ({ count }) => {
          setConfirm(null);
          selection.clear();
          setNotice({ tone: 'ok', text: `Discarded ${plural(count, 'dead letter')}. They stay listed as discarded and will not be retried.` });
        },
        onError: (err) => {
          setConfirm(null);
          setNotice({ tone: 'error', text: `Could not discard: ${err.message}` });
        },
      },
    );

  const onOpen = useCallback((id: string) => setParam('open', id), [setParam]);

  return (
    <div className="page dl-page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to="/">Flows</Link>
        {routeFlowId && (
          <>
            <span aria-hidden="true">/</span>
            <Link to={`/flows/${routeFlowId}`}>{flowName ?? 'Flow'}</Link>
          </>
        )}
        <span aria-hidden="true">/</span>
        <span aria-current="page">Dead letters</span>
      </nav>
      <div className="page-header">
        <div className="dl-title">
          <h1>{routeFlowId ? `Dead letters of ${flowName ?? '…'}` : 'Dead letters'}</h1>
          <span className="muted">
            {pending !== undefined
              ? `${plural(pending, 'pending dead letter')} in this flow`
              : routeFlowId
                ? 'Records this flow could not deliver'
                : 'Records any flow could not deliver'}
          </span>
        </div>
        {filters.flowId && (
          <button
            type="button"
            className="primary"
            disabled={retry.isPending}
            title={`Retry every pending dead letter of this flow${scopeText}`}
            onClick={() => setConfirm({ kind: 'retry-all' })}
          >
            Retry all pending{filters.nodeId ? ` at ${filters.nodeId}` : ''}
          </button>
        )}
      </div>

      <DeadLetterFilters
        filters={filters}
        text={text}
        onText={setText}
        onStatus={(s) => setParam('status', s)}
        onNode={(n) => setParam('node', n)}
        flows={routeFlowId ? null : (flows.data ?? [])}
        onFlow={(f) => setParam('flow', f)}
      />

      <div className="dl-actionbar" aria-label="Selected dead letters">
        <span className="dl-selected-count" aria-live="polite">
          {selected.length > 0 ? `${plural(selected.length, 'dead letter')} selected` : 'Select pending dead letters to act on them'}
        </span>
        <button type="button" className="small" disabled={selected.length === 0 || retry.isPending} onClick={retrySelected} aria-label="Retry selected">
          Retry selected{selected.length > 0 ? ` (${selected.length})` : ''}
        </button>
        <button
          type="button"
          className="small danger"
          disabled={selected.length === 0 || discard.isPending}
          onClick={() => setConfirm({ kind: 'discard', ids: selected })}
          aria-label="Discard selected"
        >
          Discard selected{selected.length > 0 ? ` (${selected.length})` : ''}
        </button>
        {selected.length > 0 && (
          <button type="button" className="small ghost" onClick={selection.clear}>
            Clear selection
          </button>
        )}
        <span className="dl-spacer" />
        {fresh > 0 ? (
          <button type="button" className="small dl-fresh" onClick={reload} data-testid="dead-letters-new">
            <span className="dl-fresh-dot" aria-hidden="true" />
            {plural(fresh, 'new dead letter')} — refresh
          </button>
        ) : (
          <button type="button" className="small ghost" onClick={reload} disabled={deadLetters.isFetching} aria-label="Refresh dead letters">
            {deadLetters.isFetching && !deadLetters.isFetchingNextPage ? <span className="spinner" aria-hidden="true" /> : '↻'} Refresh
          </button>
        )}
      </div>

      {notice && (
        <div className={`notice notice-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'} data-testid="dead-letters-notice">
          <div className="notice-text">{notice.text}</div>
          <button type="button" className="ghost small" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ✕
          </button>
        </div>
      )}

      {deadLetters.isPending ? (
        <div className="card dl-loading" aria-busy="true">
          <span className="spinner" aria-hidden="true" /> Loading dead letters…
        </div>
      ) : deadLetters.isError && rows.length === 0 ? (
        <div className="error-box dl-load-error" role="alert">
          <span>
            <strong>Could not load the dead letters.</strong> {deadLetters.error.message}
          </span>
          <button type="button" className="small" onClick={reload}>
            Try again
          </button>
        </div>
      ) : rows.length === 0 ? (
        <div className="card dl-empty" data-testid="dead-letters-empty">
          {filtered ? (
            <>
              <h2>No dead letters match these filters</h2>
              <p className="muted">Try another status, node or error text.</p>
              <button
                type="button"
                onClick={() => {
                  setText('');
                  setSearch((prev) => {
                    const next = new URLSearchParams(prev);
                    for (const key of ['status', 'node', 'q']) next.delete(key);
                    return next;
                  });
                }}
              >
                Clear filters
              </button>
            </>
          ) : (
            <>
              <div className="dl-empty-mark" aria-hidden="true">
                ✓
              </div>
              <h2>No pending dead letters</h2>
              <p className="muted">Every record {filters.flowId ? 'of this flow ' : ''}got through or has been handled. New ones show up here as they happen.</p>
            </>
          )}
        </div>
      ) : (
        <>
          <DeadLetterTable
            rows={rows}
            selection={selection}
            onOpen={onOpen}
            flowNames={filters.flowId ? null : flowNames}
            openId={openId}
            stale={deadLetters.isPlaceholderData}
          />
          <div className="dl-pager">
            <span className="muted">
              {plural(rows.length, 'dead letter')} shown{deadLetters.hasNextPage ? '' : ' — that is all of them'}
            </span>
            {deadLetters.hasNextPage && (
              <button type="button" onClick={() => void deadLetters.fetchNextPage()} disabled={deadLetters.isFetchingNextPage} data-testid="dead-letters-load-more">
                {deadLetters.isFetchingNextPage && <span className="spinner" aria-hidden="true" />}
                Load more
              </button>
            )}
            {deadLetters.isError && <span className="field-error">Could not load more: {deadLetters.error.message}</span>}
          </div>
        </>
      )}

      {openId && (
        <DeadLetterDrawer
          key={openId}
          id={openId}
          onClose={() => setParam('open', null)}
          flowName={filters.flowId ? flowName : null}
        />
      )}

      {confirm?.kind === 'discard' && (
        <Dialog title={`Discard ${plural(confirm.ids.length, 'dead letter')}?`} onClose={() => setConfirm(null)} testId="confirm-discard"
          description="Discarded dead letters stay in the table, marked discarded, and can no longer be retried.">
          <div className="sl-dialog-actions">
            <button type="button" onClick={() => setConfirm(null)} autoFocus>
              Cancel
            </button>
            <button type="button" className="danger solid" disabled={discard.isPending} onClick={() => discardSelected(confirm.ids)}>
              {discard.isPending && <span className="spinner" aria-hidden="true" />}
              Discard
            </button>
          </div>
        </Dialog>
      )}
      {confirm?.kind === 'retry-all' && (
        <Dialog
          title={`Retry every pending dead letter${scopeText}?`}
          onClose={() => setConfirm(null)}
          testId="confirm-retry-all"
          description={`${pending !== undefined && !filters.nodeId ? `${plural(pending, 'pending dead letter')} of ${flowName ?? 'this flow'}` : `All pending dead letters of ${flowName ?? 'this flow'}${scopeText}`} go back in at the node that failed them, on the deployed version, whatever the filters on the error text or page.`}
        >
          <div className="sl-dialog-actions">
            <button type="button" onClick={() => setConfirm(null)} autoFocus>
              Cancel
            </button>
            <button type="button" className="primary" disabled={retry.isPending} onClick={retryAll}>
              {retry.isPending && <span className="spinner" aria-hidden="true" />}
              Retry all pending
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}
