import type { FlowQuality } from '@sluice/shared';
import { formatMeasure, formatShare, meetsTarget, QUALITY_MEASURES, targetOf, valueOf, windowTitle } from './quality-view';
import { useFlowQuality } from './use-flow-quality';
import './metrics.css';

/** A flow's data quality over 5 min, 1 h and 24 h against its targets, beside the metrics. */
export function QualityPanel({ flowId }: { flowId: string }) {
  const quality = useFlowQuality(flowId);
  const data = quality.data;
  let body;
  if (quality.isPending) {
    body = (
      <div className="metrics-state" aria-busy="true">
        <span className="spinner" aria-hidden="true" /> Loading data quality…
      </div>
    );
  } else if (!data) {
    body = (
      <div className="metrics-state error-box" role="alert">
        Could not load the data quality: {quality.error?.message ?? 'no answer'}.
      </div>
    );
  } else {
    body = <QualityTable quality={data} />;
  }
  return (
    <section className="metrics-panel" data-testid="quality-panel" aria-label="Data quality">
      <header className="metrics-header">
        <h2>Data quality</h2>
        <span className="muted">Sliding windows · targets are flow settings</span>
      </header>
      {body}
    </section>
  );
}

function QualityTable({ quality }: { quality: FlowQuality }) {
  const { windows, targets } = quality;
  return (
    <>
      <table className="table quality-table" data-testid="quality-table">
        <thead>
          <tr>
            <th scope="col">Measure</th>
            {windows.map((w) => (
              <th scope="col" key={w.windowSeconds} className="num">
                Last {windowTitle(w.windowSeconds)}
              </th>
            ))}
            <th scope="col" className="num">
              Target
            </th>
          </tr>
        </thead>
        <tbody>
          {QUALITY_MEASURES.map((m) => (
            <tr key={m.id} data-testid={`quality-${m.id}`}>
              <th scope="row">
                <div>{m.title}</div>
                <div className="muted quality-explain">{m.explain}</div>
              </th>
              {windows.map((w) => {
                const value = valueOf(w, m.id);
                const ok = meetsTarget(m.id, value, targets);
                return (
                  <td key={w.windowSeconds} className={`num quality-cell${ok === false ? ' below' : ok ? ' ok' : ''}`} title={ok === false ? 'below target' : undefined}>
                    {formatMeasure(m.id, value)}
                  </td>
                );
              })}
              <td className="num muted">
                {m.id === 'freshness' ? '≤ ' : '≥ '}
                {formatMeasure(m.id, targetOf(targets, m.id))}
              </td>
            </tr>
          ))}
          <tr>
            <th scope="row" className="muted">
              Records (duplicates)
            </th>
            {windows.map((w) => (
              <td key={w.windowSeconds} className="num muted">
                {w.records.toLocaleString('en')} ({w.duplicates.toLocaleString('en')})
              </td>
            ))}
            <td />
          </tr>
        </tbody>
      </table>
      {quality.nodes.length > 0 && (
        <p className="metrics-footnote" data-testid="quality-validators">
          Passed by validator (5 min):{' '}
          {quality.nodes.map((n, i) => (
            <span key={n.nodeId}>
              {i > 0 && ' · '}
              <code>{n.nodeId}</code> {n.accuracy[0] === null || n.accuracy[0] === undefined ? '—' : formatShare(n.accuracy[0])}
            </span>
          ))}
        </p>
      )}
      <p className="metrics-footnote">
        Required fields: {quality.requiredFields.length ? quality.requiredFields.join(', ') : 'none (set them on the flow or add a JSON Schema validator)'} · event time:{' '}
        {quality.eventTimeField ?? 'when received'} · duplicate key: {quality.duplicateKey ?? 'none'}.
      </p>
    </>
  );
}
