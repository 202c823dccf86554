import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import type { ConnectorStatus } from '@sluice/shared';
import type { NodeCounts, SluiceNode } from './graph-model';
import { describeIssue } from './issues';
import { formatCount, formatRate } from './format';
import { AlertIcon, KindIcon } from './icons';

/** Ports drawn for a node whose type the server does not know: one in, one out, so edges still show. */
const UNKNOWN_PORTS = { inputs: ['in'], outputs: ['out'] };

function Count({ label, value, testId, tone, title }: { label: string; value: string; testId: string; tone?: 'warn' | 'error'; title?: string }) {
  return (
    <span className={`sn-count${tone ? ` ${tone}` : ''}`} data-testid={testId} title={title}>
      <span className="sn-count-label">{label}</span>
      <span className="sn-count-value">{value}</span>
    </span>
  );
}

function CountsRow({ id, counts, isSink }: { id: string; counts: NodeCounts; isSink: boolean }) {
  const out = Object.values(counts.out).reduce((a, b) => a + b, 0);
  return (
    <div className={`sn-counts sn-counts-${counts.source}`} data-testid={`node-counts-${id}`} aria-label={counts.source === 'live' ? 'Live counts' : 'Try it counts'}>
      <span className="sn-counts-source">{counts.source === 'live' ? 'Live' : 'Try it'}</span>
      <Count label="In" value={formatCount(counts.in)} testId={`count-in-${id}`} />
      <Count label={isSink ? 'Sent' : 'Out'} value={formatCount(out)} testId={`count-out-${id}`} title={isSink && counts.source === 'dry-run' ? 'A dry run sends nothing: this is what would have been sent' : undefined} />
      {counts.errors > 0 && <Count label="Err" value={formatCount(counts.errors)} testId={`count-errors-${id}`} tone="warn" title="Records that failed at this node" />}
      {counts.deadLettered !== null && counts.deadLettered > 0 && <Count label="DLQ" value={formatCount(counts.deadLettered)} testId={`count-dead-${id}`} tone="error" title="Records dead-lettered at this node" />}
      {counts.rate !== null && <Count label="" value={formatRate(counts.rate)} testId={`count-rate-${id}`} title="Records in per second" />}
    </div>
  );
}

const CONNECTOR_LABEL: Record<ConnectorStatus['state'], string> = {
  connecting: 'Connecting',
  connected: 'Connected',
  reconnecting: 'Reconnecting',
  error: 'Cannot connect (still trying)',
  waiting: 'Waiting for a worker',
  stopped: 'Stopped',
};

/** A broker source's connection: a coloured dot, the details in its tooltip. */
function ConnectorDot({ id, connector }: { id: string; connector: ConnectorStatus }) {
  const lines = [CONNECTOR_LABEL[connector.state]];
  if (connector.message) lines.push(connector.message);
  if (connector.worker) lines.push(`worker ${connector.worker}`);
  if (connector.since) lines.push(`since ${new Date(connector.since).toLocaleString()}`);
  const text = lines.join('\n');
  return <span className={`sn-connector sn-connector-${connector.state}`} data-testid={`connector-${id}`} data-state={connector.state} title={text} role="img" aria-label={text} />;
}

/**
 * Every node type is drawn by this one component: a kind-coloured card with the node's title, its
 * input handles on the left and one named handle per output port on the right, a problem badge
 * from validation, and live or Try it counts. Memoised: a node re-renders only when its own data
 * object changes.
 */
export const FlowNode = memo(function FlowNode({ id, data, selected }: NodeProps<SluiceNode>) {
  const view = data.view;
  const info = view?.info;
  const kind = info?.kind ?? 'unknown';
  const { inputs, outputs } = info ?? UNKNOWN_PORTS;
  const issues = view?.issues ?? [];
  const counts = view?.counts ?? null;
  const health = view?.health ?? 'ok';
  const title = data.label || info?.title || data.type;
  const rows = Math.max(inputs.length, outputs.length, 1);
  const issueText = issues.map(describeIssue).join('\n');

  return (
    <div
      className={`sn sn-${kind} sn-health-${health}${issues.length ? ' sn-invalid' : ''}${selected ? ' sn-selected' : ''}`}
      data-testid={`node-${id}`}
      data-health={health}
      data-issues={issues.length}
    >
      <div className="sn-head">
        <span className="sn-icon" title={info ? `${info.title} (${info.kind})` : `unknown type ${data.type}`}>
          <KindIcon kind={kind} />
        </span>
        <div className="sn-titles">
          <div className="sn-title" title={title}>
            {title}
          </div>
          <div className="sn-sub">
            <span className="sn-id">{id}</span>
            {data.label && info ? <span> · {info.title}</span> : null}
            {!info && <span className="sn-unknown"> · unknown type</span>}
          </div>
        </div>
        {view?.connector && <ConnectorDot id={id} connector={view.connector} />}
        {issues.length > 0 && (
          <span className="sn-issues" data-testid={`node-issues-${id}`} title={issueText} role="img" aria-label={`${issues.length} problem${issues.length === 1 ? '' : 's'}: ${issueText}`}>
            <AlertIcon size={12} />
            {issues.length}
          </span>
        )}
        {health === 'error' && (
          <span className="sn-health-chip" title="Records are being dead-lettered at this node">
            DLQ ↑
          </span>
        )}
      </div>
      <div className="sn-ports">
        {Array.from({ length: rows }, (_, i) => {
          const input = inputs[i];
          const output = outputs[i];
          const portCount = output !== undefined && counts ? (counts.out[output] ?? 0) : null;
          return (
            <div className="sn-port-row" key={i}>
              {input !== undefined && (
                <>
                  <Handle type="target" position={Position.Left} id={input} className="sn-handle sn-handle-in" data-testid={`handle-${id}-${input}`} aria-label={`${id} input ${input}`} />
                  <span className="sn-port sn-port-in">{input}</span>
                </>
              )}
              {output !== undefined && (
                <>
                  <span className={`sn-port sn-port-out sn-port-${output}`}>
                    {output}
                    {portCount !== null && (
                      <span className="sn-port-count" data-testid={`port-count-${id}-${output}`}>
                        {formatCount(portCount)}
                      </span>
                    )}
                  </span>
                  <Handle type="source" position={Position.Right} id={output} className={`sn-handle sn-handle-out sn-handle-${output}`} data-testid={`handle-${id}-${output}`} aria-label={`${id} output ${output}`} />
                </>
              )}
            </div>
          );
        })}
      </div>
      {counts && <CountsRow id={id} counts={counts} isSink={kind === 'sink'} />}
    </div>
  );
});
