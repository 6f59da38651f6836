//! The recruiter page end to end in a real headless Chromium (driven through chromedriver by
//! fantoccini) against a real server: upload a corpus PDF, draft a role from a seed job
//! description, read the ranking's verdicts and evidence, edit the role and see the ranking
//! change, open the profile with its evidence highlighted, reach the upload button by keyboard.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian's `chromium` and
//! `chromium-driver`). Without them it prints a SKIP line, or fails when
//! `SHORTLIST_REQUIRE_BROWSER=1` (CI sets it). With `SHORTLIST_SCREENSHOTS=1` it saves
//! `docs/screenshots/ranking.png` and `docs/screenshots/profile.png`.

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Longest wait for any one thing the page does (an upload, a ranking).
const PATIENCE: Duration = Duration::from_secs(10);

/// chromedriver on a free loopback port and the browser profile it starts Chromium with. When
/// dropped (also when the test panics, before the session is closed) it kills Chromium, found
/// by its profile directory (unique to this test), then chromedriver: killing chromedriver alone
/// leaves the browser running.
struct Chromedriver {
    child: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Chromedriver {
    fn start() -> Chromedriver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("a browser profile directory");
        let driver = Chromedriver {
            child,
            port,
            profile,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < PATIENCE,
                "chromedriver did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let flag = format!("--user-data-dir={}", self.profile.path().display());
        for pid in processes_with_argument(&flag) {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The ids of the processes one of whose arguments is `argument` exactly (Linux `/proc`).
fn processes_with_argument(argument: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.to_owned();
            pid.bytes().all(|b| b.is_ascii_digit()).then_some(pid)
        })
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|cmdline| {
                cmdline
                    .split(|&byte| byte == 0)
                    .any(|arg| arg == argument.as_bytes())
            })
        })
        .collect()
}

/// Whether the browser is here; says SKIP, or fails where CI requires it.
fn browser_present() -> bool {
    let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var("SHORTLIST_REQUIRE_BROWSER").as_deref() != Ok("1"),
        "SHORTLIST_REQUIRE_BROWSER=1 but {missing:?} is missing: \
         apt-get install -y chromium chromium-driver"
    );
    eprintln!(
        "SKIP browser test: {missing:?} not installed (apt-get install -y chromium chromium-driver)"
    );
    false
}

async fn connect(driver: &Chromedriver) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                // Without these, Chromium's own connections (updates, sync, field trials) are
                // refused by a closed network and slow every page down.
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1440,1000",
                format!("--user-data-dir={}", driver.profile.path().display()),
            ],
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url())
        .await
        .expect("a Chromium session")
}

/// Runs `script` (a function body returning a value) until it returns something truthy.
async fn wait_for(client: &Client, what: &str, script: &str) -> Value {
    let started = Instant::now();
    loop {
        let value = client
            .execute(script, Vec::new())
            .await
            .expect("script runs");
        let truthy = match &value {
            Value::Null | Value::Bool(false) => false,
            Value::String(text) => !text.is_empty(),
            Value::Number(number) => number.as_f64() != Some(0.0),
            _ => true,
        };
        if truthy {
            return value;
        }
        if started.elapsed() > PATIENCE {
            let page = client
                .execute(
                    "return document.querySelector('main').innerText.slice(0, 4000)",
                    Vec::new(),
                )
                .await;
            panic!("waited too long for {what}; the page shows: {page:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Finds the element at `locator` (named `what` in failures) and clicks it.
async fn click(client: &Client, locator: Locator<'_>, what: &str) {
    client
        .find(locator)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("{what} clicked: {e}"));
}

/// Finds the element at `locator` (named `what` in failures) and types `keys` into it.
async fn send_keys(client: &Client, locator: Locator<'_>, keys: &str, what: &str) {
    client
        .find(locator)
        .await
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .send_keys(keys)
        .await
        .unwrap_or_else(|e| panic!("{what} typed: {e}"));
}

async fn js(client: &Client, script: &str) -> Value {
    client
        .execute(script, Vec::new())
        .await
        .expect("script runs")
}

async fn screenshot(client: &Client, name: &str) {
    if std::env::var("SHORTLIST_SCREENSHOTS").as_deref() != Ok("1") {
        return;
    }
    let png = client.screenshot().await.expect("a screenshot");
    let dir = common::repo_root().join("docs/screenshots");
    std::fs::create_dir_all(&dir).expect("docs/screenshots");
    std::fs::write(dir.join(name), png).expect("screenshot written");
}

async fn press_tab(client: &Client) {
    let tab: char = Key::Tab.into();
    let keys = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: tab })
        .then(KeyAction::Up { value: tab });
    client.perform_actions(keys).await.expect("Tab pressed");
}

fn seed_job_description() -> String {
    let seeds = common::repo_root().join("../shared/seeds");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&seeds)
        .unwrap_or_else(|e| panic!("{}: {e}", seeds.display()))
        .map(|entry| entry.expect("a seed").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    // 000 is the Senior Account Manager description, whose draft asks for Excel as a must-have.
    std::fs::read_to_string(&paths[0]).expect("a seed job description")
}

#[tokio::test]
async fn a_recruiter_uploads_drafts_edits_and_reads_the_evidence_in_a_real_browser() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    if !browser_present() {
        return;
    }
    let resume = corpus.join("pdf/BUSINESS-DEVELOPMENT/16846478.pdf");
    let resume = resume.canonicalize().expect("the corpus PDF");
    let app = common::spawn_app().await;
    let driver = Chromedriver::start();
    let client = connect(&driver).await;

    client.goto(&app.url("/")).await.expect("the page opens");
    wait_for(
        &client,
        "the saved roles",
        "return document.querySelectorAll('#role-select option').length > 1",
    )
    .await;

    // Keyboard: from the top of the page, Tab reaches the file pickers and the upload button.
    js(
        &client,
        "document.activeElement.blur(); window.focus(); return 0",
    )
    .await;
    let mut visited = Vec::new();
    for _ in 0..12 {
        press_tab(&client).await;
        let id = js(&client, "return document.activeElement.id").await;
        visited.push(id.as_str().unwrap_or("").to_owned());
        if id == "upload-button" {
            break;
        }
    }
    assert_eq!(
        visited.last().map(String::as_str),
        Some("upload-button"),
        "focus order: {visited:?}"
    );
    let file_input = visited.iter().position(|id| id == "file-input");
    assert!(
        file_input.is_some_and(|at| at < visited.len() - 1),
        "the file input comes before the upload button: {visited:?}"
    );

    // Upload the PDF through the file input; its row reaches "done" with a full progress bar.
    send_keys(
        &client,
        Locator::Css("#file-input"),
        &resume.display().to_string(),
        "the file input",
    )
    .await;
    click(&client, Locator::Id("upload-button"), "the upload button").await;
    wait_for(
        &client,
        "the upload to finish",
        "const item = document.querySelector('.upload-item[data-state=done]');
         return item && item.querySelector('progress').value === 1
             && item.querySelector('.upload-status').textContent.startsWith('done')",
    )
    .await;
    let summary = js(
        &client,
        "return document.getElementById('upload-summary').textContent",
    )
    .await;
    assert_eq!(summary, "Upload finished: 1 added.");

    // A file the server refuses: its row says why, in the problem's own words.
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let too_short = scratch.path().join("too-short.txt");
    std::fs::write(&too_short, "hi").expect("a file too short to be a resume");
    send_keys(
        &client,
        Locator::Css("#file-input"),
        &too_short.display().to_string(),
        "the file input",
    )
    .await;
    click(&client, Locator::Id("upload-button"), "the upload button").await;
    let refused = wait_for(
        &client,
        "the refusal",
        "const item = document.querySelector('.upload-item[data-state=refused]');
         return item && item.querySelector('.upload-status').textContent",
    )
    .await;
    let refused = refused.as_str().unwrap();
    assert!(
        refused.starts_with("refused: ") && refused.len() > "refused: ".len() + 10,
        "{refused}"
    );
    let summary = js(
        &client,
        "return document.getElementById('upload-summary').textContent",
    )
    .await;
    assert_eq!(summary, "Upload finished: 0 added, 1 refused.");

    // A whole folder: its hidden files are left out, and the resume already there is said so.
    let folder = scratch.path().join("folder");
    std::fs::create_dir_all(folder.join("sub")).expect("a folder");
    std::fs::copy(&resume, folder.join("sub/again.pdf")).expect("a copy of the resume");
    std::fs::write(folder.join(".DS_Store"), b"\0\0\0\x01Bud1").expect("a hidden file");
    send_keys(
        &client,
        Locator::Css("#folder-input"),
        &folder.display().to_string(),
        "the folder input",
    )
    .await;
    click(&client, Locator::Id("upload-button"), "the upload button").await;
    let rows = wait_for(
        &client,
        "the folder's upload",
        "const items = [...document.querySelectorAll('.upload-item')];
         return items.length === 3 && ['done', 'refused'].includes(items[2].dataset.state)
             && items.map(item => item.querySelector('.upload-name').textContent + ' '
                 + item.querySelector('.upload-status').textContent)",
    )
    .await;
    assert_eq!(
        rows.as_array().unwrap()[2],
        "folder/sub/again.pdf done (already there)",
        "{rows}"
    );
    let summary = js(
        &client,
        "return document.getElementById('upload-summary').textContent",
    )
    .await;
    assert_eq!(summary, "Upload finished: 0 added, 1 already there.");

    // Paste a seed job description into the draft box and draft a role from it.
    click(
        &client,
        Locator::Css("#draft-details summary"),
        "the draft disclosure",
    )
    .await;
    send_keys(
        &client,
        Locator::Id("draft-text"),
        &seed_job_description(),
        "the draft box",
    )
    .await;
    click(&client, Locator::Id("draft-button"), "the draft button").await;

    // The candidate is ranked, with one verdict chip (colour, icon and words) per requirement.
    wait_for(
        &client,
        "the ranked candidate",
        "return document.querySelector('#ranking-list .result .chip') !== null",
    )
    .await;
    let ranked = js(
        &client,
        "const row = document.querySelector('#ranking-list .result');
         return {
           name: row.querySelector('.name').textContent,
           requirements: document.querySelectorAll('#requirement-list .requirement').length,
           chips: [...row.querySelectorAll('.chip')].map(chip => ({
             verdict: chip.dataset.verdict,
             words: chip.querySelector('.chip-verdict').textContent,
             color: getComputedStyle(chip).color,
           })),
           unsaved: !document.getElementById('unsaved-badge').hidden,
         }",
    )
    .await;
    assert_eq!(ranked["name"], "16846478.pdf");
    assert_eq!(ranked["unsaved"], true, "a draft is not saved yet");
    let chips = ranked["chips"].as_array().expect("chips");
    assert!(
        chips.len() >= 3,
        "a drafted role has requirements: {ranked}"
    );
    assert_eq!(chips.len() as u64, ranked["requirements"].as_u64().unwrap());
    for chip in chips {
        let expected = match chip["verdict"].as_str().unwrap() {
            "met" => "met",
            "partial" => "partly met",
            "not_met" => "not met",
            "unknown" => "unknown",
            other => panic!("verdict {other}"),
        };
        assert_eq!(chip["words"], expected, "{chip}");
    }
    let colors: std::collections::HashSet<&str> = chips
        .iter()
        .filter(|chip| chip["verdict"] == "met" || chip["verdict"] == "not_met")
        .map(|chip| chip["color"].as_str().unwrap())
        .collect();
    assert_eq!(colors.len(), 2, "met and not met look different: {chips:?}");

    // Evidence on demand: the disclosure opens and quotes the resume.
    click(
        &client,
        Locator::Css("#ranking-list .result .evidence-details summary"),
        "the evidence disclosure",
    )
    .await;
    let quotes = wait_for(
        &client,
        "visible evidence",
        "const items = [...document.querySelectorAll('.evidence-details[open] .evidence-item')]
             .filter(item => item.offsetParent !== null).map(item => item.textContent);
         return items.length ? items : null",
    )
    .await;
    assert!(
        quotes.as_array().unwrap().iter().any(|quote| quote
            .as_str()
            .unwrap()
            .contains("Goldmine, and Salesforce.com")),
        "the CRM evidence quotes the resume: {quotes}"
    );
    js(&client, "window.scrollTo(0, 0); return 0").await;
    screenshot(&client, "ranking.png").await;

    // A must-have the candidate misses, made optional: the ranking updates by itself.
    let before = js(
        &client,
        "const row = document.querySelector('#ranking-list .result');
         const missed = row.querySelector('.chip.not_met[data-requirement], .chip.partial[data-requirement]');
         return { score: row.querySelector('.score').dataset.score,
                  badge: row.querySelector('.badge').textContent,
                  missed: missed && missed.querySelector('.chip-must') ? missed.dataset.requirement : null }",
    )
    .await;
    let missed = before["missed"]
        .as_str()
        .unwrap_or_else(|| panic!("the draft has a missed must-have: {before}"));
    assert_eq!(before["badge"], "Must-haves missing");
    client
        .find(Locator::Css(&format!(
            "#requirement-list li[data-id='{missed}'] input[type=checkbox]"
        )))
        .await
        .expect("the must-have checkbox")
        .click()
        .await
        .expect("must-have unticked");
    let after = wait_for(
        &client,
        "the ranking to follow the must-have",
        &format!(
            "const row = document.querySelector('#ranking-list .result');
             const score = row.querySelector('.score').dataset.score;
             return score !== '{}' && {{ score, badge: row.querySelector('.badge').textContent }}",
            before["score"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(after["badge"], "Must-haves met", "{after}");
    let score = |value: &Value| value["score"].as_str().unwrap().parse::<f64>().unwrap();
    assert!(score(&after) > score(&before), "{before} -> {after}");

    // A weight raised on a requirement the candidate misses: the score falls.
    let weight = client
        .find(Locator::Css(&format!(
            "#requirement-list li[data-id='{missed}'] input.weight"
        )))
        .await
        .expect("the weight input");
    weight.clear().await.expect("weight cleared");
    weight.send_keys("9").await.expect("weight typed");
    let reweighted = wait_for(
        &client,
        "the ranking to follow the weight",
        &format!(
            "const score = document.querySelector('#ranking-list .result .score').dataset.score;
             return score !== '{}' && {{ score }}",
            after["score"].as_str().unwrap()
        ),
    )
    .await;
    assert!(
        score(&reweighted) < score(&after),
        "{after} -> {reweighted}"
    );

    // The profile, with the quoted evidence highlighted in its fields.
    click(
        &client,
        Locator::Css("#ranking-list .result .result-actions > button"),
        "the profile button",
    )
    .await;
    let marks = wait_for(
        &client,
        "the highlighted profile",
        "const dialog = document.getElementById('profile-dialog');
         return dialog.open && [...dialog.querySelectorAll('mark')].map(mark => mark.textContent)",
    )
    .await;
    let marks = marks.as_array().unwrap();
    assert!(
        marks
            .iter()
            .any(|mark| mark.as_str().unwrap().contains("Salesforce.com")),
        "the CRM quote is highlighted: {marks:?}"
    );
    let focused = js(&client, "return document.activeElement.id").await;
    assert_eq!(focused, "profile-close", "focus moves into the dialog");
    screenshot(&client, "profile.png").await;

    // Save the role, then screen everyone in a run: progress to the end, and a CSV link.
    click(&client, Locator::Id("profile-close"), "the close button").await;
    click(&client, Locator::Id("save-role"), "the save button").await;
    let saved = wait_for(
        &client,
        "the role to be saved",
        "const status = document.getElementById('save-status').textContent;
         return status.startsWith('Saved as ') && status",
    )
    .await;
    // The draft's id named a shipped role: the page saved it beside it, not over it.
    assert_eq!(saved, "Saved as senior-account-manager-draft.");
    let stored: Value = app
        .client
        .get(app.url("/v1/roles/senior-account-manager-draft"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored_requirement = stored["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == missed)
        .expect("the edited requirement is stored");
    assert_eq!(stored_requirement["must_have"], false);
    assert_eq!(stored_requirement["weight"], 9.0);
    click(&client, Locator::Id("run-button"), "the run button").await;
    let run = wait_for(
        &client,
        "the run to finish",
        "const link = document.getElementById('export-link');
         return !link.hidden && {
           status: document.getElementById('run-status').textContent,
           href: link.getAttribute('href'),
           progress: document.getElementById('run-progress').value,
         }",
    )
    .await;
    assert_eq!(run["status"], "Finished: 1 candidate ranked", "{run}");
    assert_eq!(run["progress"], 1);
    let href = run["href"].as_str().unwrap();
    assert!(
        href.starts_with("/v1/runs/") && href.ends_with("/export?format=csv"),
        "{href}"
    );
    let csv = app
        .client
        .get(app.url(href))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 2, "a header and the candidate: {csv}");

    // A server with API keys: the page asks for one, then works with it.
    let keyed_dir = tempfile::tempdir().expect("a data directory");
    let keyed = common::spawn_app_in(
        keyed_dir.path(),
        vec![shortlist::config::hash_api_key("s3cret-key")],
    )
    .await;
    client
        .goto(&keyed.url("/"))
        .await
        .expect("the keyed page opens");
    wait_for(
        &client,
        "the key prompt",
        "return !document.getElementById('key-panel').hidden
             && document.activeElement.id === 'key-input'",
    )
    .await;
    let key_input = client
        .find(Locator::Id("key-input"))
        .await
        .expect("the key input");
    key_input.send_keys("s3cret-key").await.expect("key typed");
    key_input
        .send_keys(&Key::Enter.to_string())
        .await
        .expect("key sent");
    wait_for(
        &client,
        "the roles, fetched with the key",
        "return document.getElementById('key-panel').hidden
             && document.querySelectorAll('#role-select option').length > 1
             && sessionStorage.getItem('shortlist.apiKey') === 's3cret-key'",
    )
    .await;

    // A saved role picked from the list ranks (with the key) at once.
    client
        .find(Locator::Id("role-select"))
        .await
        .expect("the role list")
        .select_by_value("account-manager")
        .await
        .expect("a role picked");
    wait_for(
        &client,
        "the keyed ranking",
        "return document.getElementById('ranking-heading').textContent === 'Ranking for Account Manager'
             && document.getElementById('ranking-status').textContent.startsWith('No candidates yet')
             && document.getElementById('alert').hidden",
    )
    .await;

    client.close().await.expect("the session closes");
    drop(driver);
    keyed.stop().await;
    app.stop().await;
}
