// The audit log page (admins): who did what, from where, and how it ended, newest first, with
// filters and a page at a time.
export { AuditPage } from './AuditPage';
