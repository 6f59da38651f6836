//! The `shortlist` command: the HTTP server, and the engine's work from the command line.

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser as ClapParser, Subcommand};
use rayon::prelude::*;
use serde_json::json;
use tracing_subscriber::EnvFilter;

use shortlist::api::{self, AdmissionSettings, ApiSettings};
use shortlist::config::{Config, LogFormat, hash_api_key};
use shortlist::engine::Engine;
use shortlist::error_code::Code;
use shortlist::extract::{self, Limits};
use shortlist::import::{ImportOptions, Target, import_dir};
use shortlist::parse::Parser;

#[derive(ClapParser)]
#[command(
    name = "shortlist",
    version,
    about = "Candidate screening and matching"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (embedded storage: nothing else to install or start).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080, or the config file's `bind`].
        #[arg(long)]
        bind: Option<SocketAddr>,
        /// Data directory [default: ./index, or the config file's `data_dir`].
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// PostgreSQL as the source of truth (postgres://USER@HOST/DB) instead of SQLite in
        /// the data directory [default: SHORTLIST_DATABASE_URL, or the config file's
        /// `database_url`].
        #[arg(long)]
        database_url: Option<String>,
        /// Configuration file [default: config/default.toml when present].
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Parse resumes: one JSON line per file on stdout, in parallel. Exit 1 if any failed.
    Parse {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The date the documents were written (YYYY-MM-DD), used when a document states none.
        #[arg(long)]
        document_date: Option<chrono::NaiveDate>,
    },
    /// Import every resume in a folder (and its subfolders): to a running server, or straight
    /// into a data directory when the server is not running. Exit 1 if any file was rejected.
    Import {
        dir: PathBuf,
        /// The server to send to.
        #[arg(
            long,
            default_value = "http://127.0.0.1:8080",
            conflicts_with = "data_dir"
        )]
        url: String,
        /// Write straight into this data directory instead (the server must not be running).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// API key for the server.
        #[arg(long, env = "SHORTLIST_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
        /// Files per request.
        #[arg(long, default_value_t = 32)]
        batch_size: usize,
        /// Use each file's path below DIR as its external_id: importing again replaces.
        #[arg(long)]
        external_ids_from_paths: bool,
        /// The date the documents were written (YYYY-MM-DD), used when a document states none.
        #[arg(long)]
        document_date: Option<chrono::NaiveDate>,
    },
    /// Print a document's plain text in reading order.
    Extract { file: PathBuf },
    /// Print the SHA-256 of an API key, for `api_key_sha256` in the config file.
    HashKey { key: String },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the audit log's hash chain. Exit 0 when intact, 1 naming the first bad entry.
    Verify {
        /// Data directory [default: ./index, or the config file's `data_dir`].
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Configuration file [default: config/default.toml when present].
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            bind,
            data_dir,
            database_url,
            config,
        } => serve(bind, data_dir, database_url, config.as_deref()),
        Command::Parse {
            files,
            document_date,
        } => parse(&files, document_date),
        Command::Extract { file } => extract_text(&file),
        Command::Import {
            dir,
            url,
            data_dir,
            api_key,
            batch_size,
            external_ids_from_paths,
            document_date,
        } => {
            let options = ImportOptions {
                batch_size,
                external_ids_from_paths,
                document_date,
            };
            import(
                &dir,
                &url,
                data_dir.as_deref(),
                api_key.as_deref(),
                &options,
            )
        }
        Command::HashKey { key } => {
            println!("{}", hash_api_key(&key));
            ExitCode::SUCCESS
        }
        Command::Audit {
            command: AuditCommand::Verify { data_dir, config },
        } => verify_audit(data_dir, config.as_deref()),
    }
}

fn verify_audit(data_dir: Option<PathBuf>, config_path: Option<&Path>) -> ExitCode {
    // PostgreSQL when the configuration (or SHORTLIST_DATABASE_URL) names it, unless a data
    // directory is given on the command line.
    let (data_dir, database_url) = match data_dir {
        Some(dir) => (dir, None),
        None => match Config::load(config_path) {
            Ok(config) => (config.data_dir, config.database_url),
            Err(error) => {
                eprintln!("shortlist: {error}");
                return ExitCode::FAILURE;
            }
        },
    };
    if database_url.is_none() && !data_dir.join("shortlist.sqlite3").is_file() {
        eprintln!(
            "shortlist: no database in {}: is it the server's data directory?",
            data_dir.display()
        );
        return ExitCode::FAILURE;
    }
    let store = match shortlist::store::open_store(&data_dir, database_url.as_deref()) {
        Ok(store) => store,
        Err(error) => {
            eprintln!("shortlist: cannot open the store: {error}");
            return ExitCode::FAILURE;
        }
    };
    match shortlist::audit::verify_store(store.as_ref()) {
        Ok(entries) => {
            println!("audit log intact: {entries} entries, every hash verified");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("shortlist: audit log verification FAILED: {error}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colours only for a person at a terminal: escape codes in a log file or a collector's
    // pipe are noise that breaks searching.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn serve(
    bind: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    config_path: Option<&Path>,
) -> ExitCode {
    let mut config = match Config::load(config_path) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("shortlist: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(bind) = bind {
        config.bind = bind;
    }
    if let Some(data_dir) = data_dir {
        config.data_dir = data_dir;
    }
    if let Some(url) = database_url {
        config.database_url = Some(url);
    }
    if let Err(error) = config.check_exposure() {
        eprintln!("shortlist: {error}");
        return ExitCode::FAILURE;
    }
    init_logging(config.log_format);

    let limits = Limits {
        max_input_bytes: config.max_upload_bytes,
        time_budget: Some(Duration::from_secs(config.extract_timeout_seconds)),
        ..Limits::default()
    };
    let engine = match Engine::open_configured(
        &config.data_dir,
        config.database_url.as_deref(),
        Duration::from_secs(config.run_lease_seconds),
        &config.roles_dir,
        limits,
    ) {
        Ok(engine) => Arc::new(engine),
        Err(error) if config.database_url.is_some() => {
            // The URL is not printed: it may hold a password.
            eprintln!(
                "shortlist: cannot open the PostgreSQL store (database_url) with the data \
                 directory {}: {error}",
                config.data_dir.display()
            );
            return ExitCode::FAILURE;
        }
        Err(error) => {
            eprintln!(
                "shortlist: cannot open the data directory {}: {error}",
                config.data_dir.display()
            );
            return ExitCode::FAILURE;
        }
    };
    // Ready without the parser's readers (built on first use); built here ahead of the first
    // upload, off the start-up path.
    Parser::builtin().warm_up_in_background();
    let listener = match TcpListener::bind(config.bind) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("shortlist: cannot listen on {}: {error}", config.bind);
            return ExitCode::FAILURE;
        }
    };
    // The plain list goes as it is; the tables as grants (scopes, tenant).
    let api_keys = match config.key_grants() {
        Ok(grants) => grants
            .into_iter()
            .skip(config.api_key_sha256.len())
            .collect(),
        Err(error) => {
            eprintln!("shortlist: {error}");
            return ExitCode::FAILURE;
        }
    };
    let settings = ApiSettings {
        api_key_sha256: config.api_key_sha256.clone(),
        api_keys,
        rate_limit: api::RateLimitSettings {
            per_second: config.rate_limit_per_second,
            burst: config.rate_limit_burst,
            auth_failure_limit: config.auth_failure_limit,
            auth_failure_window: Duration::from_secs(config.auth_failure_window_seconds.max(1)),
        },
        max_upload_bytes: config.max_upload_bytes,
        max_batch_bytes: config.max_batch_bytes,
        max_json_bytes: config.max_json_bytes,
        extract_timeout: Duration::from_secs(config.extract_timeout_seconds),
        admission: AdmissionSettings {
            workers: match config.extract_workers {
                0 => AdmissionSettings::default().workers,
                workers => workers,
            },
            max_queued: config.max_queued_uploads,
            queue_wait: Duration::from_secs(config.queue_wait_seconds),
            max_inflight_bytes: config.max_inflight_bytes,
        },
        body_timeout: Duration::from_secs(config.body_timeout_seconds.max(1)),
        webhook_allowed_hosts: config.webhook_allowed_hosts.clone(),
        webhook_ca_file: config.webhook_ca_file.clone(),
        header_timeout: Duration::from_secs(config.header_timeout_seconds.max(1)),
        idempotency_ttl: Duration::from_secs(config.idempotency_ttl_hours.saturating_mul(3600)),
        retention_days: config.retention_days,
        housekeeping_interval: Duration::from_secs(3600),
        blind: config.blind,
    };
    tracing::info!(
        bind = %config.bind,
        data_dir = %config.data_dir.display(),
        store = if config.database_url.is_some() { "postgresql" } else { "sqlite" },
        candidates = engine.candidate_count(),
        authentication = !settings.api_key_sha256.is_empty() || !settings.api_keys.is_empty(),
        "shortlist is serving"
    );
    // The background workers start here, once, before the server takes requests for them.
    let workers = match shortlist::workers::start(&engine, &settings) {
        Ok(workers) => workers,
        Err(error) => {
            eprintln!("shortlist: cannot start the background workers: {error}");
            return ExitCode::FAILURE;
        }
    };
    let server_engine = Arc::clone(&engine);
    let result = actix_web::rt::System::new()
        .block_on(async move { api::serve(server_engine, workers, settings, listener)?.await });
    // The server's workers let go of the engine as they stop; then ours is the last, and dropping
    // it here runs the clean shutdown (final index commit) before the process exits.
    for _ in 0..1000 {
        if Arc::strong_count(&engine) == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(engine);
    tracing::info!("stopped");
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("shortlist: server stopped: {error}");
            ExitCode::FAILURE
        }
    }
}

fn parse(files: &[PathBuf], document_date: Option<chrono::NaiveDate>) -> ExitCode {
    let parser = Parser::builtin();
    // The readers are built on first use; another core builds them meanwhile, while the first
    // files are read and extracted.
    parser.warm_up_in_background();
    let limits = Limits::default();
    // Parsed in parallel, printed in the order given.
    let lines: Vec<(bool, String)> = files
        .par_iter()
        .map(|path| {
            let file = path.display().to_string();
            let outcome = std::fs::read(path)
                .map_err(|e| (Code::UnreadableFile, format!("cannot read {file}: {e}")))
                .and_then(|bytes| {
                    let file_name = path.file_name().and_then(|n| n.to_str());
                    Engine::parse_bytes(&parser, &bytes, file_name, document_date, &limits)
                        .map_err(|e| (e.code(), format!("{file}: {e}")))
                });
            match outcome {
                Ok((profile, _)) => (true, json!({"file": file, "profile": profile}).to_string()),
                Err((code, message)) => (
                    false,
                    json!({"file": file, "error": {"code": code.as_str(), "message": message}})
                        .to_string(),
                ),
            }
        })
        .collect();
    let mut stdout = std::io::stdout().lock();
    let mut failed = 0;
    for (ok, line) in &lines {
        failed += usize::from(!ok);
        if writeln!(stdout, "{line}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    if failed > 0 {
        eprintln!(
            "shortlist: {failed} of {} files could not be parsed",
            files.len()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn extract_text(path: &Path) -> ExitCode {
    let file = path.display();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            eprintln!("shortlist: cannot read {file}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let file_name = path.file_name().and_then(|n| n.to_str());
    match extract::extract(&bytes, file_name, &Limits::default()) {
        Ok(document) => {
            for warning in &document.warnings {
                eprintln!("shortlist: {file}: warning: {}", warning.message);
            }
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(document.text.as_bytes()).is_err()
                || !document.text.ends_with('\n') && writeln!(stdout).is_err()
            {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("shortlist: {file}: {error} ({})", error.code());
            ExitCode::FAILURE
        }
    }
}

fn import(
    dir: &Path,
    url: &str,
    data_dir: Option<&Path>,
    api_key: Option<&str>,
    options: &ImportOptions,
) -> ExitCode {
    let engine = match data_dir {
        Some(data_dir) => {
            let config = match Config::load(None) {
                Ok(config) => config,
                Err(error) => {
                    eprintln!("shortlist: {error}");
                    return ExitCode::FAILURE;
                }
            };
            let limits = Limits {
                max_input_bytes: config.max_upload_bytes,
                ..Limits::default()
            };
            match Engine::open(data_dir, &config.roles_dir, limits) {
                Ok(engine) => Some(engine),
                Err(error) => {
                    eprintln!(
                        "shortlist: cannot open the data directory {} (is a server using it?): {error}",
                        data_dir.display()
                    );
                    return ExitCode::FAILURE;
                }
            }
        }
        None => None,
    };
    let target = match &engine {
        Some(engine) => Target::DataDir(engine),
        None => Target::Server { url, api_key },
    };
    let summary = match import_dir(dir, target, options) {
        Ok(summary) => summary,
        Err(error) => {
            eprintln!("shortlist: import of {} failed: {error}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    println!(
        "imported {}: {} created, {} replaced, {} duplicates, {} rejected",
        dir.display(),
        summary.created,
        summary.replaced,
        summary.duplicates,
        summary.rejected.len()
    );
    for (file, code, message) in &summary.rejected {
        println!("  rejected {file}: {code}: {message}");
    }
    if summary.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
