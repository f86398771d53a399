CREATE TABLE "artifact_items" (
	"owner_id" text NOT NULL,
	"artifact_id" text NOT NULL,
	"lecture_id" text NOT NULL,
	"artifact_type" text NOT NULL,
	"item_index" integer NOT NULL,
	"text" text NOT NULL,
	"segment_index" integer,
	"start_sec" double precision,
	"end_sec" double precision,
	"search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, "text")) STORED,
	CONSTRAINT "artifact_items_owner_id_artifact_id_item_index_pk" PRIMARY KEY("owner_id","artifact_id","item_index")
);
--> statement-breakpoint
CREATE TABLE "segment_embeddings" (
	"owner_id" text NOT NULL,
	"lecture_id" text NOT NULL,
	"segment_index" integer NOT NULL,
	"model" text NOT NULL,
	"embedding" real[] NOT NULL,
	CONSTRAINT "segment_embeddings_owner_id_lecture_id_segment_index_pk" PRIMARY KEY("owner_id","lecture_id","segment_index")
);
--> statement-breakpoint
ALTER TABLE "transcript_segments" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, "text")) STORED;--> statement-breakpoint
ALTER TABLE "artifact_items" ADD CONSTRAINT "artifact_items_artifact_fk" FOREIGN KEY ("owner_id","artifact_id") REFERENCES "public"."artifacts"("owner_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "segment_embeddings" ADD CONSTRAINT "segment_embeddings_segment_fk" FOREIGN KEY ("owner_id","lecture_id","segment_index") REFERENCES "public"."transcript_segments"("owner_id","lecture_id","segment_index") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "artifact_items_lecture_idx" ON "artifact_items" USING btree ("owner_id","lecture_id");--> statement-breakpoint
CREATE INDEX "artifact_items_search_idx" ON "artifact_items" USING gin ("search_vector") WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "transcript_segments_search_idx" ON "transcript_segments" USING gin ("search_vector") WITH (fastupdate=false);