//! Versioned schema migrations: numbered SQL files under `migrations/postgres/`, compiled in.
//!
//! At open, under an advisory lock (several nodes may start at once), each migration whose
//! version is not yet in `schema_migrations` runs in its own transaction together with the row
//! that records it: a migration is applied whole or not at all, and exactly once. A database
//! whose newest applied version is one this program does not know was migrated by a newer
//! release: refused, rather than run on a schema it cannot read.

use postgres::Client;

use crate::store::StoreError;

/// Every migration, in order: (version, name, SQL). Append only; never edit a released one.
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "initial",
        include_str!("../../../migrations/postgres/0001_initial.sql"),
    ),
    (
        2,
        "change_feed",
        include_str!("../../../migrations/postgres/0002_change_feed.sql"),
    ),
    (
        3,
        "run_leases",
        include_str!("../../../migrations/postgres/0003_run_leases.sql"),
    ),
    (
        4,
        "change_feed_pruning",
        include_str!("../../../migrations/postgres/0004_change_feed_pruning.sql"),
    ),
];

/// Held while migrating, so that two nodes starting together do not both migrate.
const MIGRATION_LOCK: i64 = 0x5348_4f52_544d_4947; // "SHORTMIG"

/// Applies the migrations not yet applied. Returns how many ran.
pub(super) fn apply(client: &mut Client) -> Result<usize, StoreError> {
    client.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version     INTEGER PRIMARY KEY,
             name        TEXT NOT NULL,
             applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
         )",
    )?;
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let applied = apply_locked(client);
    // Released whatever happened: a failed migration must not block the next node's attempt.
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    let applied = applied?;
    unlocked?;
    Ok(applied)
}

fn apply_locked(client: &mut Client) -> Result<usize, StoreError> {
    let newest: Option<i32> = client
        .query_one("SELECT MAX(version) FROM schema_migrations", &[])?
        .try_get(0)?;
    let newest = newest.unwrap_or(0);
    let known = MIGRATIONS.last().map_or(0, |(version, _, _)| *version);
    if newest > known {
        return Err(StoreError::Corrupt(format!(
            "the database schema is at version {newest}, newer than this release knows \
             ({known}): run a release at least as new"
        )));
    }
    let mut ran = 0;
    for (version, name, sql) in MIGRATIONS {
        if *version <= newest {
            continue;
        }
        let mut transaction = client.transaction()?;
        transaction.batch_execute(sql)?;
        transaction.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
            &[version, name],
        )?;
        transaction.commit()?;
        tracing::info!(version, name, "applied a database migration");
        ran += 1;
    }
    Ok(ran)
}
