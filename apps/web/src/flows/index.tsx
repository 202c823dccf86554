// Flows: the list of flows (create, rename, duplicate, delete, import, export) and the flow hooks.
export { FlowsPage } from './FlowsPage';
// Shared with the other feature pages (dead letters): the modal and the "3 min ago" cell.
export { Dialog } from './Dialog';
export { RelativeTime } from './RelativeTime';
