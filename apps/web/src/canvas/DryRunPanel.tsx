import { useMemo, useRef, useState } from 'react';
import type { DryRunResult, Issue } from '@sluice/shared';
import { FORMAT_LABEL, parseSampleRecords } from './sample-records';
import type { SluiceNode } from './graph-model';
import { describeIssue } from './issues';
import { formatCount, plural } from './format';
import { PlayIcon, UploadIcon } from './icons';

export interface DryRunPanelProps {
  sources: readonly SluiceNode[];
  nodes: readonly SluiceNode[];
  titleOf(node: SluiceNode): string;
  onRun(records: Record<string, unknown>[], sourceNodeId: string | undefined): void;
  running: boolean;
  error: { message: string; issues: Issue[] } | null;
  result: DryRunResult | null;
  stale: boolean;
  onClear(): void;
  onSelectNode(id: string): void;
}

const PLACEHOLDER = `Paste sample records: a JSON array, one JSON object, NDJSON or CSV with a header row, e.g.
[{ "id": "o-1", "customer_email": "Ann@Example.com", "items": [{ "sku": "A-1", "price": 9.99, "qty": 2 }], "total": 19.98 }]`;

/**
 * Try it: sample records in (pasted or from a file), run through the unsaved flow with sinks
 * disabled, and a table of what each node did. The nodes on the canvas show the same counts.
 */
export function DryRunPanel(p: DryRunPanelProps) {
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string | undefined>(undefined);
  const [convertTypes, setConvertTypes] = useState(true);
  const [source, setSource] = useState('');
  const fileInput = useRef<HTMLInputElement>(null);
  const parsed = useMemo(() => (text.trim() === '' ? null : parseSampleRecords(text, { fileName, convertTypes })), [text, fileName, convertTypes]);

  const run = () => {
    if (parsed?.ok) p.onRun(parsed.records, source === '' ? undefined : source);
  };

  const order = new Map(p.nodes.map((n, i) => [n.id, i]));
  const rows = p.result ? [...p.result.nodes].sort((a, b) => (order.get(a.nodeId) ?? 0) - (order.get(b.nodeId) ?? 0)) : [];
  const byId = new Map(p.nodes.map((n) => [n.id, n]));

  return (
    <div className="dry-run" data-testid="dry-run-panel">
      <section className="dr-input" aria-labelledby="dr-input-title">
        <div className="dr-head">
          <h3 id="dr-input-title">Sample records</h3>
          <button type="button" className="ghost small" onClick={() => fileInput.current?.click()} data-testid="dry-run-upload">
            <UploadIcon size={14} /> Upload file
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".json,.ndjson,.jsonl,.csv,.tsv,.txt,application/json,text/csv"
            className="visually-hidden"
            aria-label="Upload sample records"
            data-testid="dry-run-file"
            tabIndex={-1}
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (!file) return;
              setFileName(file.name);
              setText(await file.text());
              e.target.value = '';
            }}
          />
        </div>
        <label htmlFor="dry-run-samples" className="visually-hidden">
          Sample records
        </label>
        <textarea
          id="dry-run-samples"
          className="dr-text mono"
          placeholder={PLACEHOLDER}
          value={text}
          spellCheck={false}
          onChange={(e) => {
            setText(e.target.value);
            setFileName(undefined);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              run();
            }
          }}
          data-testid="dry-run-input"
        />
        <div className="dr-controls">
          <span className={`dr-parse${parsed && !parsed.ok ? ' error' : ''}`} data-testid="dry-run-parse" aria-live="polite">
            {parsed === null
              ? 'JSON, NDJSON or CSV'
              : parsed.ok
                ? `${plural(parsed.records.length, 'record')} · ${FORMAT_LABEL[parsed.format]}${fileName ? ` · ${fileName}` : ''}${parsed.note ? ` · ${parsed.note}` : ''}`
                : `${parsed.format ? `${FORMAT_LABEL[parsed.format]}: ` : ''}${parsed.message}`}
          </span>
          {parsed?.ok && parsed.format === 'csv' && (
            <label className="dr-check">
              <input type="checkbox" checked={convertTypes} onChange={(e) => setConvertTypes(e.target.checked)} /> Numbers and true/false as JSON
            </label>
          )}
          {p.sources.length > 1 && (
            <label className="dr-source">
              <span>Into</span>
              <select value={source} onChange={(e) => setSource(e.target.value)} aria-label="Source the records enter at" data-testid="dry-run-source">
                <option value="">every source</option>
                {p.sources.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.id}
                  </option>
                ))}
              </select>
            </label>
          )}
          <button type="button" className="primary" onClick={run} disabled={!parsed?.ok || p.running} data-testid="dry-run-run" title="Run the samples through the flow (Ctrl/⌘+Enter); nothing is delivered">
            {p.running ? <span className="spinner small light" aria-hidden="true" /> : <PlayIcon size={14} />}
            {p.running ? 'Running…' : 'Run'}
          </button>
        </div>
      </section>

      <section className="dr-results" aria-labelledby="dr-results-title" aria-live="polite">
        <div className="dr-head">
          <h3 id="dr-results-title">Results</h3>
          {p.result && (
            <span className="muted dr-meta" data-testid="dry-run-duration">
              in {formatCount(Math.round(p.result.durationMs))} ms · sinks disabled
            </span>
          )}
          {p.stale && p.result && (
            <span className="badge warn" title="The flow changed since this run: run again to see the effect">
              outdated
            </span>
          )}
          {p.result && (
            <button type="button" className="ghost small" onClick={p.onClear} data-testid="dry-run-clear">
              Clear
            </button>
          )}
        </div>
        {p.error && (
          <div className="error-box" role="alert" data-testid="dry-run-error">
            {p.error.message}
            {p.error.issues.length > 0 && (
              <ul>
                {p.error.issues.map((issue, i) => (
                  <li key={i}>
                    {issue.nodeId ? (
                      <button type="button" className="link" onClick={() => issue.nodeId && p.onSelectNode(issue.nodeId)}>
                        {issue.nodeId}
                      </button>
                    ) : null}{' '}
                    {describeIssue(issue)}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        {!p.result && !p.error && <p className="muted dr-none">Run sample records to see what every node does with them. Nothing is sent to the sinks.</p>}
        {p.result && (
          <table className="table dr-table" data-testid="dry-run-results">
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">In</th>
                <th scope="col">Out</th>
                <th scope="col">Failed</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const node = byId.get(r.nodeId);
                return (
                  <tr key={r.nodeId} className="selectable" onClick={() => p.onSelectNode(r.nodeId)} data-testid={`dry-run-row-${r.nodeId}`}>
                    <td>
                      <button type="button" className="link" onClick={(e) => (e.stopPropagation(), p.onSelectNode(r.nodeId))}>
                        {node ? p.titleOf(node) : r.nodeId}
                      </button>
                      <span className="muted mono dr-id">{r.nodeId}</span>
                    </td>
                    <td className="num" data-testid={`dry-run-in-${r.nodeId}`}>
                      {formatCount(r.in)}
                    </td>
                    <td>
                      {Object.entries(r.out).map(([port, n]) => (
                        <span key={port} className="dr-port" data-testid={`dry-run-out-${r.nodeId}-${port}`}>
                          {port} <strong>{formatCount(n)}</strong>
                        </span>
                      ))}
                    </td>
                    <td className={`num${r.errors.length ? ' error' : ''}`} data-testid={`dry-run-failed-${r.nodeId}`}>
                      {formatCount(r.errors.length)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
