CREATE TABLE "lecture_progress" (
	"owner_id" text NOT NULL,
	"lecture_id" text NOT NULL,
	"statuses" text NOT NULL,
	"activity_at" timestamp with time zone,
	"stages" text NOT NULL,
	CONSTRAINT "lecture_progress_owner_id_lecture_id_pk" PRIMARY KEY("owner_id","lecture_id")
);
--> statement-breakpoint
ALTER TABLE "lecture_progress" ADD CONSTRAINT "lecture_progress_lecture_fk" FOREIGN KEY ("owner_id","lecture_id") REFERENCES "public"."lectures"("owner_id","id") ON DELETE cascade ON UPDATE no action;