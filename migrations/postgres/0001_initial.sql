-- The first PostgreSQL schema: every table the SQLite store has (src/store/mod.rs), with the
-- same columns and meanings, and the original files as rows (`files`), since several nodes must
-- read them. Times are RFC 3339 text, as in SQLite, so both backends compare and return them
-- alike; the columns a query orders or compares by are `COLLATE "C"` (byte order), for which
-- text order is time order whatever the database's default collation.
CREATE TABLE candidates (
    seq          BIGSERIAL PRIMARY KEY,
    id           TEXT COLLATE "C" NOT NULL UNIQUE,
    tenant       TEXT NOT NULL DEFAULT '',
    external_id  TEXT,
    file_sha256  TEXT NOT NULL,
    file_name    TEXT,
    batch_id     TEXT,
    media_type   TEXT NOT NULL,
    profile      TEXT NOT NULL,
    text         TEXT NOT NULL,
    created_at   TEXT COLLATE "C" NOT NULL,
    updated_at   TEXT COLLATE "C" NOT NULL,
    UNIQUE (tenant, external_id)
);
CREATE INDEX candidates_file ON candidates(file_sha256);
CREATE INDEX candidates_created ON candidates(created_at, id);
CREATE INDEX candidates_tenant ON candidates(tenant, seq);
CREATE INDEX candidates_batch ON candidates(batch_id);
CREATE INDEX candidates_external ON candidates(external_id);
-- Original files, content-addressed: one row per distinct content, removed with its last
-- candidate.
CREATE TABLE files (
    sha256  TEXT PRIMARY KEY,
    bytes   BYTEA NOT NULL
);
CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    tenant      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX roles_tenant ON roles(tenant);
CREATE TABLE idempotency (
    key             TEXT PRIMARY KEY,
    request_sha256  TEXT NOT NULL,
    status          INTEGER NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT COLLATE "C" NOT NULL
);
CREATE INDEX idempotency_created ON idempotency(created_at);
CREATE TABLE idempotency_candidates (
    key           TEXT NOT NULL,
    candidate_id  TEXT NOT NULL,
    PRIMARY KEY (key, candidate_id)
);
CREATE INDEX idempotency_candidates_candidate ON idempotency_candidates(candidate_id);
CREATE TABLE runs (
    id               TEXT PRIMARY KEY,
    role_id          TEXT NOT NULL,
    selection        TEXT NOT NULL,
    status           TEXT NOT NULL,
    phase            TEXT,
    done             BIGINT NOT NULL DEFAULT 0,
    total            BIGINT NOT NULL DEFAULT 0,
    error            TEXT,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       TEXT COLLATE "C" NOT NULL,
    started_at       TEXT,
    finished_at      TEXT,
    created_by       TEXT,
    tenant           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_tenant ON runs(tenant);
CREATE INDEX runs_queue ON runs(status, created_at, id);
CREATE TABLE run_results (
    run_id         TEXT NOT NULL,
    rank           BIGINT NOT NULL,
    candidate_id   TEXT NOT NULL,
    external_id    TEXT,
    score          DOUBLE PRECISION NOT NULL,
    must_haves_met BOOLEAN NOT NULL,
    requirements   TEXT NOT NULL,
    erased_sha256  TEXT,
    PRIMARY KEY (run_id, rank)
);
CREATE INDEX run_results_candidate ON run_results(candidate_id);
CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    events      TEXT NOT NULL,
    created_at  TEXT COLLATE "C" NOT NULL,
    tenant      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhooks_tenant ON webhooks(tenant);
CREATE TABLE deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT COLLATE "C" NOT NULL,
    last_status     BIGINT,
    last_error      TEXT,
    created_at      TEXT COLLATE "C" NOT NULL,
    delivered_at    TEXT,
    redelivery_of   TEXT,
    claimed_until   TEXT COLLATE "C"
);
CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
CREATE INDEX deliveries_webhook ON deliveries(webhook_id, created_at);
-- Derived: what the ranking pool is built from at start-up (src/store/pool.rs). Written in each
-- candidate's transaction; a candidate's row is deleted with it.
CREATE TABLE pool (
    seq          BIGINT PRIMARY KEY,
    id           TEXT NOT NULL,
    tenant       TEXT NOT NULL,
    external_id  TEXT,
    features     BYTEA NOT NULL
);
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
CREATE TABLE overrides (
    role_id         TEXT NOT NULL,
    candidate_id    TEXT NOT NULL,
    requirement_id  TEXT NOT NULL,
    verdict         TEXT NOT NULL,
    reason          TEXT NOT NULL,
    by_key          TEXT NOT NULL,
    at              TEXT NOT NULL,
    PRIMARY KEY (role_id, candidate_id, requirement_id)
);
CREATE INDEX overrides_candidate ON overrides(candidate_id);
CREATE TABLE demographics (
    candidate_id  TEXT PRIMARY KEY,
    groups        TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
-- The audit log: append-only (the trigger refuses changes through SQL) and tamper-evident
-- (each entry's hash covers the one before; `shortlist audit verify` recomputes the chain).
CREATE TABLE audit (
    seq                BIGINT PRIMARY KEY,
    time               TEXT NOT NULL,
    action             TEXT NOT NULL,
    api_key_id         TEXT NOT NULL,
    role_id            TEXT,
    role_version_hash  TEXT,
    scorer_version     TEXT NOT NULL,
    candidate_ids      TEXT NOT NULL,
    detail             TEXT,
    prev_hash          TEXT NOT NULL,
    hash               TEXT NOT NULL,
    tenant             TEXT NOT NULL DEFAULT ''
);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
