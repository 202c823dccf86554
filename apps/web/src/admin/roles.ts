// The four roles in the analyst's words, and which of them a user may put on an API token.
import { mayGrant, RoleSchema, type Role, type SessionInfo } from '@sluice/shared';

export const ROLES: readonly Role[] = RoleSchema.options;

export const ROLE_LABELS: Record<Role, string> = {
  system_admin: 'System admin',
  flow_designer: 'Flow designer',
  data_consumer: 'Data consumer',
  data_producer: 'Data producer',
};

export const ROLE_SUMMARIES: Record<Role, string> = {
  system_admin: 'Everything: flows, users, secrets and the audit log.',
  flow_designer: 'Builds, deploys and stops flows; fixes and retries dead letters.',
  data_consumer: 'Reads flows, figures and dead letters; changes nothing.',
  data_producer: 'Sends records into the flows it is granted; nothing else.',
};

/** The roles the signed-in user may give a new API token (the server's own rule, `mayGrant`). */
export function grantableRoles(session: Pick<SessionInfo, 'user' | 'permissions'>): Role[] {
  return ROLES.filter((role) => mayGrant(session.user.role, role));
}
