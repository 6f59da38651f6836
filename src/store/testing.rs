//! Test support: which store a test runs on. The same tests run on SQLite (by default) and on
//! PostgreSQL when `SHORTLIST_TEST_DATABASE_URL` names a server (CI's second pass, see
//! `.ci/run`): each test data directory then gets its own fresh database (`t_<random>`),
//! created on first use and remembered in the directory, so that a test that reopens or
//! restarts on the same directory finds the same database.
//!
//! `SHORTLIST_REQUIRE_POSTGRES=1` without a URL fails the test instead of letting it pass on
//! SQLite: a missing server never passes as a green PostgreSQL run. Nothing here is used by
//! the server itself.

use std::path::Path;
use std::sync::Arc;

use super::{Store, StoreError};

/// The server the PostgreSQL pass runs on (`postgres://USER@HOST:PORT/DB`): any database on it
/// the user may connect to; each test's database is created beside it.
pub const URL_VARIABLE: &str = "SHORTLIST_TEST_DATABASE_URL";
/// Set (to anything but `0`) where the PostgreSQL pass must run.
pub const REQUIRE_VARIABLE: &str = "SHORTLIST_REQUIRE_POSTGRES";

/// The file in a test's data directory that names its database.
const REMEMBERED: &str = "test-database-url";

/// The database URL a test on `data_dir` runs on: `None` for SQLite. Panics when PostgreSQL is
/// required but not configured, or the database cannot be created.
pub fn test_database_url(data_dir: &Path) -> Option<String> {
    let base = std::env::var(URL_VARIABLE)
        .ok()
        .filter(|url| !url.is_empty());
    let Some(base) = base else {
        let required = std::env::var(REQUIRE_VARIABLE).is_ok_and(|value| value != "0");
        assert!(
            !required,
            "{REQUIRE_VARIABLE} is set but {URL_VARIABLE} is not: this test must run on PostgreSQL"
        );
        return None;
    };
    let remembered = data_dir.join(REMEMBERED);
    if let Ok(url) = std::fs::read_to_string(&remembered) {
        return Some(url);
    }
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = base.clone();
    let create = name.clone();
    // On a thread of its own: the postgres client must not run inside a test's async runtime.
    std::thread::spawn(move || -> Result<(), String> {
        let mut client = postgres::Client::connect(&admin, postgres::NoTls)
            .map_err(|e| format!("cannot connect to {URL_VARIABLE}: {e}"))?;
        client
            .batch_execute(&format!("CREATE DATABASE {create}"))
            .map_err(|e| format!("cannot create the test database {create}: {e}"))
    })
    .join()
    .expect("the database creator does not panic")
    .unwrap_or_else(|error| panic!("{error}"));
    let url = with_database(&base, &name);
    std::fs::create_dir_all(data_dir).expect("the test data directory");
    std::fs::write(&remembered, &url).expect("the test database is remembered");
    Some(url)
}

/// The store a test on `data_dir` runs on: PostgreSQL (see [`test_database_url`]) or SQLite.
/// Opened on a thread of its own, so that an async test may call it.
pub fn open_test_store(data_dir: &Path) -> Arc<dyn Store> {
    let url = test_database_url(data_dir);
    let dir = data_dir.to_owned();
    std::thread::spawn(move || super::open_store(&dir, url.as_deref()))
        .join()
        .expect("opening the store does not panic")
        .unwrap_or_else(|error: StoreError| panic!("the test store opens: {error}"))
}

/// How many original files the store of a test on `data_dir` keeps: files under `files/` for
/// SQLite, rows of `files` for PostgreSQL.
pub fn stored_file_count(data_dir: &Path) -> usize {
    match test_database_url(data_dir) {
        Some(url) => std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls)
                .expect("the test database answers");
            let row = client
                .query_one("SELECT COUNT(*) FROM files", &[])
                .expect("the files table is read");
            row.get::<_, i64>(0) as usize
        })
        .join()
        .expect("counting files does not panic"),
        None => match std::fs::read_dir(data_dir.join("files")) {
            Ok(shards) => shards
                .filter_map(Result::ok)
                .map(|shard| std::fs::read_dir(shard.path()).map_or(0, |files| files.count()))
                .sum(),
            Err(_) => 0,
        },
    }
}

/// Runs `sql` (no parameters; the same text on both databases) on the store of a test on
/// `data_dir`, behind the server's back: how a test damages a row.
pub fn execute_sql(data_dir: &Path, sql: &str) {
    let sql = sql.to_owned();
    match test_database_url(data_dir) {
        Some(url) => std::thread::spawn(move || {
            postgres::Client::connect(&url, postgres::NoTls)
                .expect("the test database answers")
                .batch_execute(&sql)
                .expect("the statement runs");
        })
        .join()
        .expect("the statement does not panic"),
        None => rusqlite::Connection::open(data_dir.join("shortlist.sqlite3"))
            .expect("the test database opens")
            .execute_batch(&sql)
            .expect("the statement runs"),
    }
}

/// Makes the PostgreSQL database of a test on `data_dir` refuse connections and ends the ones
/// open (`reachable = false`), or takes connections again (`true`): an outage without stopping
/// the server the other tests share. Returns false, doing nothing, on SQLite.
pub fn set_database_reachable(data_dir: &Path, reachable: bool) -> bool {
    let Some(url) = test_database_url(data_dir) else {
        return false;
    };
    let base = std::env::var(URL_VARIABLE).expect("a PostgreSQL test has its server's URL");
    let name = url
        .rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .expect("a test database name")
        .to_owned();
    std::thread::spawn(move || {
        let mut admin =
            postgres::Client::connect(&base, postgres::NoTls).expect("the test server answers");
        admin
            .batch_execute(&format!(
                "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS {reachable}"
            ))
            .expect("the database's connections are switched");
        if !reachable {
            admin
                .execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                    &[&name],
                )
                .expect("the open connections are ended");
        }
    })
    .join()
    .expect("switching the database does not panic");
    true
}

/// `base` with its database name replaced by `name` (URL form only).
fn with_database(base: &str, name: &str) -> String {
    let (address, query) = match base.split_once('?') {
        Some((address, query)) => (address, Some(query)),
        None => (base, None),
    };
    let host_start = address.find("://").map_or(0, |at| at + 3);
    let path_start = address[host_start..]
        .find('/')
        .map_or(address.len(), |at| host_start + at);
    let mut url = format!("{}/{name}", &address[..path_start]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_and_the_rest_kept() {
        assert_eq!(
            with_database(
                "postgres://u@127.0.0.1:5432/postgres?sslmode=disable",
                "t_1"
            ),
            "postgres://u@127.0.0.1:5432/t_1?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@localhost", "t_2"),
            "postgres://u@localhost/t_2"
        );
    }
}
