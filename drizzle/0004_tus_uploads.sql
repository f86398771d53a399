CREATE TABLE "tus_uploads" (
	"owner_id" text NOT NULL,
	"id" text NOT NULL,
	"key" text NOT NULL,
	"multipart_upload_id" text,
	"part_size" integer NOT NULL,
	"part_etags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"tail_key" text,
	"upload_length" bigint NOT NULL,
	"upload_offset" bigint DEFAULT 0 NOT NULL,
	"sha256_state" text,
	"metadata" jsonb NOT NULL,
	"lock_token" text,
	"locked_until" timestamp with time zone,
	"expires_at" timestamp with time zone NOT NULL,
	"completed_at" timestamp with time zone,
	"lecture_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tus_uploads_owner_id_id_pk" PRIMARY KEY("owner_id","id")
);
--> statement-breakpoint
CREATE INDEX "tus_uploads_expires_idx" ON "tus_uploads" USING btree ("expires_at");