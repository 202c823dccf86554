import type pg from 'pg';
import type { Db } from '../storage/db.js';
import type { PlanCache } from '../compiler/plan-cache.js';
import type { IngestService } from '../ingest/ingest.js';
import type { Logger } from '../logger.js';
import type { Authenticator } from '../auth/authenticate.js';
import type { LoginLimiter } from '../auth/rate-limit.js';
import type { RouteDeclaration } from './route-table.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { SourceAuthenticator } from '../ingest/source-auth.js';
import type { Vault } from '../vault/secrets.js';
import type { IngestRequestCounter } from '../observability/ingest-requests.js';

/** What route handlers use; built once per server process. */
export interface ApiContext {
  pool: pg.Pool;
  db: Db;
  plans: PlanCache;
  ingest: IngestService;
  logger: Logger;
  ingestLimitBytes: number;
  /** Called after a flow's deploy, stop or delete so caches and other processes hear of it. */
  flowChanged(flowId: string): void;
  auth: Authenticator;
  loginLimiter: LoginLimiter;
  /** Every route's declared access, filled as the routers are built. */
  routes: RouteDeclaration[];
  /** Counts ingest answers by flow and status, for /metrics. */
  ingestRequests: IngestRequestCounter;
  /** True when Sluice serves HTTPS (session cookies are then Secure). */
  tls: boolean;
  /** True when HTTPS asks for client certificates (SLUICE_TLS_CLIENT_CA): mtls sources can work. */
  clientCertificates: boolean;
  /** File sources may read folders under this only (SLUICE_FILE_ROOT). */
  fileRoot: string;
  audit: AuditLog;
  sourceAuth: SourceAuthenticator;
  /** The pepper API keys of sources are hashed with. */
  keyPepper: Buffer;
  /** Origins allowed by CORS; empty: no cross-origin browser calls. */
  corsOrigins: string[];
  vault: Vault;
  /** Called after a secret changes: compiled plans holding its old value are dropped. */
  secretsChanged(): void;
}
