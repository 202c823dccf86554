// Identity and authorization: users, sessions and API tokens (who is asking), the role → permission
// table (what they may do), login rate limits, the first admin, and the revocation listener that
// makes a revoked credential stop working in every server process at once. Routes declare what
// they need in http/route-table.ts; this folder answers whether the caller has it.
export { Authenticator, type Principal } from './authenticate.js';
export { ensureFirstAdmin } from './bootstrap.js';
export { RevocationListener, type Revocation } from './revocations.js';
