import { describe, expect, it } from 'vitest';
import { ROLE_PERMISSIONS, type Role } from '@sluice/shared';
import { grantableRoles } from './roles';

const grantable = (role: Role) => grantableRoles({ user: { id: 'u', email: 'u@x', role, disabled: false, createdAt: '' }, permissions: [...ROLE_PERMISSIONS[role]] });

describe('grantableRoles (mirrors the server\'s mayGrant)', () => {
  it('gives each role what the server lets it put on a token', () => {
    expect(grantable('system_admin')).toEqual(['system_admin', 'flow_designer', 'data_consumer', 'data_producer']);
    expect(grantable('flow_designer')).toEqual(['flow_designer', 'data_consumer', 'data_producer']);
    expect(grantable('data_consumer')).toEqual(['data_consumer']);
    expect(grantable('data_producer')).toEqual(['data_producer']);
  });
});
