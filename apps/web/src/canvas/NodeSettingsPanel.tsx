import { useMemo } from 'react';
import type { DryRunNode, Issue, NodeStats, NodeTypeInfo } from '@sluice/shared';
import { SchemaForm, type PathSegment } from '../settings';
import type { SluiceNode } from './graph-model';
import { describeIssue, splitNodeIssues } from './issues';
import { formatCount } from './format';
import { KindIcon, TrashIcon } from './icons';
import { RecordsCompare } from './RecordsCompare';
import { IngestHelp } from './FlowPanel';
import { useSecretNames } from './use-secret-names';
import { SourceKeys } from './SourceKeys';

/** A webhook takes API keys when its auth says so, or says nothing (the default). */
function usesApiKeys(config: Record<string, unknown>): boolean {
  const auth = config.auth;
  return auth === undefined || (typeof auth === 'object' && auth !== null && 'type' in auth && auth.type === 'apiKey');
}

export interface NodeSettingsPanelProps {
  node: SluiceNode;
  info: NodeTypeInfo | undefined;
  issues: readonly Issue[];
  dryRun: DryRunNode | undefined;
  /** The dry run was made on an earlier version of the graph. */
  dryRunStale: boolean;
  live: NodeStats | undefined;
  onConfig(config: Record<string, unknown>, changed: readonly PathSegment[]): void;
  onLabel(label: string): void;
  onDelete(): void;
  flowId: string;
  /** The flow's sources: a source's panel shows where records are posted. */
  sourceCount: number;
}

function LiveFigures({ stats }: { stats: NodeStats }) {
  const ms = (v: number | null) => (v === null ? '—' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);
  return (
    <dl className="live-figures" data-testid="node-live-figures">
      <div>
        <dt>In</dt>
        <dd>{formatCount(stats.in)}</dd>
      </div>
      {Object.entries(stats.out).map(([port, n]) => (
        <div key={port}>
          <dt>Out · {port}</dt>
          <dd>{formatCount(n)}</dd>
        </div>
      ))}
      <div>
        <dt>Errors</dt>
        <dd className={stats.errors > 0 ? 'warn' : undefined}>{formatCount(stats.errors)}</dd>
      </div>
      <div>
        <dt>Dead-lettered</dt>
        <dd className={stats.deadLettered > 0 ? 'error' : undefined}>{formatCount(stats.deadLettered)}</dd>
      </div>
      <div>
        <dt>Queued</dt>
        <dd>{formatCount(stats.queued)}</dd>
      </div>
      <div>
        <dt>Latency p50 / p95 / p99</dt>
        <dd>
          {ms(stats.latencyMs.p50)} / {ms(stats.latencyMs.p95)} / {ms(stats.latencyMs.p99)}
        </dd>
      </div>
    </dl>
  );
}

/**
 * The selected node's settings: label, id, the form drawn from its type's JSON Schema with errors on
 * their fields, and — after Try it — its input and output records side by side.
 */
export function NodeSettingsPanel(p: NodeSettingsPanelProps) {
  const { node, info } = p;
  const { config: configErrors, other } = useMemo(() => splitNodeIssues(p.issues), [p.issues]);
  const secretNames = useSecretNames();
  const labelId = `node-label-${node.id}`;
  return (
    <div className="settings-panel" data-testid="node-settings" aria-label={`Settings of ${node.id}`}>
      <header className={`sp-header kind-${info?.kind ?? 'unknown'}`}>
        <span className="sp-icon">
          <KindIcon kind={info?.kind ?? 'unknown'} />
        </span>
        <div className="sp-titles">
          <h2>{info?.title ?? node.data.type}</h2>
          <div className="sp-type mono">{node.data.type}</div>
        </div>
        <button type="button" className="icon-button danger" onClick={p.onDelete} aria-label={`Delete node ${node.id}`} title="Delete node (Delete)" data-testid="delete-node">
          <TrashIcon />
        </button>
      </header>
      {info && <p className="sp-summary">{info.summary}</p>}
      {!info && <div className="error-box">The server has no node type “{node.data.type}”. Delete this node or import the flow on a server that has it.</div>}

      <div className="sp-row">
        <div className="field">
          <label htmlFor={labelId}>Label</label>
          <input id={labelId} value={node.data.label ?? ''} placeholder={info?.title ?? node.data.type} maxLength={200} onChange={(e) => p.onLabel(e.target.value)} data-testid="node-label" />
        </div>
        <div className="field sp-id">
          <label htmlFor={`node-id-${node.id}`}>ID</label>
          <input id={`node-id-${node.id}`} value={node.id} readOnly className="mono" data-testid="node-id" title="Ids are fixed: dead letters and counters refer to them" />
        </div>
      </div>

      {other.length > 0 && (
        <ul className="sp-issues" role="alert" data-testid="node-issues">
          {other.map((issue, i) => (
            <li key={i}>{describeIssue(issue)}</li>
          ))}
        </ul>
      )}

      {info && (
        <section className="sp-section" aria-labelledby={`settings-${node.id}`}>
          <div className="sp-section-head">
            <h3 id={`settings-${node.id}`}>Settings</h3>
            {info.examples.length > 0 && (
              <select
                className="sp-examples"
                aria-label="Replace the settings with an example"
                value=""
                data-testid="load-example"
                onChange={(e) => {
                  const example = info.examples[Number(e.target.value)];
                  if (example) p.onConfig(structuredClone(example.config), []);
                }}
              >
                <option value="">Load an example…</option>
                {info.examples.map((ex, i) => (
                  <option key={i} value={String(i)}>
                    {ex.title}
                  </option>
                ))}
              </select>
            )}
          </div>
          <SchemaForm schema={info.configSchema} value={node.data.config} onChange={p.onConfig} errors={configErrors} idPrefix={node.id} secretNames={secretNames} />
        </section>
      )}

      {info?.kind === 'source' && <IngestHelp flowId={p.flowId} sourceIds={p.sourceCount > 1 ? [node.id] : []} />}
      {node.data.type === 'source.webhook' && usesApiKeys(node.data.config) && <SourceKeys flowId={p.flowId} nodeId={node.id} />}

      {p.dryRun && (
        <section className="sp-section" aria-labelledby={`dry-${node.id}`}>
          <div className="sp-section-head">
            <h3 id={`dry-${node.id}`}>Try it records</h3>
            {p.dryRunStale && <span className="badge warn" title="The flow changed since this run">outdated</span>}
          </div>
          <RecordsCompare result={p.dryRun} outputs={info?.outputs ?? []} />
        </section>
      )}

      {p.live && (
        <section className="sp-section" aria-labelledby={`live-${node.id}`}>
          <div className="sp-section-head">
            <h3 id={`live-${node.id}`}>Live</h3>
            <span className="muted sp-note" title="Counters may count a chunk twice after a worker crash; delivered rows and dead letters are exact">
              since the flow was created
            </span>
          </div>
          <LiveFigures stats={p.live} />
        </section>
      )}
    </div>
  );
}
