-- The story's schema (clients, contacts, tickets, assets and their indexes) plus what the product needs:
-- a row version on assets for change ordering, and the auth tables.

CREATE TABLE clients (
  id         SERIAL PRIMARY KEY,
  name       VARCHAR(255) NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE contacts (
  id         SERIAL PRIMARY KEY,
  client_id  INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  name       VARCHAR(255) NOT NULL,
  email      VARCHAR(255),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- Target of the composite key below: a contact can only be attached to an asset of its own client.
  UNIQUE (id, client_id)
);
CREATE INDEX idx_contacts_client_id ON contacts(client_id);

CREATE TABLE tickets (
  id          SERIAL PRIMARY KEY,
  client_id   INTEGER REFERENCES clients(id),
  contact_id  INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
  description TEXT,
  notes       TEXT,
  state       VARCHAR(50),
  closed_at   TIMESTAMPTZ,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_tickets_contact_id ON tickets(contact_id);

-- One sequence for every asset write: versions are comparable across rows, so a cache can tell an old
-- change from a new one and a resync can ask "everything after version N".
CREATE SEQUENCE asset_version_seq;

CREATE TABLE assets (
  id                       SERIAL PRIMARY KEY,
  hostname                 VARCHAR(255) NOT NULL,
  client_id                INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  contact_id               INTEGER,
  manufacturer             VARCHAR(255),
  model                    VARCHAR(255),
  serial_number            VARCHAR(255),
  in_service_date          DATE NOT NULL,
  warranty_expiration_date DATE,
  pdq_device_id            VARCHAR(255),
  screenconnect_session_id VARCHAR(255),
  status                   VARCHAR(50) NOT NULL DEFAULT 'active'
                           CHECK (status IN ('active', 'in_repair', 'inactive', 'retired')),
  retired_at               TIMESTAMPTZ,
  created_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
  version                  BIGINT NOT NULL DEFAULT nextval('asset_version_seq'),
  CONSTRAINT assets_contact_of_client_fkey FOREIGN KEY (contact_id, client_id)
    REFERENCES contacts(id, client_id) ON DELETE SET NULL (contact_id)
);
ALTER SEQUENCE asset_version_seq OWNED BY assets.version;

CREATE INDEX idx_assets_contact_id ON assets(contact_id);
CREATE INDEX idx_assets_status ON assets(status);
CREATE INDEX idx_assets_client_id ON assets(client_id);
-- The widget's question, answered from the index alone when the cache is bypassed.
CREATE INDEX idx_assets_widget ON assets(contact_id, created_at DESC, id DESC) WHERE status = 'active';

-- Every writer, API or plain SQL, bumps the version and keeps updated_at and retired_at consistent.
CREATE FUNCTION assets_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    NEW.version := nextval('asset_version_seq');
    NEW.updated_at := now();
  END IF;
  IF NEW.status = 'retired' AND NEW.retired_at IS NULL THEN
    NEW.retired_at := now();
  ELSIF NEW.status <> 'retired' THEN
    NEW.retired_at := NULL;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER assets_before_write BEFORE INSERT OR UPDATE ON assets
  FOR EACH ROW EXECUTE FUNCTION assets_before_write();

CREATE TABLE users (
  id            SERIAL PRIMARY KEY,
  email         VARCHAR(255) NOT NULL,
  password_hash TEXT,
  role          VARCHAR(20) NOT NULL CHECK (role IN ('admin', 'technician')),
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX idx_users_email ON users(lower(email));

-- Bearer tokens and browser sessions are stored as SHA-256 digests: they are 256-bit random values, so a
-- slow hash adds nothing, and a leaked table does not leak credentials.
CREATE TABLE api_tokens (
  id           SERIAL PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash   BYTEA NOT NULL UNIQUE,
  label        VARCHAR(255),
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at   TIMESTAMPTZ
);

CREATE TABLE sessions (
  id_hash    BYTEA PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at TIMESTAMPTZ NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX idx_sessions_expires_at ON sessions(expires_at);
