import type { Request, Response } from 'express';
import type pg from 'pg';
import type { AuditAction, AuditOutcome } from '@sluice/shared';
import type { Logger } from '../logger.js';
import { insertAuditRow } from './store.js';
import { whoOf } from './request.js';

/** Who did it, from where, in which request. */
export interface AuditWho {
  userId: string | null;
  /** Email or token name as text; null when nobody signed in. */
  actor: string | null;
  sourceIp: string | null;
  correlationId: string | null;
}

export interface AuditEvent {
  action: AuditAction;
  outcome: AuditOutcome;
  resource?: { type: string; id?: string | null };
  /** Context for a reader: never secret values, never full PII. */
  details?: Record<string, unknown>;
}

interface Window {
  until: number;
  first: number;
  repeated: number;
  who: AuditWho;
  event: AuditEvent;
}

/** Distinct coalescing keys kept at once; past it, failures share one key (the disk stays bounded). */
const MAX_WINDOWS = 10_000;

/**
 * Writes audit entries. `record` is for deliberate actions (sign-in, deploy, a key created): the
 * caller awaits it, so the action and its entry go together. `recordBounded` is for failures that a
 * stranger can provoke at will (bad ingest keys, 401s): the first per key and window is written at
 * once, repeats are only counted and written as one summary row when the window closes.
 */
export class AuditLog {
  private readonly windows = new Map<string, Window>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pool: pg.Pool,
    private readonly logger: Logger,
    /** How long failures with the same key are coalesced, ms. Default 60 000. */
    private readonly windowMs = 60_000,
  ) {
    this.timer = setInterval(() => void this.flush(false), Math.min(windowMs, 10_000));
    this.timer.unref();
  }

  async record(who: AuditWho, event: AuditEvent): Promise<void> {
    await insertAuditRow(this.pool, {
      ...who,
      action: event.action,
      outcome: event.outcome,
      resourceType: event.resource?.type ?? null,
      resourceId: event.resource?.id ?? null,
      details: event.details ?? {},
    });
  }

  /** Records a request's event with the caller taken from the request. */
  async recordRequest(req: Request, res: Response, event: AuditEvent): Promise<void> {
    await this.record(whoOf(req, res), event);
  }

  /** Fire and forget, coalesced per `key` (e.g. source + address) and window; never throws. */
  recordBounded(key: string, who: AuditWho, event: AuditEvent): void {
    const now = Date.now();
    const k = this.windows.size >= MAX_WINDOWS && !this.windows.has(key) ? '*overflow*' : key;
    const open = this.windows.get(k);
    if (open && now < open.until) {
      open.repeated += 1;
      return;
    }
    if (open) this.writeSummary(open);
    this.windows.set(k, { until: now + this.windowMs, first: now, repeated: 0, who, event });
    this.record(who, event).catch((err: unknown) => this.logger.error({ err, action: event.action }, 'could not write an audit entry'));
  }

  /** Writes the summaries of closed windows (all of them when `all`). */
  async flush(all: boolean): Promise<void> {
    const now = Date.now();
    const writes: Promise<void>[] = [];
    for (const [key, window] of this.windows) {
      if (!all && now < window.until) continue;
      this.windows.delete(key);
      if (window.repeated > 0) writes.push(this.writeSummary(window));
    }
    await Promise.all(writes);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
  }

  private writeSummary(window: Window): Promise<void> {
    const { event } = window;
    const summary: AuditEvent = {
      ...event,
      details: { ...event.details, repeated: window.repeated, coalescedFrom: new Date(window.first).toISOString(), coalescedMs: this.windowMs },
    };
    return this.record({ ...window.who, correlationId: null }, summary).catch((err: unknown) =>
      this.logger.error({ err, action: event.action }, 'could not write an audit summary'),
    );
  }
}

/**
 * For the vault: audit a secret's create, update or delete by its name (never its value).
 * @example await auditSecretChange(ctx.audit, req, res, 'create', 'crm-token')
 */
export function auditSecretChange(audit: AuditLog, req: Request, res: Response, change: 'create' | 'update' | 'delete', name: string): Promise<void> {
  return audit.recordRequest(req, res, { action: `secret.${change}`, outcome: 'success', resource: { type: 'secret', id: name } });
}
