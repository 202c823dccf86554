import { useState } from 'react';
import type { DryRunNode } from '@sluice/shared';
import { formatCount } from './format';

/** Records shown per column before "show more": the panel stays light with large samples. */
const PAGE = 20;

function RecordList({ records, total, testId, empty }: { records: readonly unknown[]; total: number; testId: string; empty: string }) {
  const [shown, setShown] = useState(PAGE);
  if (records.length === 0) return <p className="rc-empty">{empty}</p>;
  return (
    <ol className="rc-records" data-testid={testId}>
      {records.slice(0, shown).map((record, i) => (
        <li key={i}>
          <span className="rc-index">#{i + 1}</span>
          <pre>{JSON.stringify(record, null, 2)}</pre>
        </li>
      ))}
      {records.length > shown && (
        <li className="rc-more">
          <button type="button" className="ghost" onClick={() => setShown(shown + PAGE)}>
            Show {Math.min(PAGE, records.length - shown)} more
          </button>
        </li>
      )}
      {total > records.length && <li className="rc-note muted">First {formatCount(records.length)} of {formatCount(total)} shown.</li>}
    </ol>
  );
}

/**
 * A node's Try it records: what came in beside what left on each output port, and the records that
 * failed with why.
 */
export function RecordsCompare({ result, outputs }: { result: DryRunNode; outputs: readonly string[] }) {
  const ports = [...new Set([...outputs, ...Object.keys(result.out)])];
  const [port, setPort] = useState(ports[0] ?? '');
  const current = ports.includes(port) ? port : (ports[0] ?? '');
  const out = result.outputs[current] ?? [];
  return (
    <div className="records-compare" data-testid={`dry-run-records-${result.nodeId}`}>
      <div className="rc-columns">
        <section className="rc-column" aria-label="Input records">
          <h4>
            Input <span className="rc-count">{formatCount(result.in)}</span>
          </h4>
          <RecordList records={result.input} total={result.in} testId="dry-run-input" empty="No records reached this node." />
        </section>
        <section className="rc-column" aria-label="Output records">
          <h4 className="rc-ports" role="tablist" aria-label="Output port">
            {ports.length === 0 && <span>Output</span>}
            {ports.map((p) => (
              <button
                key={p}
                type="button"
                role="tab"
                aria-selected={p === current}
                className={`rc-port${p === current ? ' active' : ''}`}
                onClick={() => setPort(p)}
                data-testid={`dry-run-port-${p}`}
              >
                {p} <span className="rc-count">{formatCount(result.out[p] ?? 0)}</span>
              </button>
            ))}
          </h4>
          <RecordList key={current} records={out} total={result.out[current] ?? 0} testId="dry-run-output" empty={ports.length === 0 ? 'A sink has no output port.' : `Nothing left on ${current}.`} />
        </section>
      </div>
      {result.errors.length > 0 && (
        <section className="rc-errors" aria-label="Failed records" data-testid="dry-run-errors">
          <h4>
            Failed <span className="rc-count error">{formatCount(result.errors.length)}</span>
          </h4>
          <ol>
            {result.errors.map((e, i) => (
              <li key={i}>
                <div className="rc-error-message">{e.error.message}</div>
                {e.error.failures && e.error.failures.length > 0 && (
                  <ul className="rc-failures">
                    {e.error.failures.map((f, j) => (
                      <li key={j}>
                        {f.rule ?? f.path ? <code>{f.rule ?? f.path}</code> : null} {f.message}
                      </li>
                    ))}
                  </ul>
                )}
                <details>
                  <summary>Record</summary>
                  <pre>{JSON.stringify(e.record, null, 2)}</pre>
                </details>
              </li>
            ))}
          </ol>
        </section>
      )}
    </div>
  );
}
