//! `shortlist import DIR`: every resume in a folder, to a running server (batches over HTTP,
//! retried safely with idempotency keys) or straight into a data directory, with progress and a
//! summary of what was accepted, what was a duplicate and what was rejected, and why.

use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::engine::{Engine, Ingested, Upload};
use crate::error_code::Code;

/// Where imported resumes go.
pub enum Target<'a> {
    Server {
        url: &'a str,
        api_key: Option<&'a str>,
    },
    DataDir(&'a Engine),
}

pub struct ImportOptions {
    pub batch_size: usize,
    /// Use each file's path below the folder as its `external_id`, so that importing the folder
    /// again replaces candidates instead of reporting duplicates.
    pub external_ids_from_paths: bool,
    pub document_date: Option<chrono::NaiveDate>,
}

#[derive(Debug, Default)]
pub struct ImportSummary {
    pub created: usize,
    pub replaced: usize,
    pub duplicates: usize,
    /// (file, code, message)
    pub rejected: Vec<(String, String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot list {path}: {source}")]
    List {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the server at {url} failed: {message}")]
    Server { url: String, message: String },
    #[error("{0}")]
    Engine(#[from] crate::engine::EngineError),
}

/// Every regular file below `dir`, hidden ones left out, in a stable order.
pub fn list_files(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|source| ImportError::List {
            path: folder.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(path),
                Ok(kind) if kind.is_file() => files.push(path),
                _ => {}
            }
        }
    }
    files.sort();
    Ok(files)
}

pub fn import_dir(
    dir: &Path,
    target: Target<'_>,
    options: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let files = list_files(dir)?;
    let progress = ProgressBar::new(files.len() as u64);
    progress.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} resumes ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    crate::tls::install_crypto();
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()
        .map_err(|e| ImportError::Server {
            url: String::new(),
            message: e.to_string(),
        })?;
    let mut summary = ImportSummary::default();
    for chunk in files.chunks(options.batch_size.max(1)) {
        let mut loaded = Vec::with_capacity(chunk.len());
        for path in chunk {
            let name = path
                .strip_prefix(dir)
                .unwrap_or(path)
                .to_string_lossy()
                .into_owned();
            match std::fs::read(path) {
                Ok(bytes) => loaded.push((name, bytes)),
                Err(error) => summary.rejected.push((
                    name,
                    Code::UnreadableFile.to_string(),
                    error.to_string(),
                )),
            }
        }
        match &target {
            Target::DataDir(engine) => import_into_engine(engine, &loaded, options, &mut summary)?,
            Target::Server { url, api_key } => {
                import_over_http(&client, url, *api_key, &loaded, options, &mut summary)?
            }
        }
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    Ok(summary)
}

fn import_into_engine(
    engine: &Engine,
    files: &[(String, Vec<u8>)],
    options: &ImportOptions,
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    let uploads: Vec<Upload<'_>> = files
        .iter()
        .map(|(name, bytes)| Upload {
            bytes,
            file_name: Some(name),
            external_id: options.external_ids_from_paths.then_some(name.as_str()),
            document_date: options.document_date,
            batch_id: None,
            tenant: Default::default(),
        })
        .collect();
    for ((name, _), result) in files.iter().zip(engine.ingest_batch(&uploads)?) {
        match result {
            Ok((_, Ingested::Created)) => summary.created += 1,
            Ok((_, Ingested::Replaced)) => summary.replaced += 1,
            Ok((_, Ingested::Duplicate)) => summary.duplicates += 1,
            // The code the server's batch would give the same file, from the same table.
            Err(error) => {
                summary
                    .rejected
                    .push((name.clone(), error.code().to_string(), error.to_string()))
            }
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct BatchItem {
    file: Option<String>,
    outcome: String,
    error: Option<BatchItemError>,
}

#[derive(Deserialize)]
struct BatchItemError {
    code: String,
    message: String,
}

#[derive(Deserialize)]
struct BatchResponse {
    items: Vec<BatchItem>,
}

fn import_over_http(
    client: &reqwest::blocking::Client,
    url: &str,
    api_key: Option<&str>,
    files: &[(String, Vec<u8>)],
    options: &ImportOptions,
    summary: &mut ImportSummary,
) -> Result<(), ImportError> {
    if files.is_empty() {
        return Ok(());
    }
    let endpoint = format!("{}/v1/candidates/batch", url.trim_end_matches('/'));
    // The same batch always carries the same key, so a retry after a lost answer is safe.
    let mut hasher = Sha256::new();
    for (name, bytes) in files {
        hasher.update(name.as_bytes());
        hasher.update(Sha256::digest(bytes));
    }
    let idempotency_key = format!("import-{}", hex::encode(hasher.finalize()));
    let server_error = |message: String| ImportError::Server {
        url: url.to_owned(),
        message,
    };

    let mut last_error = String::new();
    for attempt in 0..4u32 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(500 * 2u64.pow(attempt)));
        }
        let mut form = reqwest::blocking::multipart::Form::new();
        for (name, bytes) in files {
            form = form.part(
                "file",
                reqwest::blocking::multipart::Part::bytes(bytes.clone()).file_name(name.clone()),
            );
        }
        if options.external_ids_from_paths {
            form = form.text("external_ids_from_file_names", "true");
        }
        if let Some(date) = options.document_date {
            form = form.text("document_date", date.to_string());
        }
        let mut request = client
            .post(&endpoint)
            .header("Idempotency-Key", &idempotency_key)
            .multipart(form);
        if let Some(key) = api_key {
            request = request.bearer_auth(key);
        }
        let response = match request.send() {
            Ok(response) => response,
            Err(error) => {
                last_error = error.to_string();
                continue;
            }
        };
        let status = response.status();
        if status.is_server_error() {
            last_error = format!("HTTP {status}");
            continue;
        }
        if !status.is_success() {
            let body = response.text().unwrap_or_default();
            return Err(server_error(format!("HTTP {status}: {body}")));
        }
        let batch: BatchResponse = response
            .json()
            .map_err(|e| server_error(format!("unexpected answer: {e}")))?;
        for item in batch.items {
            match (item.outcome.as_str(), item.error) {
                ("created", _) => summary.created += 1,
                ("replaced", _) => summary.replaced += 1,
                ("duplicate", _) => summary.duplicates += 1,
                (_, Some(error)) => summary.rejected.push((
                    item.file.unwrap_or_default(),
                    error.code,
                    error.message,
                )),
                (other, None) => summary.rejected.push((
                    item.file.unwrap_or_default(),
                    other.to_owned(),
                    String::new(),
                )),
            }
        }
        return Ok(());
    }
    Err(server_error(format!(
        "gave up after 4 attempts: {last_error}"
    )))
}
