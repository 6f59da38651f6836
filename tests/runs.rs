//! Screening runs and webhooks end to end: a real server, a real webhook receiver on port 0.

mod common;

use std::time::{Duration, Instant};

use common::{TestApp, assert_problem, spawn_app, spawn_receiver};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

async fn upload_many(app: &TestApp, count: usize) -> Value {
    let mut form = Form::new();
    for i in 0..count {
        let title = ["Key Account Manager", "Chef", "Sales Manager", "Teacher"][i % 4];
        let text = format!(
            "{title}\nExperience\n01/20{:02} to Current {title}\nCompany Name - City , State\nManaged corporate accounts in Salesforce CRM, case {i}.\n",
            i % 15
        );
        form = form.part(
            "file",
            Part::bytes(text.into_bytes()).file_name(format!("cv{i}.txt")),
        );
    }
    app.client
        .post(app.url("/v1/candidates/batch"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn wait_for_final(app: &TestApp, run_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let run: Value = app.get_json(&format!("/v1/runs/{run_id}")).await;
        if ["succeeded", "failed", "canceled"].contains(&run["status"].as_str().unwrap()) {
            return run;
        }
        assert!(
            Instant::now() < deadline,
            "run {run_id} did not finish: {run}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_run_ranks_a_batch_exports_it_and_signs_its_completion_webhook() {
    let app = spawn_app().await;
    let (hook_url, received, receiver) = spawn_receiver().await;
    let secret = "whsec_test_0123456789abcdef";
    let webhook = app
        .client
        .post(app.url("/v1/webhooks"))
        .json(
            &json!({"url": hook_url, "secret": secret, "events": ["run.completed", "run.failed"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(webhook.status().as_u16(), 201);
    let webhook: Value = webhook.json().await.unwrap();

    let batch = upload_many(&app, 12).await;
    assert_eq!(batch["created"], 12, "{batch}");
    upload_many(&app, 1).await; // another batch, outside the selection (a duplicate of cv0)
    let created = app
        .client
        .post(app.url("/v1/runs"))
        .json(&json!({"role_id": "account-manager", "selection": {"batch_id": batch["batch_id"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 202);
    let created: Value = created.json().await.unwrap();
    let run = wait_for_final(&app, created["id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["progress"]["done"], 12);
    assert_eq!(run["progress"]["total"], 12);

    let run_id = run["id"].as_str().unwrap();
    let first: Value = app
        .get_json(&format!("/v1/runs/{run_id}/results?limit=5"))
        .await;
    assert_eq!(first["total"], 12);
    assert_eq!(first["results"].as_array().unwrap().len(), 5);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get_json(&format!(
            "/v1/runs/{run_id}/results?limit=100&cursor={cursor}"
        ))
        .await;
    assert_eq!(second["results"].as_array().unwrap().len(), 7);
    assert_eq!(second["results"][0]["rank"], 6);

    let csv = app
        .client
        .get(app.url(&format!("/v1/runs/{run_id}/export?format=csv")))
        .send()
        .await
        .unwrap();
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    assert!(
        csv.starts_with("rank,candidate_id,external_id,score,must_haves_met"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 13, "a header and 12 rows");
    let jsonl = app
        .client
        .get(app.url(&format!("/v1/runs/{run_id}/export?format=jsonl")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(jsonl.lines().count(), 12);

    // The completion webhook arrives, signed with the subscription's secret.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (signature, body) = loop {
        if let Some(delivery) = received.lock().unwrap().first().cloned() {
            break delivery;
        }
        assert!(Instant::now() < deadline, "no webhook received");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let now = chrono::Utc::now().timestamp();
    assert!(
        shortlist::runs::webhooks::verify(secret, &signature, &body, now, 300),
        "signature {signature}"
    );
    assert!(!shortlist::runs::webhooks::verify(
        "wrong-secret-000000",
        &signature,
        &body,
        now,
        300
    ));
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["type"], "run.completed");
    assert_eq!(event["data"]["run"]["id"], run_id);
    let deliveries: Value = app
        .get_json(&format!(
            "/v1/webhooks/{}/deliveries",
            webhook["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(deliveries[0]["status"], "delivered", "{deliveries}");
    receiver.stop(true).await;
}

#[tokio::test]
async fn runs_can_be_canceled_and_bad_requests_are_problems() {
    let app = spawn_app().await;
    upload_many(&app, 300).await;
    let start = |role: &'static str| {
        app.client
            .post(app.url("/v1/runs"))
            .json(&json!({"role_id": role, "selection": {"all": true}}))
            .send()
    };
    let long: Value = start("account-manager")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let queued: Value = start("sales-account-manager")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let canceled: Value = app
        .client
        .post(app.url(&format!(
            "/v1/runs/{}/cancel",
            queued["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let canceled = wait_for_final(&app, canceled["id"].as_str().unwrap()).await;
    assert_eq!(canceled["status"], "canceled");
    let long_id = long["id"].as_str().unwrap();
    app.client
        .post(app.url(&format!("/v1/runs/{long_id}/cancel")))
        .send()
        .await
        .unwrap();
    let long = wait_for_final(&app, long_id).await;
    let status = long["status"].as_str().unwrap();
    assert!(status == "canceled" || status == "succeeded", "{long}");
    if status == "canceled" {
        assert!(
            long["progress"]["done"].as_u64().unwrap() < 300,
            "stopped before the end: {long}"
        );
    }

    let unknown_role = start("no-such-role").await.unwrap();
    assert_problem(unknown_role, 404, "role_not_found").await;
    let bad_selection = app
        .client
        .post(app.url("/v1/runs"))
        .json(&json!({"role_id": "account-manager", "selection": {"everyone": true}}))
        .send()
        .await
        .unwrap();
    assert_problem(bad_selection, 400, "malformed_json").await;
    assert_problem(
        app.client
            .get(app.url("/v1/runs/nope"))
            .send()
            .await
            .unwrap(),
        404,
        "run_not_found",
    )
    .await;
    let https = app
        .client
        .post(app.url("/v1/webhooks"))
        .json(&json!({"url": "ftp://x"}))
        .send()
        .await
        .unwrap();
    assert_problem(https, 422, "invalid_webhook").await;
}

/// A private CA and a certificate it issued for 127.0.0.1: the CA's PEM, and the receiver's
/// chain and key.
fn private_ca() -> (
    String,
    Vec<rustls::pki_types::CertificateDer<'static>>,
    rustls::pki_types::PrivateKeyDer<'static>,
) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Shortlist test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    (ca_cert.pem(), vec![leaf.der().clone()], key)
}

/// An https webhook receiver (rustls on a thread, HTTP/1.1 read by hand): records each
/// request's signature header and body, and answers with the status in `answer`.
struct TlsReceiver {
    url: String,
    received: common::Received,
    answer: std::sync::Arc<std::sync::atomic::AtomicU16>,
}

fn spawn_tls_receiver(
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
) -> TlsReceiver {
    use std::sync::Arc;
    use std::sync::atomic::AtomicU16;
    #[allow(deprecated)] // ring has no post-quantum key exchange; fine for a test receiver
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let config = Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = common::Received::default();
    let answer = Arc::new(AtomicU16::new(200));
    let (seen, status) = (Arc::clone(&received), Arc::clone(&answer));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (config, seen, status) =
                (Arc::clone(&config), Arc::clone(&seen), Arc::clone(&status));
            // A refused handshake (the sender does not trust us) ends that connection only.
            std::thread::spawn(move || {
                let _ = answer_one(stream, config, &seen, &status);
            });
        }
    });
    TlsReceiver {
        url: format!("https://127.0.0.1:{port}/hook"),
        received,
        answer,
    }
}

fn answer_one(
    tcp: std::net::TcpStream,
    config: std::sync::Arc<rustls::ServerConfig>,
    received: &common::Received,
    answer: &std::sync::atomic::AtomicU16,
) -> std::io::Result<()> {
    use std::io::{Read, Write};
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    let connection = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(connection, tcp);
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let read = tls.read(&mut chunk)?;
        if read == 0 {
            return Ok(());
        }
        bytes.extend_from_slice(&chunk[..read]);
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    };
    let length: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while bytes.len() < head_end + length {
        let read = tls.read(&mut chunk)?;
        if read == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..read]);
    }
    let body = String::from_utf8_lossy(&bytes[head_end..(head_end + length).min(bytes.len())])
        .into_owned();
    received
        .lock()
        .unwrap()
        .push((header("shortlist-signature").unwrap_or_default(), body));
    let status = answer.load(std::sync::atomic::Ordering::SeqCst);
    write!(
        tls,
        "HTTP/1.1 {status} Answer\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    )?;
    tls.conn.send_close_notify();
    tls.flush()
}

fn signature_verifies(secret: &str, signature: &str, body: &str) -> bool {
    let now = chrono::Utc::now().timestamp();
    shortlist::runs::webhooks::verify(secret, signature, body, now, 300)
}

async fn subscribe(app: &TestApp, url: &str, secret: &str, events: &[&str]) -> String {
    let response = app
        .client
        .post(app.url("/v1/webhooks"))
        .json(&json!({"url": url, "secret": secret, "events": events}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201, "subscribed");
    let body: Value = response.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn https_receivers_behind_a_private_ca_get_signed_events_tests_and_redeliveries() {
    let (ca_pem, chain, key) = private_ca();
    let ca_dir = tempfile::tempdir().unwrap();
    let ca_file = ca_dir.path().join("webhook-ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let app = common::spawn_app_with(shortlist::api::ApiSettings {
        webhook_ca_file: Some(ca_file),
        ..Default::default()
    })
    .await;
    let receiver = spawn_tls_receiver(chain, key);
    let secret = "whsec_tls_test_secret_0123";
    let webhook = subscribe(&app, &receiver.url, secret, &["candidate.parsed"]).await;

    // An event reaches the receiver over TLS, signed.
    let uploaded = app
        .upload(
            b"Key Account Manager\nExperience\n01/2019 to Current Key Account Manager\nAcme - Austin , TX\nManaged corporate accounts in Salesforce CRM.\n".to_vec(),
            "cv.txt",
            None,
        )
        .await;
    assert_eq!(uploaded.status().as_u16(), 201);
    let deadline = Instant::now() + Duration::from_secs(30);
    let (signature, body) = loop {
        if let Some(first) = receiver.received.lock().unwrap().first().cloned() {
            break first;
        }
        assert!(Instant::now() < deadline, "no event over https");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let event: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["type"], "candidate.parsed");
    assert!(signature_verifies(secret, &signature, &body), "{signature}");
    assert!(!signature_verifies(
        "whsec_some_other_secret",
        &signature,
        &body
    ));

    // The test call sends a signed ping now and answers with the outcome.
    let tested = app
        .client
        .post(app.url(&format!("/v1/webhooks/{webhook}/test")))
        .send()
        .await
        .unwrap();
    assert_eq!(tested.status().as_u16(), 200);
    let tested: Value = tested.json().await.unwrap();
    assert_eq!(
        (
            &tested["event"],
            &tested["status"],
            &tested["attempts"],
            &tested["last_status"]
        ),
        (&json!("ping"), &json!("delivered"), &json!(1), &json!(200)),
        "{tested}"
    );
    let (signature, body) = receiver.received.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["type"],
        "ping"
    );
    assert!(signature_verifies(secret, &signature, &body));

    // A receiver failing with 500: the ping fails, with the status recorded and no retry.
    receiver
        .answer
        .store(500, std::sync::atomic::Ordering::SeqCst);
    let failed: Value = app
        .client
        .post(app.url(&format!("/v1/webhooks/{webhook}/test")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&failed["status"], &failed["last_status"]),
        (&json!("failed"), &json!(500)),
        "{failed}"
    );
    let failed_body = receiver.received.lock().unwrap().last().cloned().unwrap().1;

    // Once the receiver is back, the failed delivery is sent again on request: the same body,
    // signed afresh, recorded as a new delivery that names the first.
    receiver
        .answer
        .store(200, std::sync::atomic::Ordering::SeqCst);
    let failed_id = failed["id"].as_str().unwrap();
    let redelivered = app
        .client
        .post(app.url(&format!(
            "/v1/webhooks/{webhook}/deliveries/{failed_id}/redeliver"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(redelivered.status().as_u16(), 201);
    let redelivered: Value = redelivered.json().await.unwrap();
    assert_eq!(
        (
            &redelivered["status"],
            &redelivered["redelivery_of"],
            &redelivered["event"]
        ),
        (&json!("delivered"), &json!(failed_id), &json!("ping")),
        "{redelivered}"
    );
    assert_ne!(redelivered["id"], failed["id"]);
    let (signature, body) = receiver.received.lock().unwrap().last().cloned().unwrap();
    assert_eq!(body, failed_body, "the same event, byte for byte");
    assert!(signature_verifies(secret, &signature, &body));
    let log: Value = app
        .get_json(&format!("/v1/webhooks/{webhook}/deliveries"))
        .await;
    let statuses: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["event"] == "ping")
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 3, "{log}");
    assert_eq!(statuses.iter().filter(|s| **s == "failed").count(), 1);

    // Unknown subscriptions and deliveries are problems with their own codes.
    let unknown = app
        .client
        .post(app.url("/v1/webhooks/no-such-webhook/test"))
        .send()
        .await
        .unwrap();
    assert_problem(unknown, 404, "webhook_not_found").await;
    let unknown = app
        .client
        .post(app.url(&format!(
            "/v1/webhooks/{webhook}/deliveries/no-such-delivery/redeliver"
        )))
        .send()
        .await
        .unwrap();
    assert_problem(unknown, 404, "delivery_not_found").await;
    let wrong_method = app
        .client
        .get(app.url(&format!("/v1/webhooks/{webhook}/test")))
        .send()
        .await
        .unwrap();
    assert_problem(wrong_method, 405, "method_not_allowed").await;
    app.stop().await;
}

#[tokio::test]
async fn an_https_receiver_with_an_untrusted_certificate_fails_with_the_reason_recorded() {
    // The receiver's CA is not configured: its certificate chains to nothing trusted.
    let (_ca_pem, chain, key) = private_ca();
    let app = spawn_app().await;
    let receiver = spawn_tls_receiver(chain, key);
    let webhook = subscribe(&app, &receiver.url, "whsec_untrusted_secret_01", &[]).await;
    let tested: Value = app
        .client
        .post(app.url(&format!("/v1/webhooks/{webhook}/test")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tested["status"], "failed", "{tested}");
    assert!(tested["last_status"].is_null(), "{tested}");
    let error = tested["last_error"].as_str().unwrap();
    assert!(
        error.contains("certificate") && error.contains("webhook_ca_file"),
        "the reason names the certificate: {error}"
    );
    assert!(
        receiver.received.lock().unwrap().is_empty(),
        "nothing was sent over an untrusted connection"
    );
    app.stop().await;
}

/// Regression: a run that could not be read back (the server's own failure) was answered 422
/// `invalid_run`, as if the caller had sent something wrong, with the stored row's contents in
/// the detail. It is a 500 `internal_error` that says nothing of the cause.
#[tokio::test]
async fn a_run_the_server_cannot_read_back_is_a_500_that_leaks_nothing() {
    let app = spawn_app().await;
    upload_many(&app, 2).await;
    let created: Value = app
        .client
        .post(app.url("/v1/runs"))
        .json(&json!({"role_id": "account-manager", "selection": {"all": true}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let run_id = created["id"].as_str().unwrap().to_owned();
    wait_for_final(&app, &run_id).await;
    // A run id is a UUID: safe to write into the statement.
    shortlist::store::testing::execute_sql(
        &app.data_dir,
        &format!("UPDATE runs SET status = 'secret-internal-state' WHERE id = '{run_id}'"),
    );
    let response = app
        .client
        .get(app.url(&format!("/v1/runs/{run_id}")))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, 500, "internal_error").await;
    assert!(
        !problem.to_string().contains("secret-internal-state"),
        "the cause stays in the log: {problem}"
    );
}
