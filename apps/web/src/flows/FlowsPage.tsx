import { useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import type { FlowSummary } from '@sluice/shared';
import { DeleteFlowDialog } from './DeleteFlowDialog';
import { describeIssue, FlowFileError } from './flow-file';
import { filterFlows } from './flow-list';
import { FlowsTable, type FlowActions } from './FlowsTable';
import { NewFlowDialog } from './NewFlowDialog';
import { RenameFlowDialog } from './RenameFlowDialog';
import { useDuplicateFlow } from './use-duplicate-flow';
import { useExportFlow } from './use-export-flow';
import { useFlows } from './use-flows';
import { useImportFlow } from './use-import-flow';
import './flows.css';

type OpenDialog = { kind: 'new' } | { kind: 'rename'; flow: FlowSummary } | { kind: 'delete'; flow: FlowSummary } | null;

interface Notice {
  tone: 'ok' | 'error';
  title: string;
  lines?: string[];
  link?: { to: string; text: string };
}

/** `/`: every flow with its status and figures; create, rename, duplicate, delete, import, export. */
export function FlowsPage() {
  const flows = useFlows();
  const duplicate = useDuplicateFlow();
  const exportFlow = useExportFlow();
  const importFlow = useImportFlow();
  const [search, setSearch] = useState('');
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const importInput = useRef<HTMLInputElement>(null);

  const actions = useMemo<FlowActions>(
    () => ({
      onRename: (flow) => setDialog({ kind: 'rename', flow }),
      onDelete: (flow) => setDialog({ kind: 'delete', flow }),
      onDuplicate: (flow) =>
        duplicate.mutate(flow.id, {
          onSuccess: (copy) => setNotice({ tone: 'ok', title: `Duplicated “${flow.name}” as “${copy.name}”.`, link: { to: `/flows/${copy.id}`, text: 'Open the copy' } }),
          onError: (err) => setNotice({ tone: 'error', title: `Could not duplicate “${flow.name}”: ${err.message}` }),
        }),
      onExport: (flow) =>
        exportFlow.mutate(flow.id, {
          onSuccess: (fileName) => setNotice({ tone: 'ok', title: `Exported “${flow.name}” to ${fileName}.` }),
          onError: (err) => setNotice({ tone: 'error', title: `Could not export “${flow.name}”: ${err.message}` }),
        }),
    }),
    // The mutate functions are stable; the rows stay memoised across list refreshes.
    [duplicate.mutate, exportFlow.mutate],
  );

  const busyFlowId = duplicate.isPending ? (duplicate.variables ?? null) : exportFlow.isPending ? (exportFlow.variables ?? null) : null;
  const all = flows.data ?? [];
  const shown = useMemo(() => filterFlows(all, search), [all, search]);

  const onImportFile = (file: File | undefined) => {
    if (!file) return;
    setNotice(null);
    importFlow.mutate(file, {
      onSuccess: (flow) => setNotice({ tone: 'ok', title: `Imported “${flow.name}” from ${file.name} as a new flow.`, link: { to: `/flows/${flow.id}`, text: 'Open it' } }),
      onError: (err) =>
        setNotice(
          err instanceof FlowFileError
            ? { tone: 'error', title: `${file.name} is not a Sluice flow export. Fix these fields and try again:`, lines: err.issues.map(describeIssue) }
            : { tone: 'error', title: `Could not import ${file.name}: ${err.message}` },
        ),
    });
    // Let the same file be picked again after it is fixed.
    if (importInput.current) importInput.current.value = '';
  };

  const importButton = (
    <label className={`button file-button${importFlow.isPending ? ' busy' : ''}`}>
      {importFlow.isPending ? <span className="spinner" aria-hidden="true" /> : <UploadIcon />}
      Import
      <input
        ref={importInput}
        type="file"
        accept=".json,application/json"
        className="visually-hidden"
        aria-label="Import flow"
        data-testid="import-flow-input"
        disabled={importFlow.isPending}
        onChange={(e) => onImportFile(e.target.files?.[0])}
      />
    </label>
  );

  return (
    <div className="page flows-page">
      <div className="page-header">
        <div className="page-title">
          <h1>Flows</h1>
          {flows.data && (
            <span className="muted page-count">
              {all.length} {all.length === 1 ? 'flow' : 'flows'}
              {all.some((f) => f.status === 'deployed') && ` · ${all.filter((f) => f.status === 'deployed').length} deployed`}
            </span>
          )}
        </div>
        {all.length > 0 && (
          <input
            type="search"
            className="flows-search"
            placeholder="Search flows"
            aria-label="Search flows"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        )}
        {importButton}
        <button type="button" className="primary" onClick={() => setDialog({ kind: 'new' })}>
          <PlusIcon />
          New flow
        </button>
      </div>

      {notice && (
        <div className={`notice notice-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'} data-testid="flows-notice">
          <div className="notice-text">
            <strong>{notice.title}</strong>
            {notice.lines && (
              <ul className="notice-lines">
                {notice.lines.map((line) => (
                  <li key={line} className="mono">
                    {line}
                  </li>
                ))}
              </ul>
            )}
            {notice.link && (
              <>
                {' '}
                <Link to={notice.link.to}>{notice.link.text}</Link>
              </>
            )}
          </div>
          <button type="button" className="ghost small" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ✕
          </button>
        </div>
      )}

      {flows.isPending ? (
        <div className="card flows-loading" aria-busy="true" aria-live="polite">
          <span className="visually-hidden">Loading flows…</span>
          {[0, 1, 2].map((i) => (
            <div key={i} className="skeleton-row" aria-hidden="true">
              <span className="skeleton w40" />
              <span className="skeleton w15" />
              <span className="skeleton w10" />
              <span className="skeleton w20" />
            </div>
          ))}
        </div>
      ) : flows.isError && !flows.data ? (
        <div className="error-box flows-error" role="alert">
          <strong>Could not load the flows.</strong> {flows.error.message}
          <button type="button" className="small" onClick={() => void flows.refetch()}>
            Try again
          </button>
        </div>
      ) : all.length === 0 ? (
        <div className="card empty-state" data-testid="flows-empty">
          <div className="empty-illustration" aria-hidden="true">
            <span />
            <span />
            <span />
          </div>
          <h2>No flows yet — create one or import a JSON export</h2>
          <p className="muted">A flow moves records from a source through transforms and validators into sinks.</p>
          <div className="empty-actions">
            <button type="button" className="primary" onClick={() => setDialog({ kind: 'new' })}>
              <PlusIcon />
              New flow
            </button>
          </div>
        </div>
      ) : (
        <>
          {flows.isError && (
            <div className="notice notice-error" role="alert">
              Could not refresh the list ({flows.error.message}); the figures below may be stale.
            </div>
          )}
          <FlowsTable flows={shown} actions={actions} busyFlowId={busyFlowId} />
          {shown.length === 0 && <p className="empty">No flows match “{search}”.</p>}
          <p className="table-footnote muted">Records/s and error rate cover the last minute and refresh every 5 seconds.</p>
        </>
      )}

      {dialog?.kind === 'new' && <NewFlowDialog onClose={() => setDialog(null)} />}
      {dialog?.kind === 'rename' && (
        <RenameFlowDialog
          flow={dialog.flow}
          onClose={() => setDialog(null)}
          onRenamed={(name) => {
            setDialog(null);
            setNotice({ tone: 'ok', title: `Renamed “${dialog.flow.name}” to “${name}”.` });
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteFlowDialog
          flow={dialog.flow}
          onClose={() => setDialog(null)}
          onDeleted={() => {
            setDialog(null);
            setNotice({ tone: 'ok', title: `Deleted “${dialog.flow.name}”.` });
          }}
        />
      )}
    </div>
  );
}

function PlusIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M8 2v12M2 8h12" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}

function UploadIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" fill="none">
      <path d="M8 10V2M4.5 5.5 8 2l3.5 3.5M2.5 10.5v2.5h11v-2.5" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
