import { describe, it, expect } from 'vitest';
import { asSink, build, makeContext, makeRecord } from '../testing.js';
import { LOG_DATA_LIMIT, logSink } from './log.js';

describe('sink.log', () => {
  it('logs each record with its ids and data when asked, and delivers it', async () => {
    const ctx = makeContext();
    const records = [makeRecord({ a: 1 }), makeRecord({ b: 'two' })];
    const outcomes = await asSink(build(logSink, { includeData: true }, ctx)).deliver(records);
    expect(outcomes).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
    expect(ctx.lines).toEqual(
      records.map((r) => ({ obj: { flowId: 'flow-1', nodeId: 'node-1', id: r.id, correlationId: r.correlationId, data: JSON.stringify(r.data) }, msg: 'record' })),
    );
  });

  it('cuts long data at 1 KB and says so', async () => {
    const ctx = makeContext();
    await asSink(build(logSink, { includeData: true }, ctx)).deliver([makeRecord({ text: 'x'.repeat(5000) })]);
    const line = ctx.lines[0]!.obj as { data: string; truncated?: boolean };
    expect(line.data).toHaveLength(LOG_DATA_LIMIT + 1);
    expect(line.data.endsWith('…')).toBe(true);
    expect(line.truncated).toBe(true);
  });

  it('leaves the data out by default', async () => {
    const ctx = makeContext();
    const record = makeRecord({ secret: 'x' });
    await asSink(build(logSink, {}, ctx)).deliver([record]);
    expect(ctx.lines).toEqual([{ obj: { flowId: 'flow-1', nodeId: 'node-1', id: record.id, correlationId: record.correlationId }, msg: 'record' }]);
  });

  it('never retries', () => {
    expect(asSink(build(logSink, {})).retry.maxAttempts).toBe(1);
  });
});
