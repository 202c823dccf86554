import { describe, expect, it } from 'vitest';
import { AuditQuerySchema } from '@sluice/shared';
import { auditListPath, NO_FILTERS } from './audit-query';

const query = (path: string) => Object.fromEntries(new URL(path, 'http://x').searchParams);

describe('auditListPath', () => {
  it('asks for the first page with no filters', () => {
    expect(auditListPath(NO_FILTERS)).toBe('/api/audit?limit=50');
  });

  it('sends every filter the server knows, and nothing it would refuse', () => {
    const path = auditListPath({ action: 'auth.login', outcome: 'failure', user: '  alice@example.com ', resourceType: 'user', from: '2026-01-02T03:04', to: 'not a date' }, '123');
    const q = query(path);
    expect(q).toMatchObject({ cursor: '123', action: 'auth.login', outcome: 'failure', user: 'alice@example.com', resourceType: 'user' });
    expect(new Date(q.from!).getTime()).toBe(new Date('2026-01-02T03:04').getTime());
    expect(q.to).toBeUndefined();
    expect(AuditQuerySchema.safeParse(q).success).toBe(true);
  });
});
