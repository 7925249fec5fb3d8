-- Sign-in limits shared by every instance, and a change feed for credentials.

-- Sign-in attempts per scope in a window that starts at the scope's first attempt and lasts
-- LOGIN_WINDOW_SECONDS (a window per key, so there is no fixed boundary at which the allowance doubles):
--   pair     '<address> <account>'  hard limit LOGIN_MAX_FAILURES_PER_ACCOUNT
--   address  '<address>'            hard limit LOGIN_MAX_FAILURES_PER_ADDRESS, across accounts
--   account  '<account>'            soft: past LOGIN_MAX_FAILURES_PER_ACCOUNT every check is slowed down
-- An attempt is counted (reserved) before its password is verified; a success gives its reservation back.
-- Rows exist only for attempts that were let through, and expired rows are deleted by every instance.
CREATE TABLE login_attempts (
  scope      TEXT NOT NULL CHECK (scope IN ('pair', 'address', 'account')),
  key        TEXT NOT NULL,
  attempts   INTEGER NOT NULL CHECK (attempts >= 0),
  expires_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idx_login_attempts_expires_at ON login_attempts(expires_at);

-- One upsert per scope, with the hard limit in its WHERE: the row lock orders concurrent attempts, and each
-- re-reads the count its predecessor left, so N attempts arriving at once reserve at most the limit.
-- Locks are always taken pair → address → account, one row of each, so two calls cannot deadlock.
-- Returns `refused` ('pair' | 'address') with seconds until that window ends, or `refused` NULL with the
-- account's attempt count in its window (this attempt included).
CREATE FUNCTION awc_login_reserve(p_account TEXT, p_address TEXT, p_pair_limit INTEGER, p_address_limit INTEGER, p_window_seconds INTEGER)
RETURNS TABLE (refused TEXT, retry_after_seconds INTEGER, account_attempts INTEGER)
LANGUAGE plpgsql AS $$
DECLARE
  pair_key TEXT := p_address || ' ' || p_account;
  window_length INTERVAL := make_interval(secs => p_window_seconds);
  counted INTEGER;
  pair_was_new BOOLEAN;
BEGIN
  INSERT INTO login_attempts AS l (scope, key, attempts, expires_at) VALUES ('pair', pair_key, 1, now() + window_length)
  ON CONFLICT (scope, key) DO UPDATE
    SET attempts = CASE WHEN l.expires_at <= now() THEN 1 ELSE l.attempts + 1 END,
        expires_at = CASE WHEN l.expires_at <= now() THEN now() + window_length ELSE l.expires_at END
    WHERE l.expires_at <= now() OR l.attempts < p_pair_limit
  RETURNING l.attempts INTO counted;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'pair'::TEXT, greatest(1, ceil(extract(epoch FROM l.expires_at - now())))::INTEGER, NULL::INTEGER
      FROM login_attempts l WHERE l.scope = 'pair' AND l.key = pair_key;
    RETURN;
  END IF;
  pair_was_new := counted = 1;

  INSERT INTO login_attempts AS l (scope, key, attempts, expires_at) VALUES ('address', p_address, 1, now() + window_length)
  ON CONFLICT (scope, key) DO UPDATE
    SET attempts = CASE WHEN l.expires_at <= now() THEN 1 ELSE l.attempts + 1 END,
        expires_at = CASE WHEN l.expires_at <= now() THEN now() + window_length ELSE l.expires_at END
    WHERE l.expires_at <= now() OR l.attempts < p_address_limit
  RETURNING l.attempts INTO counted;
  IF NOT FOUND THEN
    -- Give the pair its attempt back: nothing is verified, so nothing was tried. We hold the pair row's lock,
    -- so no other attempt ever saw the count we take back.
    IF pair_was_new THEN
      DELETE FROM login_attempts WHERE scope = 'pair' AND key = pair_key;
    ELSE
      UPDATE login_attempts SET attempts = attempts - 1 WHERE scope = 'pair' AND key = pair_key;
    END IF;
    RETURN QUERY SELECT 'address'::TEXT, greatest(1, ceil(extract(epoch FROM l.expires_at - now())))::INTEGER, NULL::INTEGER
      FROM login_attempts l WHERE l.scope = 'address' AND l.key = p_address;
    RETURN;
  END IF;

  INSERT INTO login_attempts AS l (scope, key, attempts, expires_at) VALUES ('account', p_account, 1, now() + window_length)
  ON CONFLICT (scope, key) DO UPDATE
    SET attempts = CASE WHEN l.expires_at <= now() THEN 1 ELSE l.attempts + 1 END,
        expires_at = CASE WHEN l.expires_at <= now() THEN now() + window_length ELSE l.expires_at END
  RETURNING l.attempts INTO counted;
  RETURN QUERY SELECT NULL::TEXT, 0, counted;
END $$;

-- The credential feed: a change to a user (role, email, password, delete), to an API token (revoked, moved,
-- deleted) or to a session (expiry moved, deleted), by any writer, plain SQL included, announces the user's
-- id on its own channel, so every instance drops that user's cached credentials. Ids only:
--   {"t":"u","op":"u|d","u":user_id}               users
--   {"t":"k","op":"u|d","id":token_id,"u":user_id} api_tokens
--   {"t":"s","op":"u|d","u":user_id}               sessions (their key is a digest, which stays in the table)
--   {"t":"all"}                                    TRUNCATE of any of the three: drop every cached credential
-- A row that moves to another user announces both users. Inserts stay silent: nothing can be cached for a
-- credential before it exists. Identical notifications within one transaction reach a listener once.
CREATE FUNCTION awc_notify_auth() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  message JSONB := jsonb_build_object('t', TG_ARGV[0], 'op', lower(left(TG_OP, 1)));
  old_user INTEGER;
  new_user INTEGER;
BEGIN
  -- Separate statements, not one CASE: PL/pgSQL resolves every field an expression names, taken or not.
  IF TG_TABLE_NAME = 'users' THEN
    old_user := OLD.id;
    new_user := CASE WHEN TG_OP = 'UPDATE' THEN NEW.id END;
  ELSE
    old_user := OLD.user_id;
    new_user := CASE WHEN TG_OP = 'UPDATE' THEN NEW.user_id END;
  END IF;
  IF TG_TABLE_NAME = 'api_tokens' THEN
    message := message || jsonb_build_object('id', OLD.id);
  END IF;
  PERFORM pg_notify('awc_auth_changes', (message || jsonb_build_object('u', old_user))::text);
  IF new_user IS DISTINCT FROM old_user AND new_user IS NOT NULL THEN
    PERFORM pg_notify('awc_auth_changes', (message || jsonb_build_object('u', new_user))::text);
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION awc_notify_auth_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('awc_auth_changes', '{"t":"all"}');
  RETURN NULL;
END $$;

CREATE TRIGGER users_notify_auth_delete AFTER DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION awc_notify_auth('u');
CREATE TRIGGER users_notify_auth_update AFTER UPDATE ON users
  FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.email IS DISTINCT FROM NEW.email
    OR OLD.password_hash IS DISTINCT FROM NEW.password_hash)
  EXECUTE FUNCTION awc_notify_auth('u');

CREATE TRIGGER api_tokens_notify_auth_delete AFTER DELETE ON api_tokens
  FOR EACH ROW EXECUTE FUNCTION awc_notify_auth('k');
CREATE TRIGGER api_tokens_notify_auth_update AFTER UPDATE ON api_tokens
  FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.user_id IS DISTINCT FROM NEW.user_id
    OR OLD.token_hash IS DISTINCT FROM NEW.token_hash)
  EXECUTE FUNCTION awc_notify_auth('k');

CREATE TRIGGER sessions_notify_auth_delete AFTER DELETE ON sessions
  FOR EACH ROW EXECUTE FUNCTION awc_notify_auth('s');
CREATE TRIGGER sessions_notify_auth_update AFTER UPDATE ON sessions
  FOR EACH ROW WHEN (OLD.expires_at IS DISTINCT FROM NEW.expires_at OR OLD.user_id IS DISTINCT FROM NEW.user_id
    OR OLD.id_hash IS DISTINCT FROM NEW.id_hash)
  EXECUTE FUNCTION awc_notify_auth('s');

CREATE TRIGGER users_notify_auth_truncate AFTER TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION awc_notify_auth_truncate();
CREATE TRIGGER api_tokens_notify_auth_truncate AFTER TRUNCATE ON api_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION awc_notify_auth_truncate();
CREATE TRIGGER sessions_notify_auth_truncate AFTER TRUNCATE ON sessions
  FOR EACH STATEMENT EXECUTE FUNCTION awc_notify_auth_truncate();
