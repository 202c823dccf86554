CREATE TABLE "source_consumers" (
	"flow_id" uuid NOT NULL,
	"node_id" text NOT NULL,
	"version" integer NOT NULL,
	"holder" text,
	"lease_expires_at" timestamp with time zone NOT NULL,
	"state" text DEFAULT 'connecting' NOT NULL,
	"message" text,
	"state_since" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "source_consumers_flow_id_node_id_pk" PRIMARY KEY("flow_id","node_id")
);
--> statement-breakpoint
ALTER TABLE "source_consumers" ADD CONSTRAINT "source_consumers_flow_id_flows_id_fk" FOREIGN KEY ("flow_id") REFERENCES "public"."flows"("id") ON DELETE cascade ON UPDATE no action;