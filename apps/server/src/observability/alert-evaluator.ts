// Evaluates the alert rules about every `intervalMs`, in exactly one process at a time: every
// process runs a timer, and each tick first takes a transaction-scoped advisory lock and checks
// when the cluster last evaluated, so any number of processes keep one cadence. States go
// pending → firing → resolved; every change is written to alert_events, and a change to or from
// firing enqueues one durable `send_alert` job per channel (in the same transaction).
import type pg from 'pg';
import { alertRuleSettings, FlowSettingsSchema, type AlertRule, type AlertState, type Graph } from '@sluice/shared';
import type { Logger } from '../logger.js';
import { judge, measureFlow, RULES, type Judgement } from './alert-rules.js';
import { inTransaction } from '../storage/db.js';

/** The advisory lock key of alert evaluation (any constant no other lock uses). */
const ALERT_LOCK = 7_201_502;

export interface AlertEvaluatorOptions {
  /** How often the rules are evaluated, cluster-wide, ms. Default 15000. */
  intervalMs?: number;
}

interface CurrentAlert {
  id: number;
  flow_id: string;
  rule: AlertRule;
  state: AlertState;
  since: string;
  silenced_until: string | null;
}

export class AlertEvaluator {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<boolean> | null = null;
  readonly intervalMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    options: AlertEvaluatorOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 15_000;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), Math.max(100, Math.floor(this.intervalMs / 3)));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /**
   * One attempt: evaluates if no other process is and the cluster's last evaluation is due.
   * Resolves true when this process evaluated.
   */
  tick(): Promise<boolean> {
    this.running ??= this.evaluate()
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'alert evaluation failed; trying again at the next tick');
        return false;
      })
      .finally(() => (this.running = null));
    return this.running;
  }

  /** Returns whether this process evaluated. */
  private async evaluate(): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const { rows: locked } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [ALERT_LOCK]);
      if (!locked[0]!.ok) {
        return false;
      }
      // Due when the last evaluation (by any process) is at least 90% of an interval old.
      const { rows: due } = await client.query<{ due: boolean }>(
        `SELECT NOT EXISTS (SELECT 1 FROM alert_evaluations WHERE id = 1 AND last_run_at > now() - make_interval(secs => $1::double precision / 1000)) AS due`,
        [this.intervalMs * 0.9],
      );
      if (!due[0]!.due) {
        return false;
      }
      await this.evaluateAll(client);
      await client.query(
        `INSERT INTO alert_evaluations (id, last_run_at) VALUES (1, now()) ON CONFLICT (id) DO UPDATE SET last_run_at = now()`,
      );
      return true;
    });
  }

  private async evaluateAll(client: pg.PoolClient): Promise<void> {
    const [{ rows: flows }, { rows: current }] = await Promise.all([
      this.pool.query<{ id: string; graph: Graph; settings: unknown }>(`SELECT id, graph, settings FROM flows WHERE status = 'deployed'`),
      client.query<CurrentAlert>(`SELECT id, flow_id, rule, state, since, silenced_until FROM alerts`),
    ]);
    const byKey = new Map(current.map((a) => [`${a.flow_id}:${a.rule}`, a]));
    const deployed = new Set(flows.map((f) => f.id));
    for (const flow of flows) {
      const settings = FlowSettingsSchema.parse(flow.settings);
      const measure = await measureFlow(this.pool, flow.id, flow.graph, settings);
      for (const rule of RULES) {
        const ruleSettings = alertRuleSettings(settings.alerts, rule);
        const existing = byKey.get(`${flow.id}:${rule}`);
        const verdict: Judgement = ruleSettings.enabled ? judge(rule, measure, settings) : { breaching: false, value: null, threshold: ruleSettings.threshold, message: 'the rule is disabled for this flow' };
        await this.apply(client, flow.id, rule, existing, verdict, ruleSettings.forSeconds);
      }
    }
    // Flows no longer deployed: their open alerts end.
    for (const alert of current) {
      if (deployed.has(alert.flow_id) || alert.state === 'resolved') continue;
      await this.transition(client, alert, 'resolved', { breaching: false, value: null, threshold: 0, message: 'the flow is no longer deployed' });
    }
  }

  private async apply(client: pg.PoolClient, flowId: string, rule: AlertRule, existing: CurrentAlert | undefined, verdict: Judgement, forSeconds: number): Promise<void> {
    const active = existing && existing.state !== 'resolved';
    if (verdict.breaching && !active) {
      // A new episode: pending (or firing at once with no `for`).
      const { rows } = await client.query<CurrentAlert>(
        `INSERT INTO alerts (flow_id, rule, state, value, threshold, message, since, firing_at, resolved_at, acknowledged_at, acknowledged_by, updated_at)
         VALUES ($1, $2, 'pending', $3, $4, $5, now(), NULL, NULL, NULL, NULL, now())
         ON CONFLICT (flow_id, rule) DO UPDATE SET state = 'pending', value = excluded.value, threshold = excluded.threshold,
           message = excluded.message, since = now(), firing_at = NULL, resolved_at = NULL, acknowledged_at = NULL,
           acknowledged_by = NULL, updated_at = now()
         RETURNING id, flow_id, rule, state, since, silenced_until`,
        [flowId, rule, JSON.stringify(verdict.value), JSON.stringify(verdict.threshold), verdict.message],
      );
      const alert = rows[0]!;
      await this.recordEvent(client, alert, 'pending', verdict);
      if (forSeconds <= 0) await this.transition(client, alert, 'firing', verdict);
      return;
    }
    if (!existing || !active) return;
    if (!verdict.breaching) {
      await this.transition(client, existing, 'resolved', verdict);
      return;
    }
    const { rows } = await client.query<{ held: boolean }>(
      `UPDATE alerts SET value = $2, threshold = $3, message = $4, updated_at = now() WHERE id = $1
       RETURNING since <= now() - make_interval(secs => $5::double precision) AS held`,
      [existing.id, JSON.stringify(verdict.value), JSON.stringify(verdict.threshold), verdict.message, forSeconds],
    );
    if (existing.state === 'pending' && rows[0]?.held) await this.transition(client, existing, 'firing', verdict);
  }

  private async transition(client: pg.PoolClient, alert: CurrentAlert, to: AlertState, verdict: Judgement): Promise<void> {
    const wasFiring = alert.state === 'firing';
    await client.query(
      `UPDATE alerts SET state = $2, value = $3, threshold = $4, message = $5, updated_at = now(),
         firing_at = CASE WHEN $2 = 'firing' THEN now() ELSE firing_at END,
         resolved_at = CASE WHEN $2 = 'resolved' THEN now() ELSE resolved_at END
       WHERE id = $1`,
      [alert.id, to, JSON.stringify(verdict.value), JSON.stringify(verdict.threshold), verdict.message],
    );
    const eventId = await this.recordEvent(client, alert, to, verdict);
    alert.state = to;
    // People hear of firing, and of the end of what fired; a pending that clears is noise.
    const notify = to === 'firing' || (to === 'resolved' && wasFiring);
    const silenced = alert.silenced_until !== null && Date.parse(alert.silenced_until) > Date.now();
    if (notify && !silenced) await this.enqueueNotifications(client, alert.flow_id, eventId);
    this.logger.info({ flowId: alert.flow_id, rule: alert.rule, state: to, value: verdict.value, threshold: verdict.threshold, silenced }, 'alert state changed');
  }

  private async recordEvent(client: pg.PoolClient, alert: CurrentAlert, state: AlertState, verdict: Judgement): Promise<number> {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO alert_events (alert_id, flow_id, rule, state, value, threshold, message) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [alert.id, alert.flow_id, alert.rule, state, JSON.stringify(verdict.value), JSON.stringify(verdict.threshold), verdict.message],
    );
    return Number(rows[0]!.id);
  }

  /** One durable job per channel that covers the flow, written in the evaluation's transaction. */
  private async enqueueNotifications(client: pg.PoolClient, flowId: string, eventId: number): Promise<void> {
    await client.query(
      `SELECT graphile_worker.add_job('send_alert', json_build_object('eventId', $1::bigint, 'channelId', c.id, 'attempt', 1),
                                      job_key := 'alert:' || $1::text || ':' || c.id::text || ':1', max_attempts := 1)
       FROM alert_channels c WHERE cardinality(c.flow_ids) = 0 OR $2::uuid = ANY (c.flow_ids)`,
      [eventId, flowId],
    );
  }
}
