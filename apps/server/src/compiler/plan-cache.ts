import { eq, and } from 'drizzle-orm';
import type { Db } from '../storage/db.js';
import { flowVersions, flows } from '../storage/schema.js';
import { FlowSettingsSchema, type FlowSettings } from '@sluice/shared';
import type { Plan } from './compile.js';
import { compileWithSecrets } from './compile-with-secrets.js';
import type { Vault } from '../vault/secrets.js';

import { ExternalPools, runContextFactory } from '../engine/connections.js';
import type { Logger } from '../logger.js';
import { secretNamesIn } from '../vault/resolve.js';

/** A deployed version's plan with the settings it was deployed with. */
export interface DeployedPlan extends Plan {
  settings: FlowSettings;
  /** True when the plan holds resolved vault secrets (it is then recompiled now and then). */
  usesSecrets: boolean;
}

/**
 * How long a plan that holds vault secrets is kept before it is compiled again with their current
 * values: a secret replaced through another server process reaches this one within this time.
 * (The process that changes a secret drops its plans at once.)
 */
export const SECRET_PLAN_TTL_MS = 60_000;

/**
 * Compiled plans per (flow, version). Versions are immutable, so an entry goes stale only through
 * the vault secrets it resolved (see SECRET_PLAN_TTL_MS); the cache is bounded so a server with
 * many flows does not hold every plan.
 */
export class PlanCache {
  private readonly plans = new Map<string, Promise<DeployedPlan | null>>();
  /** When plans that hold secrets must be compiled again, by key. */
  private readonly expiry = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly pools: ExternalPools,
    private readonly logger: Logger,
    private readonly vault: Vault,
    private readonly egressFetch: typeof fetch,
    private readonly maxEntries = 500,
  ) {}

  /** Forgets every plan (a secret changed: plans hold resolved values). */
  clear(): void {
    this.plans.clear();
    this.expiry.clear();
  }

  /** The plan, or null when the version does not exist (the flow was deleted). */
  get(flowId: string, version: number): Promise<DeployedPlan | null> {
    const key = `${flowId}@${version}`;
    let entry = this.plans.get(key);
    const expires = this.expiry.get(key);
    if (entry && expires !== undefined && Date.now() > expires) {
      this.plans.delete(key);
      this.expiry.delete(key);
      entry = undefined;
    }
    if (entry) {
      // Re-insert to keep recently used plans at the end (LRU by insertion order).
      this.plans.delete(key);
      this.plans.set(key, entry);
      return entry;
    }
    entry = this.load(flowId, version);
    entry.then(
      (plan) => {
        if (plan?.usesSecrets) this.expiry.set(key, Date.now() + SECRET_PLAN_TTL_MS);
      },
      () => this.plans.delete(key),
    );
    this.plans.set(key, entry);
    if (this.plans.size > this.maxEntries) {
      const oldest = this.plans.keys().next().value!;
      this.plans.delete(oldest);
      this.expiry.delete(oldest);
    }
    return entry;
  }

  private async load(flowId: string, version: number): Promise<DeployedPlan | null> {
    const rows = await this.db
      .select({ graph: flowVersions.graph, settings: flowVersions.settings, salt: flows.salt })
      .from(flowVersions)
      .innerJoin(flows, eq(flows.id, flowVersions.flowId))
      .where(and(eq(flowVersions.flowId, flowId), eq(flowVersions.version, version)));
    const row = rows[0];
    if (!row) return null;
    // Secrets are resolved here, in the process that runs the plan: the stored graph keeps only their names.
    const settings = FlowSettingsSchema.parse(row.settings);
    const result = await compileWithSecrets(row.graph, runContextFactory({ id: flowId, salt: row.salt, pii: settings.pii }, this.pools, this.logger, this.egressFetch), this.vault);
    if (!result.ok) {
      // Deploy compiled this graph already; failing now means the node types changed underneath it.
      throw new Error(`flow ${flowId} version ${version} no longer compiles: ${result.errors.map((e) => e.message).join('; ')}`);
    }
    return { ...result.plan, settings, usesSecrets: secretNamesIn(row.graph).size > 0 };
  }
}
