import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import type { FlowStatus, Run } from '@sluice/shared';
import { UploadFileButton } from '../runs';
import { formatCount, formatRate, plural } from './format';
import { AlertIcon, BackIcon, CheckIcon, DownloadIcon, FitIcon, FlaskIcon, InboxIcon, LayoutIcon, RedoIcon, RocketIcon, RunsIcon, SaveIcon, StopIcon, UndoIcon } from './icons';
import type { GraphValidation } from './use-graph-validation';
import { describeIssue } from './issues';

const MOD = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl+';

function FlowName({ name, onRename }: { name: string; onRename(name: string): void }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(name);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (editing) input.current?.select();
  }, [editing]);
  const finish = (commit: boolean) => {
    setEditing(false);
    const next = draft.trim();
    if (commit && next !== '' && next !== name) onRename(next);
  };
  if (editing) {
    return (
      <input
        ref={input}
        className="flow-name-input"
        aria-label="Flow name"
        value={draft}
        maxLength={200}
        data-testid="flow-name-input"
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => finish(true)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') finish(true);
          if (e.key === 'Escape') finish(false);
        }}
      />
    );
  }
  return (
    <button
      type="button"
      className="flow-name"
      title="Rename the flow"
      aria-label={`Flow name: ${name}. Rename`}
      data-testid="flow-name"
      onClick={() => {
        setDraft(name);
        setEditing(true);
      }}
    >
      {name}
    </button>
  );
}

function StatusBadge({ status, version }: { status: FlowStatus; version: number | null }) {
  if (status === 'deployed') return <span className="badge ok" data-testid="flow-status">● Deployed{version !== null ? ` v${version}` : ''}</span>;
  if (status === 'stopped') return <span className="badge warn" data-testid="flow-status">■ Stopped{version !== null ? ` (v${version})` : ''}</span>;
  return <span className="badge" data-testid="flow-status">Draft</span>;
}

function ValidationStatus({ validation, onShow }: { validation: GraphValidation; onShow(): void }) {
  const count = validation.issues.all.length;
  // Problems of the whole flow (no source, a cycle) have no node to show them on: they lead here.
  const summary = [...validation.issues.flow, ...validation.issues.all.filter((i) => !validation.issues.flow.includes(i))]
    .slice(0, 6)
    .map((i) => (i.nodeId ? `${i.nodeId}: ${describeIssue(i)}` : describeIssue(i)))
    .join('\n');
  let content: ReactNode;
  let tone = '';
  if (validation.failure) {
    tone = 'warn';
    content = (
      <>
        <AlertIcon size={14} /> Couldn’t check
      </>
    );
  } else if (validation.checking && count === 0) {
    content = (
      <>
        <span className="spinner small" aria-hidden="true" /> Checking…
      </>
    );
  } else if (count === 0) {
    tone = 'ok';
    content = (
      <>
        <CheckIcon size={14} /> No problems
      </>
    );
  } else {
    tone = 'error';
    content = (
      <>
        <AlertIcon size={14} /> {plural(count, 'problem')}
      </>
    );
  }
  return (
    <button
      type="button"
      className={`tb-validation ${tone}`}
      onClick={onShow}
      aria-live="polite"
      data-testid="validation-status"
      data-state={validation.failure ? 'failed' : validation.checking ? 'checking' : count === 0 ? 'ok' : 'errors'}
      data-count={count}
      title={validation.failure ? `The server could not check the flow: ${validation.failure}` : count > 0 ? `${summary}\n\nShow the problems list` : 'Show the problems list'}
    >
      {content}
    </button>
  );
}

function ToolButton(props: { label: string; shortcut?: string; onClick(): void; disabled?: boolean; children: ReactNode; testId: string; pressed?: boolean; text?: boolean }) {
  return (
    <button
      type="button"
      className={`tb-button${props.text ? ' with-text' : ''}`}
      onClick={props.onClick}
      disabled={props.disabled}
      aria-label={props.label}
      aria-pressed={props.pressed}
      title={props.shortcut ? `${props.label} (${props.shortcut})` : props.label}
      data-testid={props.testId}
    >
      {props.children}
    </button>
  );
}

export interface ToolbarProps {
  flowId: string;
  name: string;
  onRename(name: string): void;
  status: FlowStatus;
  deployedVersion: number | null;
  isDirty: boolean;
  canUndo: boolean;
  canRedo: boolean;
  onUndo(): void;
  onRedo(): void;
  onLayout(): void;
  onFitView(): void;
  validation: GraphValidation;
  onShowProblems(): void;
  onTryIt(): void;
  tryItOpen: boolean;
  pendingDeadLetters: number | null;
  recordsPerSecond: number | null;
  onExport(): void;
  onSave(): void;
  saving: boolean;
  onDeploy(): void;
  deploying: boolean;
  onStop(): void;
  stopping: boolean;
  empty: boolean;
  /** The deployed flow's file sources: an upload button for each (the file becomes a run). */
  fileSources: string[];
  onUploaded(run: Run, file: File): void;
  onUploadError(message: string, file: File): void;
}

/** The editor's toolbar: the flow's name and state, editing commands, and save / deploy / stop. */
export function Toolbar(p: ToolbarProps) {
  const pending = p.pendingDeadLetters ?? 0;
  return (
    <div className="toolbar" role="toolbar" aria-label="Flow editor">
      <div className="tb-group tb-identity">
        <Link to="/" className="tb-back" aria-label="Back to the flows" title="Back to the flows">
          <BackIcon />
        </Link>
        <FlowName name={p.name} onRename={p.onRename} />
        <StatusBadge status={p.status} version={p.deployedVersion} />
        {p.isDirty && (
          <span className="tb-unsaved" data-testid="unsaved-marker" title="Changes not saved yet">
            <span className="tb-unsaved-dot" aria-hidden="true" />
            Unsaved changes
          </span>
        )}
        {p.status === 'deployed' && p.recordsPerSecond !== null && (
          <span className="tb-rate" data-testid="flow-rate" title="Records into the flow per second (last 10 s)">
            {formatRate(p.recordsPerSecond)}
          </span>
        )}
      </div>

      <div className="tb-group">
        <ToolButton label="Undo" shortcut={`${MOD}Z`} onClick={p.onUndo} disabled={!p.canUndo} testId="undo">
          <UndoIcon />
        </ToolButton>
        <ToolButton label="Redo" shortcut={`${MOD}Shift+Z`} onClick={p.onRedo} disabled={!p.canRedo} testId="redo">
          <RedoIcon />
        </ToolButton>
        <span className="tb-sep" aria-hidden="true" />
        <ToolButton label="Auto-layout" onClick={p.onLayout} disabled={p.empty} testId="auto-layout">
          <LayoutIcon />
        </ToolButton>
        <ToolButton label="Fit view" onClick={p.onFitView} disabled={p.empty} testId="fit-view">
          <FitIcon />
        </ToolButton>
        <span className="tb-sep" aria-hidden="true" />
        <ValidationStatus validation={p.validation} onShow={p.onShowProblems} />
      </div>

      <div className="tb-spacer" />

      <div className="tb-group">
        <ToolButton label="Try it" onClick={p.onTryIt} pressed={p.tryItOpen} testId="try-it" text>
          <FlaskIcon /> Try it
        </ToolButton>
        {p.status === 'deployed' &&
          p.fileSources.map((nodeId) => (
            <UploadFileButton key={nodeId} flowId={p.flowId} nodeId={nodeId} named={p.fileSources.length > 1} className="tb-button with-text" onUploaded={p.onUploaded} onError={p.onUploadError} />
          ))}
        <Link to={`/flows/${p.flowId}/runs`} className="tb-button with-text" data-testid="runs-link" title="Runs of the database, API and file sources: history, counts, re-run, file upload">
          <RunsIcon /> Runs
        </Link>
        <Link
          to={`/flows/${p.flowId}/dead-letters`}
          className={`tb-button with-text${pending > 0 ? ' has-dead' : ''}`}
          data-testid="dead-letters-link"
          aria-label={`Dead letters, ${formatCount(pending)} pending`}
          title="Records that could not be delivered, to fix and retry"
        >
          <InboxIcon /> Dead letters
          {pending > 0 && (
            <span className="tb-count" data-testid="dead-letters-count">
              {formatCount(pending)}
            </span>
          )}
        </Link>
        <ToolButton label="Export JSON" onClick={p.onExport} testId="export-json">
          <DownloadIcon />
        </ToolButton>
        <span className="tb-sep" aria-hidden="true" />
        <button type="button" className={`tb-save${p.isDirty ? ' dirty' : ''}`} onClick={p.onSave} disabled={p.saving || !p.isDirty} title={`Save the draft (${MOD}S)`} data-testid="save">
          {p.saving ? <span className="spinner small" aria-hidden="true" /> : <SaveIcon />}
          {p.saving ? 'Saving…' : p.isDirty ? 'Save' : 'Saved'}
        </button>
        {p.status === 'deployed' && (
          <button type="button" className="danger" onClick={p.onStop} disabled={p.stopping} data-testid="stop" title="Stop accepting records">
            {p.stopping ? <span className="spinner small" aria-hidden="true" /> : <StopIcon />}
            Stop
          </button>
        )}
        <button
          type="button"
          className="primary"
          onClick={p.onDeploy}
          disabled={p.deploying || p.saving}
          data-testid="deploy"
          title={p.isDirty ? 'Save the changes and deploy them as a new version' : 'Deploy the saved draft as a new version'}
        >
          {p.deploying ? <span className="spinner small light" aria-hidden="true" /> : <RocketIcon />}
          {p.deploying ? 'Deploying…' : p.isDirty ? 'Save & deploy' : p.status === 'deployed' ? 'Redeploy' : 'Deploy'}
        </button>
      </div>
    </div>
  );
}
