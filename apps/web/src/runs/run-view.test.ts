import { describe, expect, it } from 'vitest';
import type { Run } from '@sluice/shared';
import { completeness, formatDuration } from './run-view';

const run = (over: Partial<Run>): Run => ({
  id: '0190a0a0-0000-7000-8000-000000000001',
  flowId: '0190a0a0-0000-7000-8000-000000000002',
  nodeId: 'src',
  version: 1,
  trigger: 'manual',
  scheduledFor: null,
  status: 'succeeded',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:05.000Z',
  durationMs: 5000,
  expected: 100,
  fetched: 100,
  delivered: 98,
  deadLettered: 2,
  missing: 0,
  missingKeys: [],
  inFlight: 0,
  pages: 1,
  watermarkFrom: null,
  watermarkTo: null,
  error: null,
  ...over,
});

describe('run view', () => {
  it('formats durations from milliseconds to hours', () => {
    expect([850, 42_000, 185_000, 7_440_000].map(formatDuration)).toEqual(['850 ms', '42 s', '3 min 05 s', '2 h 04 min']);
  });

  it('says how complete a run is', () => {
    expect(completeness(run({}))).toEqual({ text: 'all 100 expected records fetched', tone: 'ok' });
    expect(completeness(run({ status: 'incomplete', fetched: 97, missing: 3 }))).toEqual({ text: '3 missing of 100', tone: 'warn' });
    expect(completeness(run({ status: 'running', fetched: 40, delivered: 30, deadLettered: 0 }))).toEqual({ text: '40 of 100 fetched, 30 settled', tone: 'muted' });
    expect(completeness(run({ status: 'failed', fetched: 40 }))).toEqual({ text: 'stopped after 40 fetched', tone: 'error' });
    expect(completeness(run({ expected: null, missing: null, fetched: 1200 }))).toEqual({ text: '1,200 fetched (the source gave no count)', tone: 'ok' });
    expect(completeness(run({ trigger: 'file', expected: null, missing: null, fetched: 4 }))).toEqual({ text: '4 lines read', tone: 'ok' });
  });
});
