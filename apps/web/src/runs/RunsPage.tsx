import { useState } from 'react';
import { Link, useParams } from 'react-router';
import type { Run, RunSource } from '@sluice/shared';
import { RelativeTime } from '../flows';
import { useFlow } from '../flows/use-flows';
import { formatCronTime, nextCronTimes } from '../settings/cron-times';
import { completeness, formatDuration, RUN_STATUSES, TRIGGERS, uploadSummary } from './run-view';
import { UploadFileButton } from './UploadFileButton';
import { useRetryMissing, useRuns, useStartRun } from './use-runs';
import './runs.css';

type Notice = { tone: 'ok' | 'error'; text: string } | null;
const n = (v: number) => v.toLocaleString('en-US');

/**
 * `/flows/:flowId/runs`: the runs of the flow's pull and file sources — history with counts and
 * completeness, start a run (re-run), fetch an incomplete run's missing keys, upload a file.
 */
export function RunsPage() {
  const { flowId = '' } = useParams();
  const flow = useFlow(flowId);
  const runs = useRuns(flowId);
  const start = useStartRun(flowId);
  const retryMissing = useRetryMissing(flowId);
  const [notice, setNotice] = useState<Notice>(null);
  const sources = runs.data?.sources ?? [];
  const items = runs.data?.items ?? [];
  const byNode = new Map(sources.map((s) => [s.nodeId, s]));

  const run = (nodeId: string) =>
    start.mutate(
      { nodeId },
      {
        onSuccess: () => setNotice({ tone: 'ok', text: `Started a run of “${nodeId}”.` }),
        onError: (err) => setNotice({ tone: 'error', text: `Could not start a run: ${err.message}` }),
      },
    );
  const fetchMissing = (r: Run) =>
    retryMissing.mutate(r.id, {
      onSuccess: () => setNotice({ tone: 'ok', text: `Fetching the ${n(r.missing ?? 0)} missing records of this run again.` }),
      onError: (err) => setNotice({ tone: 'error', text: `Could not retry the missing records: ${err.message}` }),
    });
  const uploaded = (r: Run, file: File) => setNotice({ tone: 'ok', text: uploadSummary(r, file) });
  const uploadFailed = (message: string, file: File) => setNotice({ tone: 'error', text: `Could not upload ${file.name}: ${message}` });

  return (
    <div className="page runs-page">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to="/">Flows</Link>
        <span aria-hidden="true">/</span>
        <Link to={`/flows/${flowId}`}>{flow.data?.name ?? 'Flow'}</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">Runs</span>
      </nav>
      <div className="page-header">
        <h1>Runs of {flow.data?.name ?? '…'}</h1>
      </div>

      {runs.isSuccess && sources.length === 0 && (
        <div className="card runs-empty">
          <p>
            {flow.data?.status === 'deployed'
              ? 'This flow has no source that runs. Runs come from database, API and file sources.'
              : 'Deploy the flow to run its database, API and file sources.'}
          </p>
        </div>
      )}
      {sources.length > 0 && (
        <ul className="runs-sources" aria-label="Sources that run">
          {sources.map((s) => (
            <SourceCard key={s.nodeId} flowId={flowId} source={s} starting={start.isPending} onRun={() => run(s.nodeId)} onUploaded={uploaded} onUploadError={uploadFailed} />
          ))}
        </ul>
      )}

      {notice && (
        <div className={`notice notice-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'} data-testid="runs-notice">
          <div className="notice-text">{notice.text}</div>
          <button type="button" className="ghost small" aria-label="Dismiss" onClick={() => setNotice(null)}>
            ✕
          </button>
        </div>
      )}

      {runs.isPending ? (
        <div className="card runs-loading" aria-busy="true">
          <span className="spinner" aria-hidden="true" /> Loading runs…
        </div>
      ) : runs.isError ? (
        <div className="error-box" role="alert">
          <strong>Could not load the runs.</strong> {runs.error.message}
        </div>
      ) : items.length === 0 ? (
        sources.length > 0 && <div className="card runs-empty">No runs yet.</div>
      ) : (
        <div className="runs-table-wrap">
          <table className="table runs-table" data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Source</th>
                <th scope="col">Status</th>
                <th scope="col" className="num" title="Records the source said it holds (count query, X-Total-Count, control total)">Expected</th>
                <th scope="col" className="num">Fetched</th>
                <th scope="col" className="num" title="Records that went through without a dead letter">Delivered</th>
                <th scope="col" className="num">Dead letters</th>
                <th scope="col">Completeness</th>
                <th scope="col" className="num">Duration</th>
                <th scope="col" aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <RunRow key={r.id} run={r} flowId={flowId} source={byNode.get(r.nodeId)} busy={retryMissing.isPending} onRetryMissing={() => fetchMissing(r)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function SourceCard({ flowId, source, starting, onRun, onUploaded, onUploadError }: { flowId: string; source: RunSource; starting: boolean; onRun(): void; onUploaded(run: Run, file: File): void; onUploadError(message: string, file: File): void }) {
  const next = source.schedule ? nextCronTimes(source.schedule, source.timezone ?? undefined, 1) : null;
  return (
    <li className="card runs-source">
      <div className="runs-source-name">
        <strong>{source.nodeId}</strong> <span className="muted mono">{source.type}</span>
      </div>
      <div className="muted runs-source-schedule">
        {source.mode === 'file'
          ? 'Each uploaded file is a run.'
          : source.schedule
            ? `Schedule ${source.schedule}${source.timezone ? ` (${source.timezone})` : ' (UTC)'}${next && 'times' in next && next.times[0] ? ` · next ${formatCronTime(next.times[0], source.timezone ?? undefined)}` : ''}`
            : 'No schedule: runs start by hand.'}
      </div>
      {source.mode === 'pull' ? (
        <button type="button" className="primary small" disabled={starting} onClick={onRun} data-testid={`run-${source.nodeId}`}>
          Run now
        </button>
      ) : (
        <UploadFileButton flowId={flowId} nodeId={source.nodeId} onUploaded={onUploaded} onError={onUploadError} />
      )}
    </li>
  );
}

function RunRow({ run, flowId, source, busy, onRetryMissing }: { run: Run; flowId: string; source: RunSource | undefined; busy: boolean; onRetryMissing(): void }) {
  const status = RUN_STATUSES[run.status];
  const complete = completeness(run);
  const missingKeys = run.missingKeys ?? [];
  return (
    <tr data-testid="run-row">
      <td className="runs-time">
        <RelativeTime iso={run.startedAt} />
        <div className="muted runs-trigger">{TRIGGERS[run.trigger]}</div>
      </td>
      <td className="runs-node">{run.nodeId}</td>
      <td>
        <span className={`badge ${status.tone}`}>
          {run.status === 'running' && <span className="spinner small" aria-hidden="true" />}
          {status.label}
        </span>
        {run.error && <div className="runs-error" title={run.error}>{run.error}</div>}
      </td>
      <td className="num">{run.expected === null ? '—' : n(run.expected)}</td>
      <td className="num">{n(run.fetched)}</td>
      <td className="num">{n(run.delivered)}</td>
      <td className="num">
        {run.deadLettered > 0 ? <Link to={`/flows/${flowId}/dead-letters`}>{n(run.deadLettered)}</Link> : '0'}
      </td>
      <td className={`runs-complete tone-${complete.tone}`}>
        {complete.text}
        {missingKeys.length > 0 && (
          <details className="runs-missing">
            <summary>Missing keys</summary>
            <code>{missingKeys.slice(0, 50).join(', ')}{missingKeys.length > 50 ? ` … and ${n(missingKeys.length - 50)} more` : ''}</code>
          </details>
        )}
      </td>
      <td className="num">{formatDuration(run.durationMs)}</td>
      <td className="runs-actions">
        {run.status === 'incomplete' && missingKeys.length > 0 && source?.canRetryMissing && (
          <button type="button" className="small" disabled={busy} onClick={onRetryMissing} title="Fetch just the missing records again, in this run">
            Retry missing
          </button>
        )}
      </td>
    </tr>
  );
}
