CREATE TABLE "ingest_signatures" (
	"signature_hash" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "ingest_signatures_expires_idx" ON "ingest_signatures" USING btree ("expires_at");--> statement-breakpoint
-- Revocations are announced on the channel sluice_auth (delivered at commit), however they are made:
-- through the API, a script or psql. Every server process LISTENs (auth/revocations.ts) and drops
-- what it cached at once. Payloads carry hashes and ids only, never a credential.
CREATE OR REPLACE FUNCTION sluice_announce_revocation() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  IF TG_TABLE_NAME = 'api_tokens' THEN
    PERFORM pg_notify('sluice_auth', json_build_object('kind', 'token', 'tokenHash', r.token_hash, 'userId', r.user_id)::text);
  ELSIF TG_TABLE_NAME = 'sessions' THEN
    PERFORM pg_notify('sluice_auth', json_build_object('kind', 'session', 'sessionHash', r.id_hash, 'userId', r.user_id)::text);
  ELSIF TG_TABLE_NAME = 'users' THEN
    PERFORM pg_notify('sluice_auth', json_build_object('kind', 'user', 'userId', r.id)::text);
  ELSIF TG_TABLE_NAME = 'flow_grants' THEN
    PERFORM pg_notify('sluice_auth', json_build_object('kind', 'user', 'userId', r.user_id)::text);
  ELSIF TG_TABLE_NAME = 'source_api_keys' THEN
    PERFORM pg_notify('sluice_auth', json_build_object('kind', 'source', 'flowId', r.flow_id, 'nodeId', r.node_id)::text);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER api_tokens_announce_revocation AFTER UPDATE OF revoked_at ON api_tokens
  FOR EACH ROW WHEN (NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL) EXECUTE FUNCTION sluice_announce_revocation();
--> statement-breakpoint
CREATE TRIGGER api_tokens_announce_delete AFTER DELETE ON api_tokens
  FOR EACH ROW EXECUTE FUNCTION sluice_announce_revocation();
--> statement-breakpoint
CREATE TRIGGER sessions_announce_revocation AFTER UPDATE OF revoked_at ON sessions
  FOR EACH ROW WHEN (NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL) EXECUTE FUNCTION sluice_announce_revocation();
--> statement-breakpoint
CREATE TRIGGER sessions_announce_delete AFTER DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION sluice_announce_revocation();
--> statement-breakpoint
CREATE TRIGGER users_announce_change AFTER UPDATE OF role, disabled, password_hash ON users
  FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.disabled IS DISTINCT FROM NEW.disabled OR OLD.password_hash IS DISTINCT FROM NEW.password_hash)
  EXECUTE FUNCTION sluice_announce_revocation();
--> statement-breakpoint
CREATE TRIGGER users_announce_delete AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION sluice_announce_revocation();
--> statement-breakpoint
CREATE TRIGGER flow_grants_announce_change AFTER INSERT OR DELETE ON flow_grants
  FOR EACH ROW EXECUTE FUNCTION sluice_announce_revocation();
--> statement-breakpoint
CREATE TRIGGER source_api_keys_announce_change AFTER INSERT OR DELETE OR UPDATE OF revoked_at ON source_api_keys
  FOR EACH ROW EXECUTE FUNCTION sluice_announce_revocation();
