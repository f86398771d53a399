CREATE TABLE "multipart_uploads" (
	"key" text NOT NULL,
	"upload_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "multipart_uploads_key_upload_id_pk" PRIMARY KEY("key","upload_id")
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "multipart_uploads_created_idx" ON "multipart_uploads" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "jobs_active_idx" ON "jobs" USING btree ("status","lease_expires_at") WHERE status in ('queued', 'running');