// The contract between the server and the web app: zod schemas for graphs, records, API bodies and
// events. Both sides import from here; neither redeclares an API shape.
export * from './errors.js';
export * from './flow.js';
export * from './record.js';
export * from './dead-letter.js';
export * from './stats.js';
export * from './events.js';
export * from './node-type.js';
export * from './dry-run.js';
export * from './metrics.js';
export * from './auth.js';
export * from './audit.js';
export * from './source-key.js';
export * from './secret.js';
export * from './pii.js';
export * from './alerts.js';
export * from './quality.js';
export * from './workers.js';
export * from './run.js';
export * from './connector.js';
