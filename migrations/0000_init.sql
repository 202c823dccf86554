CREATE TABLE "chunks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"flow_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"node_id" text NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"record_count" integer NOT NULL,
	"records" jsonb NOT NULL,
	"retry_key" text,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dead_letters" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"flow_id" uuid NOT NULL,
	"node_id" text NOT NULL,
	"version" integer NOT NULL,
	"record_id" uuid NOT NULL,
	"correlation_id" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"generation" integer DEFAULT 0 NOT NULL,
	"record" jsonb,
	"error" jsonb NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "flow_versions" (
	"flow_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"graph" jsonb NOT NULL,
	"settings" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "flow_versions_flow_id_version_pk" PRIMARY KEY("flow_id","version")
);
--> statement-breakpoint
CREATE TABLE "flows" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"graph" jsonb NOT NULL,
	"settings" jsonb NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"deployed_version" integer,
	"salt" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deployed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "node_stats" (
	"flow_id" uuid NOT NULL,
	"node_id" text NOT NULL,
	"records_in" bigint DEFAULT 0 NOT NULL,
	"records_out" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"errors" bigint DEFAULT 0 NOT NULL,
	"dead_lettered" bigint DEFAULT 0 NOT NULL,
	"latency" bigint[] DEFAULT '{}' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "node_stats_flow_id_node_id_pk" PRIMARY KEY("flow_id","node_id")
);
--> statement-breakpoint
CREATE TABLE "node_stats_series" (
	"flow_id" uuid NOT NULL,
	"node_id" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"records_in" bigint DEFAULT 0 NOT NULL,
	"records_out" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"errors" bigint DEFAULT 0 NOT NULL,
	"dead_lettered" bigint DEFAULT 0 NOT NULL,
	"latency" bigint[] DEFAULT '{}' NOT NULL,
	CONSTRAINT "node_stats_series_flow_id_node_id_bucket_pk" PRIMARY KEY("flow_id","node_id","bucket")
);
--> statement-breakpoint
CREATE TABLE "worker_processes" (
	"id" text PRIMARY KEY NOT NULL,
	"pool_ids" text[] DEFAULT '{}' NOT NULL,
	"hostname" text NOT NULL,
	"pid" integer NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chunks" ADD CONSTRAINT "chunks_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dead_letters" ADD CONSTRAINT "dead_letters_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flow_versions" ADD CONSTRAINT "flow_versions_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_stats" ADD CONSTRAINT "node_stats_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_stats_series" ADD CONSTRAINT "node_stats_series_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chunks_flow_idx" ON "chunks" USING btree ("flow_id","node_id");--> statement-breakpoint
CREATE UNIQUE INDEX "chunks_retry_key_idx" ON "chunks" USING btree ("retry_key");--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_record_node_gen_idx" ON "dead_letters" USING btree ("record_id","node_id","generation");--> statement-breakpoint
CREATE INDEX "dead_letters_flow_idx" ON "dead_letters" USING btree ("flow_id","id");--> statement-breakpoint
CREATE INDEX "dead_letters_pending_idx" ON "dead_letters" USING btree ("flow_id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "node_stats_series_bucket_idx" ON "node_stats_series" USING btree ("bucket");