CREATE TABLE "change_approval_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ci_class" text,
	"service_id" uuid,
	"team" text NOT NULL,
	"rule" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "change_approval_rules_subject_team" UNIQUE NULLS NOT DISTINCT("ci_class","service_id","team"),
	CONSTRAINT "change_approval_rules_one_subject" CHECK ((ci_class is null) <> (service_id is null))
);
--> statement-breakpoint
CREATE TABLE "change_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"risk" text NOT NULL,
	"impact" integer NOT NULL,
	"urgency" integer NOT NULL,
	"implementation_plan" text NOT NULL,
	"backout_plan" text NOT NULL,
	"max_duration_minutes" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "change_templates_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "change_approval_rules" ADD CONSTRAINT "change_approval_rules_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "change_approval_rules" ADD CONSTRAINT "change_approval_rules_team_teams_name_fk" FOREIGN KEY ("team") REFERENCES "public"."teams"("name") ON DELETE cascade ON UPDATE no action;