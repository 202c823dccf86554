import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '@sluice/shared';
import { applyAction, type DeadLetterPages } from './dead-letter-cache';
import { deadLetterKeys } from './dead-letter-query';

const FLOW = '11111111-1111-4111-8111-111111111111';
const row = (id: string, status: DeadLetter['status'] = 'pending'): DeadLetter => ({
  id,
  flowId: FLOW,
  nodeId: 'rules',
  version: 1,
  recordId: '01a21647-caea-75f2-b40c-fdb4c8cd1a84',
  correlationId: 'c',
  record: {},
  error: { kind: 'invalid', message: 'no' },
  attempts: 1,
  generation: 0,
  status,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});

describe('applyAction', () => {
  it('changes the status of the pending rows named, where they stand, and marks lists stale', async () => {
    const qc = new QueryClient();
    const key = deadLetterKeys.list({ flowId: FLOW, status: 'pending', nodeId: null, q: '' });
    const pages: DeadLetterPages = { pages: [{ items: [row('3'), row('2', 'discarded'), row('1')], nextCursor: null }], pageParams: [null] };
    qc.setQueryData(key, pages);

    await applyAction(qc, { ids: ['3', '2'] }, 'retried');

    const after = qc.getQueryData<DeadLetterPages>(key);
    expect(after?.pages[0]?.items.map((d) => [d.id, d.status])).toEqual([
      ['3', 'retried'],
      ['2', 'discarded'],
      ['1', 'pending'],
    ]);
    expect(qc.getQueryState(key)?.isInvalidated).toBe(true);
  });
});
