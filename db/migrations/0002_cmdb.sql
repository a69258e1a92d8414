CREATE TABLE "calendars" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"time_zone" text NOT NULL,
	"week" jsonb NOT NULL,
	"holidays" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendars_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "ci_relations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source_id" uuid NOT NULL,
	"type" text NOT NULL,
	"target_id" uuid NOT NULL,
	"dependent_id" uuid GENERATED ALWAYS AS (case when type in ('hosts', 'member_of') then target_id else source_id end) STORED NOT NULL,
	"provider_id" uuid GENERATED ALWAYS AS (case when type in ('hosts', 'member_of') then source_id else target_id end) STORED NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ci_relations_not_self" CHECK (source_id <> target_id)
);
--> statement-breakpoint
CREATE TABLE "cis" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"class" text NOT NULL,
	"name" text NOT NULL,
	"status" text NOT NULL,
	"criticality" text NOT NULL,
	"organization_id" uuid,
	"support_team" text,
	"description" text DEFAULT '' NOT NULL,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(description, '') || ' ' || coalesce(jsonb_path_query_array(attributes, 'strict $.*')::text, ''))) STORED
);
--> statement-breakpoint
CREATE TABLE "cmdb_history" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "cmdb_history_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"action" text NOT NULL,
	"attribute" text,
	"old_value" jsonb,
	"new_value" jsonb
);
--> statement-breakpoint
CREATE TABLE "contacts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"phone" text DEFAULT '' NOT NULL,
	"function" text DEFAULT '' NOT NULL,
	"organization_id" uuid NOT NULL,
	"user_id" uuid,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contacts_email_unique" UNIQUE("email"),
	CONSTRAINT "contacts_user_id_unique" UNIQUE("user_id")
);
--> statement-breakpoint
CREATE TABLE "contract_cis" (
	"contract_id" uuid NOT NULL,
	"ci_id" uuid NOT NULL,
	CONSTRAINT "contract_cis_contract_id_ci_id_pk" PRIMARY KEY("contract_id","ci_id")
);
--> statement-breakpoint
CREATE TABLE "contract_contacts" (
	"contract_id" uuid NOT NULL,
	"contact_id" uuid NOT NULL,
	CONSTRAINT "contract_contacts_contract_id_contact_id_pk" PRIMARY KEY("contract_id","contact_id")
);
--> statement-breakpoint
CREATE TABLE "contract_services" (
	"contract_id" uuid NOT NULL,
	"service_id" uuid NOT NULL,
	CONSTRAINT "contract_services_contract_id_service_id_pk" PRIMARY KEY("contract_id","service_id")
);
--> statement-breakpoint
CREATE TABLE "contract_teams" (
	"contract_id" uuid NOT NULL,
	"team" text NOT NULL,
	CONSTRAINT "contract_teams_contract_id_team_pk" PRIMARY KEY("contract_id","team")
);
--> statement-breakpoint
CREATE TABLE "contracts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"organization_id" uuid NOT NULL,
	"sla_id" uuid,
	"cost" numeric(14, 2),
	"currency" text,
	"cost_period" text,
	"starts_on" date NOT NULL,
	"ends_on" date,
	"description" text DEFAULT '' NOT NULL,
	"documents" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contracts_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"code" text,
	"description" text DEFAULT '' NOT NULL,
	"parent_id" uuid,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organizations_name_unique" UNIQUE("name"),
	CONSTRAINT "organizations_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "service_cis" (
	"service_id" uuid NOT NULL,
	"ci_id" uuid NOT NULL,
	CONSTRAINT "service_cis_service_id_ci_id_pk" PRIMARY KEY("service_id","ci_id")
);
--> statement-breakpoint
CREATE TABLE "services" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"criticality" text NOT NULL,
	"status" text DEFAULT 'production' NOT NULL,
	"organization_id" uuid,
	"support_team" text,
	"sla_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "services_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "ticket_cis" (
	"number" text NOT NULL,
	"ci_id" uuid NOT NULL,
	CONSTRAINT "ticket_cis_number_ci_id_pk" PRIMARY KEY("number","ci_id")
);
--> statement-breakpoint
ALTER TABLE "slas" ALTER COLUMN "calendar" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "slas" ADD COLUMN "calendar_id" uuid;--> statement-breakpoint
ALTER TABLE "teams" ADD COLUMN "organization_id" uuid;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "organization_id" uuid;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "service_id" uuid;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "organization_id" uuid;--> statement-breakpoint
ALTER TABLE "ci_relations" ADD CONSTRAINT "ci_relations_source_id_cis_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."cis"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ci_relations" ADD CONSTRAINT "ci_relations_target_id_cis_id_fk" FOREIGN KEY ("target_id") REFERENCES "public"."cis"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cis" ADD CONSTRAINT "cis_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cis" ADD CONSTRAINT "cis_support_team_teams_name_fk" FOREIGN KEY ("support_team") REFERENCES "public"."teams"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_cis" ADD CONSTRAINT "contract_cis_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_cis" ADD CONSTRAINT "contract_cis_ci_id_cis_id_fk" FOREIGN KEY ("ci_id") REFERENCES "public"."cis"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_contacts" ADD CONSTRAINT "contract_contacts_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_contacts" ADD CONSTRAINT "contract_contacts_contact_id_contacts_id_fk" FOREIGN KEY ("contact_id") REFERENCES "public"."contacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_services" ADD CONSTRAINT "contract_services_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_services" ADD CONSTRAINT "contract_services_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_teams" ADD CONSTRAINT "contract_teams_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contract_teams" ADD CONSTRAINT "contract_teams_team_teams_name_fk" FOREIGN KEY ("team") REFERENCES "public"."teams"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_sla_id_slas_id_fk" FOREIGN KEY ("sla_id") REFERENCES "public"."slas"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_parent_id_organizations_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_cis" ADD CONSTRAINT "service_cis_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_cis" ADD CONSTRAINT "service_cis_ci_id_cis_id_fk" FOREIGN KEY ("ci_id") REFERENCES "public"."cis"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "services" ADD CONSTRAINT "services_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "services" ADD CONSTRAINT "services_support_team_teams_name_fk" FOREIGN KEY ("support_team") REFERENCES "public"."teams"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "services" ADD CONSTRAINT "services_sla_id_slas_id_fk" FOREIGN KEY ("sla_id") REFERENCES "public"."slas"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ci_relations_edge_idx" ON "ci_relations" USING btree ("source_id","type","target_id");--> statement-breakpoint
CREATE INDEX "ci_relations_provider_idx" ON "ci_relations" USING btree ("provider_id","type","dependent_id");--> statement-breakpoint
CREATE INDEX "ci_relations_dependent_idx" ON "ci_relations" USING btree ("dependent_id","type","provider_id");--> statement-breakpoint
CREATE INDEX "ci_relations_target_idx" ON "ci_relations" USING btree ("target_id");--> statement-breakpoint
CREATE UNIQUE INDEX "cis_class_name_idx" ON "cis" USING btree ("class","name");--> statement-breakpoint
CREATE INDEX "cis_status_idx" ON "cis" USING btree ("status","class");--> statement-breakpoint
CREATE INDEX "cis_organization_idx" ON "cis" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "cis_support_team_idx" ON "cis" USING btree ("support_team");--> statement-breakpoint
CREATE INDEX "cis_name_idx" ON "cis" USING btree ("name");--> statement-breakpoint
CREATE INDEX "cis_search_idx" ON "cis" USING gin ("search");--> statement-breakpoint
CREATE INDEX "cmdb_history_subject_idx" ON "cmdb_history" USING btree ("subject_type","subject_id","id");--> statement-breakpoint
CREATE INDEX "contacts_organization_idx" ON "contacts" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "contract_cis_ci_idx" ON "contract_cis" USING btree ("ci_id");--> statement-breakpoint
CREATE INDEX "contract_services_service_idx" ON "contract_services" USING btree ("service_id");--> statement-breakpoint
CREATE INDEX "contracts_organization_idx" ON "contracts" USING btree ("organization_id","kind");--> statement-breakpoint
CREATE INDEX "service_cis_ci_idx" ON "service_cis" USING btree ("ci_id");--> statement-breakpoint
CREATE INDEX "ticket_cis_ci_idx" ON "ticket_cis" USING btree ("ci_id");--> statement-breakpoint
ALTER TABLE "slas" ADD CONSTRAINT "slas_calendar_id_calendars_id_fk" FOREIGN KEY ("calendar_id") REFERENCES "public"."calendars"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "teams" ADD CONSTRAINT "teams_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tickets_organization_idx" ON "tickets" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "tickets_service_idx" ON "tickets" USING btree ("service_id");--> statement-breakpoint
-- Existing SLAs ran on 24×7, which a null calendar_id now says.
ALTER TABLE "slas" DROP COLUMN "calendar";
