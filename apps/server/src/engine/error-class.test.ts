import { describe, expect, it } from 'vitest';
import { errorClass } from './execute.js';

describe('the class label of a processing error', () => {
  it('is the HTTP status class when there was a response', () => {
    expect(errorClass({ kind: 'permanent', status: 404, message: 'HTTP 404' })).toBe('4xx');
    expect(errorClass({ kind: 'exhausted', status: 429, message: 'HTTP 429' })).toBe('4xx');
    expect(errorClass({ kind: 'exhausted', status: 503, message: 'HTTP 503' })).toBe('5xx');
  });

  it('is timeout or connection when the sink says so, invalid for records a node could not process, else other', () => {
    expect(errorClass({ kind: 'exhausted', cause: 'timeout', message: 'timed out after 200 ms' })).toBe('timeout');
    expect(errorClass({ kind: 'exhausted', cause: 'connection', message: 'failed to connect' })).toBe('connection');
    expect(errorClass({ kind: 'transform', message: 'node failed' })).toBe('invalid');
    expect(errorClass({ kind: 'invalid', message: 'broke 1 of 1 rule' })).toBe('invalid');
    expect(errorClass({ kind: 'permanent', message: 'relation does not exist (SQLSTATE 42P01)' })).toBe('other');
  });
});
