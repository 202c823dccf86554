import { z } from 'zod';

/** The seed's five alert rules. */
export const AlertRuleSchema = z.enum(['data_flow_stopped', 'high_error_rate', 'sla_breach', 'data_quality_degradation', 'queue_backlog_growing']);
export type AlertRule = z.infer<typeof AlertRuleSchema>;

/**
 * One rule's settings. `threshold` means, per rule: high_error_rate — processing errors over records
 * in (fires above); sla_breach — p95 end-to-end ms (fires above); data_quality_degradation — the
 * worst quality share (fires below); queue_backlog_growing — records waiting (fires above);
 * data_flow_stopped — unused (it fires when a flow that had traffic in the last hour has none for
 * `windowSeconds`, or its due chunks wait longer than that).
 */
export const AlertRuleSettingsSchema = z.object({
  enabled: z.boolean(),
  threshold: z.number().min(0),
  /** How long the condition must hold before pending becomes firing, s. */
  forSeconds: z.number().min(0).max(86_400),
  /**
   * The sliding window the rule measures over, s. Workers flush their counts once a second into
   * one-second buckets, so a record counts in a window of W seconds for W − 2 to W seconds.
   */
  windowSeconds: z.number().min(1).max(86_400),
});
export type AlertRuleSettings = z.infer<typeof AlertRuleSettingsSchema>;

/** The seed's thresholds; `for` and windows are ours (Prometheus-like: a few minutes). */
export const ALERT_RULE_DEFAULTS: Record<AlertRule, AlertRuleSettings> = {
  data_flow_stopped: { enabled: true, threshold: 0, forSeconds: 0, windowSeconds: 300 },
  high_error_rate: { enabled: true, threshold: 0.05, forSeconds: 120, windowSeconds: 300 },
  sla_breach: { enabled: true, threshold: 30_000, forSeconds: 120, windowSeconds: 300 },
  data_quality_degradation: { enabled: true, threshold: 0.95, forSeconds: 300, windowSeconds: 300 },
  queue_backlog_growing: { enabled: true, threshold: 1000, forSeconds: 120, windowSeconds: 300 },
};

const THRESHOLD_HELP: Record<AlertRule, string> = {
  data_flow_stopped: 'Unused: the rule fires when a flow that had traffic in the last hour has none for the window, or its due records wait longer than the window.',
  high_error_rate: 'Fires above this share of failed attempts over records in (0.05 = 5%).',
  sla_breach: 'Fires when the p95 receive-to-delivery latency is above this, in ms.',
  data_quality_degradation: 'Fires when the worst of completeness, accuracy and consistency falls below this share.',
  queue_backlog_growing: 'Fires above this many records waiting.',
};

/** One rule's overrides; the form shows the rule's defaults (JSON Schema `default`), parsing fills none. */
function ruleOverride(rule: AlertRule, description: string) {
  const d = ALERT_RULE_DEFAULTS[rule];
  return z
    .object({
      enabled: z.boolean().optional().meta({ default: d.enabled, description: 'Evaluate this rule for the flow. Default on.' }),
      threshold: z.number().min(0).optional().meta({ default: d.threshold, description: `${THRESHOLD_HELP[rule]} Default ${d.threshold}.` }),
      forSeconds: z.number().min(0).max(86_400).optional().meta({ default: d.forSeconds, description: `How long the condition must hold before the alert fires, s. Default ${d.forSeconds}.` }),
      windowSeconds: z.number().min(1).max(86_400).optional().meta({ default: d.windowSeconds, description: `The sliding window measured, s. Default ${d.windowSeconds}. Counts arrive once a second in one-second steps, so a window of a few seconds holds a record for a second or two less than it says.` }),
    })
    .strict()
    .optional()
    .describe(description);
}

/** A flow's overrides, rule by rule and field by field; what is not given keeps the default. */
export const FlowAlertSettingsSchema = z
  .object({
    data_flow_stopped: ruleOverride('data_flow_stopped', 'No records for the window after traffic in the last hour, or records not moving.'),
    high_error_rate: ruleOverride('high_error_rate', 'Too many failed attempts (sink errors, transform errors).'),
    sla_breach: ruleOverride('sla_breach', 'Records take too long from receipt to delivery (p95).'),
    data_quality_degradation: ruleOverride('data_quality_degradation', 'Completeness, accuracy or consistency under target.'),
    queue_backlog_growing: ruleOverride('queue_backlog_growing', 'Too many records waiting.'),
  })
  .strict()
  .describe('Alert rules for this flow; leave a field empty for its default.');
export type FlowAlertSettings = z.infer<typeof FlowAlertSettingsSchema>;

/** A rule's effective settings for a flow. */
export function alertRuleSettings(overrides: FlowAlertSettings | undefined, rule: AlertRule): AlertRuleSettings {
  return { ...ALERT_RULE_DEFAULTS[rule], ...(overrides?.[rule] ?? {}) };
}

export const AlertStateSchema = z.enum(['pending', 'firing', 'resolved']);
export type AlertState = z.infer<typeof AlertStateSchema>;

/** The current state of one (flow, rule). */
export const AlertSchema = z.object({
  id: z.number().int(),
  flowId: z.string().uuid(),
  flowName: z.string(),
  rule: AlertRuleSchema,
  state: AlertStateSchema,
  /** What the rule measured at the last evaluation; null when there was nothing to measure. */
  value: z.number().nullable(),
  threshold: z.number(),
  message: z.string(),
  /** When this episode began (pending). */
  since: z.string(),
  firingAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
  /** Notifications and the banner stay quiet until then. */
  silencedUntil: z.string().nullable(),
  updatedAt: z.string(),
});
export type Alert = z.infer<typeof AlertSchema>;

export const AlertListSchema = z.object({ items: z.array(AlertSchema) });
export type AlertList = z.infer<typeof AlertListSchema>;

export const AlertListQuerySchema = z.object({
  /** Only alerts in this state. Default: pending and firing. */
  state: z.enum(['pending', 'firing', 'resolved', 'active', 'all']).default('active'),
  flowId: z.string().uuid().optional(),
});

/** One state change. */
export const AlertEventSchema = z.object({
  id: z.number().int(),
  alertId: z.number().int(),
  flowId: z.string().uuid(),
  flowName: z.string(),
  rule: AlertRuleSchema,
  state: AlertStateSchema,
  value: z.number().nullable(),
  threshold: z.number(),
  message: z.string(),
  at: z.string(),
});
export type AlertEvent = z.infer<typeof AlertEventSchema>;

export const AlertHistoryQuerySchema = z.object({
  /** The `nextCursor` of the previous page. */
  cursor: z.coerce.number().int().positive().optional(),
  /** Events per page. Default 50. */
  limit: z.coerce.number().int().min(1).max(500).default(50),
  flowId: z.string().uuid().optional(),
  rule: AlertRuleSchema.optional(),
});
export type AlertHistoryQuery = z.infer<typeof AlertHistoryQuerySchema>;

export const AlertHistoryPageSchema = z.object({ items: z.array(AlertEventSchema), nextCursor: z.number().int().nullable() });
export type AlertHistoryPage = z.infer<typeof AlertHistoryPageSchema>;

export const SilenceAlertBodySchema = z.object({
  /** Quiet for this many minutes (at most 30 days). */
  minutes: z.number().int().min(1).max(43_200),
});
export type SilenceAlertBody = z.infer<typeof SilenceAlertBodySchema>;

/** Where notifications go: a signed JSON webhook, or a Slack-compatible incoming webhook. */
export const AlertChannelFormatSchema = z.enum(['webhook', 'slack']);

const RetrySchema = z.object({
  strategy: z.enum(['exponential', 'linear', 'fixed']).default('exponential'),
  maxAttempts: z.number().int().min(1).max(100).default(8),
  baseDelayMs: z.number().int().min(0).max(3_600_000).default(1000),
  maxDelayMs: z.number().int().min(0).max(86_400_000).default(300_000),
});

export const CreateAlertChannelBodySchema = z.object({
  name: z.string().trim().min(1).max(100),
  url: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'use an http:// or https:// URL')
    .refine((u) => !new URL(u).username && !new URL(u).password, 'put no credentials in the URL'),
  format: AlertChannelFormatSchema.default('webhook'),
  /** Signs the body (HMAC-SHA256). Default: generated, shown once in the answer. */
  secret: z.string().min(16, 'a signing secret needs at least 16 characters').max(200).optional(),
  /** Only alerts of these flows; empty for every flow. Default every flow. */
  flowIds: z.array(z.string().uuid()).max(1000).default([]),
  /** Retries of a failed delivery (the sink.http policy). Default 8 attempts, exponential from 1 s up to 5 min. */
  retry: RetrySchema.prefault({}),
  timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
});
export type CreateAlertChannelBody = z.infer<typeof CreateAlertChannelBodySchema>;

export const AlertChannelSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  url: z.string(),
  format: AlertChannelFormatSchema,
  flowIds: z.array(z.string()),
  retry: RetrySchema,
  timeoutMs: z.number().int(),
  createdAt: z.string(),
});
export type AlertChannel = z.infer<typeof AlertChannelSchema>;

/** The answer to a create: a signing secret Sluice generated, shown this once (one the caller gave is never echoed). */
export const CreatedAlertChannelSchema = AlertChannelSchema.extend({ secret: z.string().optional() });
export type CreatedAlertChannel = z.infer<typeof CreatedAlertChannelSchema>;

/**
 * The signed webhook's body. The `x-sluice-signature` header is
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the channel's secret>`.
 */
export const AlertNotificationSchema = z.object({
  // The state change as in the history, named by its alert: `id` is the alert's id, not the event's.
  alert: AlertEventSchema.omit({ id: true, alertId: true }).extend({ id: z.number().int() }),
});
export type AlertNotification = z.infer<typeof AlertNotificationSchema>;

export const ALERT_SIGNATURE_HEADER = 'x-sluice-signature';
