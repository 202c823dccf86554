-- A chunk job takes the chunks waiting behind it in its lane (loadChunks): they are found in id order
-- by lane.
CREATE INDEX "chunks_queue_idx" ON "chunks" USING btree ("queue_name","id");
