// The audit log: one module every route writes through (`AuditLog.record`), the append-only table's
// queries, and the request details an entry carries (who, from where, which correlation id).
export { AuditLog, auditSecretChange, type AuditEvent, type AuditWho } from './audit-log.js';
export { whoOf, correlationIdOf, clientAddress, maskEmail } from './request.js';
export { queryAudit } from './store.js';
