CREATE TABLE "alert_channels" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"format" text NOT NULL,
	"secret" text NOT NULL,
	"flow_ids" uuid[] DEFAULT '{}' NOT NULL,
	"retry" jsonb NOT NULL,
	"timeout_ms" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_evaluations" (
	"id" integer PRIMARY KEY NOT NULL,
	"last_run_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"alert_id" bigint NOT NULL,
	"flow_id" uuid NOT NULL,
	"rule" text NOT NULL,
	"state" text NOT NULL,
	"value" jsonb,
	"threshold" jsonb NOT NULL,
	"message" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"flow_id" uuid NOT NULL,
	"rule" text NOT NULL,
	"state" text NOT NULL,
	"value" jsonb,
	"threshold" jsonb NOT NULL,
	"message" text NOT NULL,
	"since" timestamp with time zone DEFAULT now() NOT NULL,
	"firing_at" timestamp with time zone,
	"resolved_at" timestamp with time zone,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" text,
	"silenced_until" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ingest_request_counts" (
	"flow_key" text NOT NULL,
	"status" integer NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "ingest_request_counts_flow_key_status_pk" PRIMARY KEY("flow_key","status")
);
--> statement-breakpoint
CREATE TABLE "quality_keys" (
	"flow_id" uuid NOT NULL,
	"key_hash" text NOT NULL,
	"record_id" uuid NOT NULL,
	"seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "quality_keys_flow_id_key_hash_pk" PRIMARY KEY("flow_id","key_hash")
);
--> statement-breakpoint
ALTER TABLE "node_stats" ADD COLUMN "counts" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "node_stats_series" ADD COLUMN "counts" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_alert_id_alerts_id_fk" FOREIGN KEY ("alert_id") REFERENCES "public"."alerts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_events" ADD CONSTRAINT "alert_events_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quality_keys" ADD CONSTRAINT "quality_keys_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_events_flow_idx" ON "alert_events" USING btree ("flow_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_flow_rule_idx" ON "alerts" USING btree ("flow_id","rule");--> statement-breakpoint
CREATE INDEX "quality_keys_seen_idx" ON "quality_keys" USING btree ("seen_at");