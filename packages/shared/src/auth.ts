import { z } from 'zod';

/** Who may do what. system_admin: everything; flow_designer: build and run flows; data_consumer: read; data_producer: ingest into granted flows. */
export const RoleSchema = z.enum(['system_admin', 'flow_designer', 'data_consumer', 'data_producer']);
export type Role = z.infer<typeof RoleSchema>;

/** Every permission a route or socket subscription can require. */
export const PermissionSchema = z.enum([
  'flows:read',
  'flows:write',
  'flows:deploy',
  'flows:ingest',
  'dead_letters:read',
  'dead_letters:write',
  'pii:read',
  'tokens:own',
  'users:manage',
  'audit:read',
  'secrets:manage',
  /** Acknowledge and silence alerts. */
  'alerts:write',
  /** Add and remove alert notification channels (where alerts are sent). */
  'alerts:configure',
]);
export type Permission = z.infer<typeof PermissionSchema>;

/** The permissions of each role: the one table the server enforces and the web app reads. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  system_admin: PermissionSchema.options,
  flow_designer: ['flows:read', 'flows:write', 'flows:deploy', 'flows:ingest', 'dead_letters:read', 'dead_letters:write', 'tokens:own', 'alerts:write'],
  data_consumer: ['flows:read', 'dead_letters:read', 'tokens:own'],
  data_producer: ['flows:ingest', 'tokens:own'],
};

/** An email address; `admin@localhost` counts (zod's `.email()` wants a dotted domain). */
export const EmailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+$/, 'an email address looks like name@host');

const RANK: Record<Role, number> = { system_admin: 3, flow_designer: 2, data_consumer: 1, data_producer: 0 };

/**
 * May a user with role `owner` hand out an API token with role `wanted`? An admin any; anyone
 * else their own role or a lower one (never system_admin), and data_producer only with flows:ingest.
 */
export function mayGrant(owner: Role, wanted: Role): boolean {
  if (owner === 'system_admin') return true;
  if (wanted === 'data_producer') return ROLE_PERMISSIONS[owner].includes('flows:ingest');
  return wanted !== 'system_admin' && RANK[wanted] <= RANK[owner];
}

export const UserSchema = z.object({
  id: z.string().uuid(),
  email: z.string(),
  role: RoleSchema,
  disabled: z.boolean(),
  createdAt: z.string(),
});
export type User = z.infer<typeof UserSchema>;

export const LoginBodySchema = z.object({
  email: EmailSchema,
  password: z.string().min(1).max(1024),
});
export type LoginBody = z.infer<typeof LoginBodySchema>;

/** What `POST /api/auth/login` and `GET /api/auth/me` answer: the user, their permissions, and the CSRF token for cookie-authenticated writes. */
export const SessionInfoSchema = z.object({
  user: UserSchema,
  permissions: z.array(PermissionSchema),
  csrfToken: z.string().nullable(),
});
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

export const CreateTokenBodySchema = z.object({
  name: z.string().trim().min(1).max(100),
  /** At most the creator's own role. Default: the creator's role. */
  role: RoleSchema.optional(),
  /** For data_producer tokens: the flows it may ingest into. */
  flowIds: z.array(z.string().uuid()).max(1000).optional(),
});
export type CreateTokenBody = z.infer<typeof CreateTokenBodySchema>;

export const ApiTokenSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  role: RoleSchema,
  flowIds: z.array(z.string()),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiToken = z.infer<typeof ApiTokenSchema>;

export const CreateUserBodySchema = z.object({
  email: EmailSchema,
  password: z.string().min(12, 'a password needs at least 12 characters').max(1024),
  role: RoleSchema,
  flowIds: z.array(z.string().uuid()).max(1000).optional(),
});
export type CreateUserBody = z.infer<typeof CreateUserBodySchema>;

export const UpdateUserBodySchema = z.object({
  role: RoleSchema.optional(),
  disabled: z.boolean().optional(),
  password: z.string().min(12, 'a password needs at least 12 characters').max(1024).optional(),
  flowIds: z.array(z.string().uuid()).max(1000).optional(),
});
export type UpdateUserBody = z.infer<typeof UpdateUserBodySchema>;

/** Header that carries the CSRF token on writes authenticated by the session cookie. */
export const CSRF_HEADER = 'x-csrf-token';
