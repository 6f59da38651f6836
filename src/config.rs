//! Typed, layered configuration: defaults compiled in, then the TOML file, then environment
//! variables, then command-line flags (applied by the caller).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::tenant::{KeyGrant, Scope, Tenant};

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// PostgreSQL as the source of truth (`postgres://USER@HOST/DB`) instead of SQLite in the
    /// data directory, which then keeps only what is derived (the search index).
    pub database_url: Option<String>,
    /// With PostgreSQL: how long a node holds a screening run past its last progress report
    /// before another node may take it over (a node that died mid-run). Each chunk of a run
    /// reports, so this needs only to exceed the time to rank one page.
    pub run_lease_seconds: u64,
    pub roles_dir: PathBuf,
    pub max_upload_bytes: usize,
    pub max_batch_bytes: usize,
    pub max_json_bytes: usize,
    pub extract_timeout_seconds: u64,
    /// Documents read at once; 0 means one per core.
    pub extract_workers: usize,
    /// Uploads that may wait for a worker before the next one gets 503.
    pub max_queued_uploads: usize,
    /// The longest an upload waits for a worker or for memory before it gets 503.
    pub queue_wait_seconds: u64,
    /// Bytes that document work (uploads, unpacked archives) may hold at once.
    pub max_inflight_bytes: usize,
    /// A request body that sends nothing for this long is cut off (408).
    pub body_timeout_seconds: u64,
    /// A request line and headers that take longer than this to arrive get 408.
    pub header_timeout_seconds: u64,
    /// Webhook hosts allowed although they are loopback or private addresses, by name exactly
    /// as in the URL (`"127.0.0.1"`, `"hooks.internal"`). Empty: only public addresses.
    pub webhook_allowed_hosts: Vec<String>,
    /// A PEM file of root certificates that https webhook receivers may chain to, beyond the
    /// system's (a private CA). Read at start-up; a file that holds none stops the start.
    pub webhook_ca_file: Option<PathBuf>,
    /// Lowercase hex SHA-256 of each accepted API key: every scope, the default tenant.
    pub api_key_sha256: Vec<String>,
    /// API keys with scopes and an optional tenant (`[[api_keys]]` tables).
    pub api_keys: Vec<ApiKeyConfig>,
    /// Requests per second each API key (or, without keys, each client address) may make on
    /// average; 0 turns the limit off.
    pub rate_limit_per_second: u32,
    /// Requests a key may make at once above its average rate.
    pub rate_limit_burst: u32,
    /// Wrong keys one client address may present within `auth_failure_window_seconds` before
    /// its further attempts get 429; 0 turns this off.
    pub auth_failure_limit: u32,
    pub auth_failure_window_seconds: u64,
    pub log_format: LogFormat,
    /// How long a response is kept for replay under its `Idempotency-Key`, in hours.
    pub idempotency_ttl_hours: u64,
    /// Candidates not updated for this many days are erased (at start-up and hourly); 0 keeps
    /// them until they are deleted.
    pub retention_days: u32,
    /// Blind review by default (`?blind=false` still shows everything).
    pub blind: bool,
}

/// One `[[api_keys]]` table: a key's hash, its scopes, and its tenant (none: the default).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConfig {
    /// Lowercase hex SHA-256 of the key (`shortlist hash-key KEY`); the key is never stored.
    pub sha256: String,
    pub scopes: Vec<Scope>,
    #[serde(default)]
    pub tenant: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./index"),
            database_url: None,
            run_lease_seconds: 60,
            roles_dir: PathBuf::from("config/roles"),
            max_upload_bytes: 20 * 1024 * 1024,
            max_batch_bytes: 512 * 1024 * 1024,
            max_json_bytes: 1024 * 1024,
            extract_timeout_seconds: 10,
            extract_workers: 0,
            max_queued_uploads: 64,
            queue_wait_seconds: 30,
            max_inflight_bytes: 1024 * 1024 * 1024,
            body_timeout_seconds: 30,
            header_timeout_seconds: 60,
            webhook_allowed_hosts: Vec::new(),
            webhook_ca_file: None,
            api_key_sha256: Vec::new(),
            api_keys: Vec::new(),
            rate_limit_per_second: 1000,
            rate_limit_burst: 2000,
            auth_failure_limit: 20,
            auth_failure_window_seconds: 300,
            log_format: LogFormat::Text,
            idempotency_ttl_hours: 24,
            retention_days: 0,
            blind: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("the environment variable {name} is not valid: {message}")]
    Env { name: &'static str, message: String },
    #[error(
        "refusing to listen on {0} without an API key: anyone on the network could read the \
         candidates. Configure a key (SHORTLIST_API_KEYS=... or api_key_sha256 in the config \
         file) or bind a loopback address such as 127.0.0.1"
    )]
    OpenWithoutKeys(SocketAddr),
}

pub const DEFAULT_CONFIG_PATH: &str = "config/default.toml";

impl Config {
    /// Loads the configuration. `path` is the file the user named (an error when missing);
    /// `None` reads `config/default.toml` when it exists and compiled defaults otherwise.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut config = match path {
            Some(path) => Self::from_file(path)?,
            None if Path::new(DEFAULT_CONFIG_PATH).exists() => {
                Self::from_file(Path::new(DEFAULT_CONFIG_PATH))?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_owned(),
            message,
        })
    }

    pub fn from_toml(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        if config.idempotency_ttl_hours == 0 {
            return Err("idempotency_ttl_hours is at least 1".into());
        }
        if !(1..=86_400).contains(&config.run_lease_seconds) {
            // A lease that has always expired would let every node take every run at once; one
            // longer than a day would leave a dead node's run waiting that long.
            return Err("run_lease_seconds is from 1 to 86400".into());
        }
        let hashes = config
            .api_key_sha256
            .iter()
            .chain(config.api_keys.iter().map(|key| &key.sha256));
        for hash in hashes {
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "api_key_sha256 entries are 64 hex digits (use `shortlist hash-key KEY`), got {hash:?}"
                ));
            }
        }
        for key in &config.api_keys {
            if key.scopes.is_empty() {
                return Err(format!(
                    "the api key {}… has no scopes: list some of read, write, admin",
                    &key.sha256[..8]
                ));
            }
            if let Some(tenant) = &key.tenant {
                Tenant::named(tenant)?;
            }
        }
        config.key_grants()?;
        Ok(config)
    }

    /// Applies `SHORTLIST_*` variables, read through `get` so that tests need not touch the
    /// process environment.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(bind) = get("SHORTLIST_BIND") {
            self.bind = bind
                .parse()
                .map_err(|e: std::net::AddrParseError| ConfigError::Env {
                    name: "SHORTLIST_BIND",
                    message: e.to_string(),
                })?;
        }
        if let Some(dir) = get("SHORTLIST_DATA_DIR") {
            self.data_dir = PathBuf::from(dir);
        }
        if let Some(url) = get("SHORTLIST_DATABASE_URL") {
            self.database_url = Some(url).filter(|url| !url.is_empty());
        }
        if let Some(bytes) = get("SHORTLIST_MAX_UPLOAD_BYTES") {
            self.max_upload_bytes =
                bytes
                    .parse()
                    .map_err(|e: std::num::ParseIntError| ConfigError::Env {
                        name: "SHORTLIST_MAX_UPLOAD_BYTES",
                        message: e.to_string(),
                    })?;
        }
        if let Some(format) = get("SHORTLIST_LOG_FORMAT") {
            self.log_format = match format.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => {
                    return Err(ConfigError::Env {
                        name: "SHORTLIST_LOG_FORMAT",
                        message: format!("expected text or json, got {other:?}"),
                    });
                }
            };
        }
        if let Some(path) = get("SHORTLIST_WEBHOOK_CA_FILE") {
            self.webhook_ca_file = Some(PathBuf::from(path));
        }
        if let Some(rate) = get("SHORTLIST_RATE_LIMIT_PER_SECOND") {
            self.rate_limit_per_second =
                rate.parse()
                    .map_err(|e: std::num::ParseIntError| ConfigError::Env {
                        name: "SHORTLIST_RATE_LIMIT_PER_SECOND",
                        message: e.to_string(),
                    })?;
        }
        if let Some(keys) = get("SHORTLIST_API_KEYS") {
            // Plain keys from the environment are hashed at once and never kept.
            self.api_key_sha256.extend(
                keys.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(hash_api_key),
            );
        }
        Ok(())
    }

    /// Every accepted key with what it may do: the plain `api_key_sha256` list (every scope,
    /// default tenant), then the `[[api_keys]]` tables. A hash listed twice is refused, since
    /// which grant it would get would depend on the order.
    pub fn key_grants(&self) -> Result<Vec<KeyGrant>, String> {
        let mut grants: Vec<KeyGrant> = self
            .api_key_sha256
            .iter()
            .map(|hash| KeyGrant::full(hash.to_ascii_lowercase()))
            .collect();
        for key in &self.api_keys {
            let tenant = match &key.tenant {
                Some(name) => Tenant::named(name)?,
                None => Tenant::default(),
            };
            let mut scopes = key.scopes.clone();
            scopes.sort();
            scopes.dedup();
            grants.push(KeyGrant {
                sha256: key.sha256.to_ascii_lowercase(),
                scopes,
                tenant,
            });
        }
        let mut seen = std::collections::HashSet::new();
        for grant in &grants {
            if !seen.insert(grant.sha256.as_str()) {
                return Err(format!(
                    "the api key {}… is configured twice; list each key once",
                    &grant.sha256[..8]
                ));
            }
        }
        Ok(grants)
    }

    /// Refuses an open server: a non-loopback bind needs API keys.
    pub fn check_exposure(&self) -> Result<(), ConfigError> {
        if self.api_key_sha256.is_empty()
            && self.api_keys.is_empty()
            && !self.bind.ip().is_loopback()
        {
            return Err(ConfigError::OpenWithoutKeys(self.bind));
        }
        Ok(())
    }
}

pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_config_file_parses_to_the_compiled_defaults() {
        let shipped = include_str!("../config/default.toml");
        assert_eq!(Config::from_toml(shipped).unwrap(), Config::default());
    }

    #[test]
    fn environment_overrides_the_file_and_keys_are_hashed() {
        let mut config = Config::default();
        config
            .apply_env(|name| match name {
                "SHORTLIST_BIND" => Some("0.0.0.0:9000".into()),
                "SHORTLIST_API_KEYS" => Some("secret-one, secret-two".into()),
                "SHORTLIST_RATE_LIMIT_PER_SECOND" => Some("7".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.bind.port(), 9000);
        assert_eq!(
            config.api_key_sha256,
            vec![hash_api_key("secret-one"), hash_api_key("secret-two")]
        );
        assert!(!config.api_key_sha256.iter().any(|h| h.contains("secret")));
        assert!(config.check_exposure().is_ok());
        assert_eq!(config.rate_limit_per_second, 7);
    }

    #[test]
    fn api_key_tables_give_scopes_and_tenants_and_old_keys_keep_every_scope() {
        let reader = hash_api_key("reader");
        let old = hash_api_key("old");
        let config = Config::from_toml(&format!(
            "bind = \"0.0.0.0:8080\"\napi_key_sha256 = [\"{old}\"]\n\
             [[api_keys]]\nsha256 = \"{reader}\"\nscopes = [\"read\"]\ntenant = \"acme\"\n"
        ))
        .unwrap();
        assert!(config.check_exposure().is_ok(), "table keys count as keys");
        let grants = config.key_grants().unwrap();
        assert_eq!(grants[0], KeyGrant::full(old.clone()));
        assert_eq!(grants[1].scopes, vec![Scope::Read]);
        assert_eq!(grants[1].tenant, Tenant::named("acme").unwrap());
        for bad in [
            format!("[[api_keys]]\nsha256 = \"{reader}\"\nscopes = []\n"),
            format!("[[api_keys]]\nsha256 = \"{reader}\"\nscopes = [\"root\"]\n"),
            format!("[[api_keys]]\nsha256 = \"{reader}\"\nscopes = [\"read\"]\ntenant = \"A B\"\n"),
            "[[api_keys]]\nsha256 = \"short\"\nscopes = [\"read\"]\n".to_owned(),
            format!(
                "api_key_sha256 = [\"{old}\"]\n[[api_keys]]\nsha256 = \"{old}\"\nscopes = [\"read\"]\n"
            ),
        ] {
            assert!(Config::from_toml(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_open_bind_without_keys_is_refused() {
        let config = Config {
            bind: "0.0.0.0:8080".parse().unwrap(),
            ..Config::default()
        };
        assert!(matches!(
            config.check_exposure(),
            Err(ConfigError::OpenWithoutKeys(_))
        ));
        assert!(Config::from_toml("bogus_key = 1").is_err());
        assert!(Config::from_toml("idempotency_ttl_hours = 0").is_err());
        let strict = Config::from_toml("retention_days = 30\nblind = true").unwrap();
        assert_eq!((strict.retention_days, strict.blind), (30, true));
        assert!(Config::from_toml("api_key_sha256 = [\"plainkey\"]").is_err());
    }
}
