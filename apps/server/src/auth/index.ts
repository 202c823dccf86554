// Identity and authorization: users, sessions and API tokens (who is asking), the role → permission
// table (what they may do), login rate limits, and the first admin. Routes declare what they need
// in http/route-table.ts; this folder answers whether the caller has it.
export { authenticate, type Principal } from './authenticate.js';
export { ensureFirstAdmin } from './bootstrap.js';
