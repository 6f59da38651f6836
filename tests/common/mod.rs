//! Test helpers: a real server on port 0 with a temporary data directory, and the corpus path.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use shortlist::api::{self, ApiSettings};
use shortlist::engine::Engine;
use shortlist::extract::Limits;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
    server: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    engine: Arc<Engine>,
    _temp: Option<tempfile::TempDir>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Stops the server and waits until it has let go of the data directory.
    pub async fn stop(self) -> Option<tempfile::TempDir> {
        self.server.stop(true).await;
        let _ = self.task.await;
        // Worker threads drop their copies of the app state as they wind down; then ours is the
        // last, and dropping it here runs the engine's shutdown (final index commit, lock
        // release) before this returns.
        for _ in 0..500 {
            if Arc::strong_count(&self.engine) == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            Arc::strong_count(&self.engine),
            1,
            "the server let go of the engine"
        );
        drop(self.engine);
        self._temp
    }

    /// The JSON body of `GET path`, whatever the status.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("a JSON body")
    }

    pub async fn upload(
        &self,
        bytes: Vec<u8>,
        file_name: &str,
        external_id: Option<&str>,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
        );
        if let Some(external_id) = external_id {
            form = form.text("external_id", external_id.to_owned());
        }
        self.client
            .post(self.url("/v1/candidates"))
            .multipart(form)
            .send()
            .await
            .expect("request sent")
    }
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared corpus, or `None` (with a message) when this checkout has none beside it.
pub fn corpus() -> Option<PathBuf> {
    let path = repo_root().join("../shared/corpus");
    if path.join("pdf").is_dir() {
        Some(path)
    } else {
        corpus_absent(&path);
        None
    }
}

/// Says that a corpus test skips, or fails it where the corpus is required: CI sets
/// `SHORTLIST_REQUIRE_CORPUS=1`, so that a missing corpus can never pass as a green run.
pub fn corpus_absent(path: &Path) {
    assert!(
        std::env::var_os("SHORTLIST_REQUIRE_CORPUS").is_none(),
        "SHORTLIST_REQUIRE_CORPUS is set but the corpus is not at {}",
        path.display()
    );
    eprintln!(
        "skipping: the corpus is not at {} (tests that need it do nothing)",
        path.display()
    );
}

pub async fn spawn_app() -> TestApp {
    let temp = tempfile::tempdir().expect("temporary directory");
    let data_dir = temp.path().to_owned();
    let mut app = spawn_app_in(&data_dir, Vec::new()).await;
    app._temp = Some(temp);
    app
}

/// A server with `settings` (webhooks to loopback allowed) on a temporary data directory.
pub async fn spawn_app_with(settings: ApiSettings) -> TestApp {
    let temp = tempfile::tempdir().expect("temporary directory");
    let data_dir = temp.path().to_owned();
    let mut app = spawn_configured(&data_dir, settings).await;
    app._temp = Some(temp);
    app
}

pub async fn spawn_app_in(data_dir: &Path, api_key_sha256: Vec<String>) -> TestApp {
    let settings = ApiSettings {
        api_key_sha256,
        ..ApiSettings::default()
    };
    spawn_configured(data_dir, settings).await
}

async fn spawn_configured(data_dir: &Path, mut settings: ApiSettings) -> TestApp {
    // The tests' webhook receivers listen on loopback.
    settings.webhook_allowed_hosts.push("127.0.0.1".to_owned());
    let limits = Limits {
        time_budget: Some(Duration::from_secs(10)),
        ..Limits::default()
    };
    // The store is SQLite, or PostgreSQL in CI's second pass (`store::testing`). Opened, and
    // the workers started, on a plain thread: the PostgreSQL client must not run inside the
    // test's async runtime.
    let (engine, workers) = {
        let data_dir = data_dir.to_owned();
        let settings = settings.clone();
        std::thread::spawn(move || {
            let store = shortlist::store::testing::open_test_store(&data_dir);
            let engine = Engine::open_with_store(
                store,
                &data_dir,
                &repo_root().join("config/roles"),
                limits,
            )
            .expect("engine opens");
            let engine = Arc::new(engine);
            let workers = shortlist::workers::start(&engine, &settings).expect("workers start");
            (engine, workers)
        })
        .join()
        .expect("the engine opens without panicking")
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    let port = listener.local_addr().expect("local address").port();
    let server =
        api::serve(Arc::clone(&engine), workers, settings, listener).expect("server builds");
    let handle = server.handle();
    let task = tokio::spawn(server);
    shortlist::tls::install_crypto();
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
        data_dir: data_dir.to_owned(),
        server: handle,
        task,
        engine,
        _temp: None,
    }
}

/// Asserts an error response is problem+json with the given status and code; returns the body.
pub async fn assert_problem(
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let body: serde_json::Value = response.json().await.expect("problem body is JSON");
    assert_eq!(body["code"], code, "problem code in {body}");
    assert_eq!(body["status"], status);
    for field in ["type", "title", "detail"] {
        assert!(body[field].is_string(), "problem has {field}: {body}");
    }
    body
}

pub type Received = Arc<Mutex<Vec<(String, String)>>>;

/// A webhook receiver that records (signature header, body) and answers 200.
pub async fn spawn_receiver() -> (String, Received, actix_web::dev::ServerHandle) {
    let received: Received = Arc::default();
    let shared = web::Data::new(Arc::clone(&received));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(move || {
        App::new().app_data(shared.clone()).default_service(web::to(
            |request: HttpRequest, body: String, received: web::Data<Received>| async move {
                let signature = request
                    .headers()
                    .get("shortlist-signature")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                received.lock().unwrap().push((signature, body));
                HttpResponse::Ok().finish()
            },
        ))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (format!("http://127.0.0.1:{port}/hook"), received, handle)
}
pub mod labels;
pub mod ranking_metrics;
