import { describe, expect, it } from 'vitest';
import { deadLetterListPath, filtersFromSearch, withSearchParam, type DeadLetterFilters } from './dead-letter-query';

const FLOW = '11111111-1111-4111-8111-111111111111';
const none: DeadLetterFilters = { flowId: null, status: 'pending', nodeId: null, q: '' };

describe('deadLetterListPath', () => {
  it('asks for pending ones across flows by default', () => {
    expect(deadLetterListPath(none)).toBe('/api/dead-letters?limit=50&status=pending');
  });

  it('uses the per-flow route, the cursor and every filter', () => {
    expect(deadLetterListPath({ flowId: FLOW, status: 'all', nodeId: 'rules', q: ' total must ' }, '119', 20)).toBe(
      `/api/flows/${FLOW}/dead-letters?limit=20&cursor=119&nodeId=rules&q=total+must`,
    );
  });
});

describe('filters in the address', () => {
  it('reads them, with pending as the default status and the route flow first', () => {
    expect(filtersFromSearch(new URLSearchParams(''), undefined)).toEqual(none);
    expect(filtersFromSearch(new URLSearchParams('status=retried&node=http&q=422&flow=other'), FLOW)).toEqual({ flowId: FLOW, status: 'retried', nodeId: 'http', q: '422' });
    expect(filtersFromSearch(new URLSearchParams('status=bogus&flow=' + FLOW), undefined)).toEqual({ ...none, flowId: FLOW });
  });

  it('writes them, dropping defaults and the node of another flow', () => {
    expect(withSearchParam(new URLSearchParams('status=all'), 'status', 'pending').toString()).toBe('');
    expect(withSearchParam(new URLSearchParams('node=rules'), 'flow', FLOW).toString()).toBe(`flow=${FLOW}`);
    expect(withSearchParam(new URLSearchParams('q=x&open=5'), 'q', '').toString()).toBe('open=5');
  });
});
