CREATE TABLE "run_pages" (
	"run_id" uuid NOT NULL,
	"page_no" integer NOT NULL,
	"record_count" integer NOT NULL,
	"keys" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "run_pages_run_id_page_no_pk" PRIMARY KEY("run_id","page_no")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"flow_id" uuid NOT NULL,
	"node_id" text NOT NULL,
	"version" integer NOT NULL,
	"trigger" text NOT NULL,
	"scheduled_for" timestamp with time zone,
	"status" text DEFAULT 'running' NOT NULL,
	"phase" text DEFAULT 'fetching' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"deadline_at" timestamp with time zone NOT NULL,
	"expected" bigint,
	"fetched" bigint DEFAULT 0 NOT NULL,
	"delivered" bigint DEFAULT 0 NOT NULL,
	"dead_lettered" bigint DEFAULT 0 NOT NULL,
	"missing" bigint,
	"missing_keys" jsonb,
	"missing_retried" boolean DEFAULT false NOT NULL,
	"pages" integer DEFAULT 0 NOT NULL,
	"cursor" jsonb,
	"watermark_from" jsonb,
	"watermark_to" jsonb,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "source_state" (
	"flow_id" uuid NOT NULL,
	"node_id" text NOT NULL,
	"watermark" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "source_state_flow_id_node_id_pk" PRIMARY KEY("flow_id","node_id")
);
--> statement-breakpoint
ALTER TABLE "chunks" ADD COLUMN "run_id" uuid;--> statement-breakpoint
ALTER TABLE "run_pages" ADD CONSTRAINT "run_pages_run_id_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_state" ADD CONSTRAINT "source_state_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "runs_flow_idx" ON "runs" USING btree ("flow_id","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "runs_schedule_idx" ON "runs" USING btree ("flow_id","node_id","scheduled_for");--> statement-breakpoint
CREATE INDEX "chunks_run_idx" ON "chunks" USING btree ("run_id") WHERE run_id IS NOT NULL;