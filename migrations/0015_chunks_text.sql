-- Chunks hold their records as text: Sluice writes and reads them whole and never queries inside,
-- so Postgres need not check every character as json did (about half of its time per chunk write).
ALTER TABLE "chunks" ALTER COLUMN "records" SET DATA TYPE text;--> statement-breakpoint
-- Changing the type resets the column's compression: lz4 again where this Postgres has it (see 0014).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
    ALTER TABLE chunks ALTER COLUMN records SET COMPRESSION lz4;
  END IF;
END
$$;
