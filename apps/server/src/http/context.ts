import type pg from 'pg';
import type { Db } from '../storage/db.js';
import type { PlanCache } from '../compiler/plan-cache.js';
import type { IngestService } from '../ingest/ingest.js';
import type { Logger } from '../logger.js';

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
}
