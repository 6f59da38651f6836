//! The `shortlist` binary as a user runs it.

use std::process::Command;

use serde_json::Value;

fn shortlist() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shortlist"))
}

#[test]
fn parse_prints_one_json_line_per_file_in_order_and_fails_when_any_file_fails() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.txt");
    std::fs::write(
        &good,
        "SALES MANAGER\nExperience\n01/2010 to Current Sales Manager\n",
    )
    .unwrap();
    let empty = dir.path().join("empty.pdf");
    std::fs::write(&empty, b"").unwrap();
    let missing = dir.path().join("missing.docx");

    let output = shortlist()
        .arg("parse")
        .args([&good, &empty, &missing])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "a failed file makes the exit code 1"
    );
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["file"], good.display().to_string());
    assert!(lines[0]["profile"]["document"].is_object());
    assert_eq!(lines[1]["error"]["code"], "empty_file");
    assert!(
        lines[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("empty.pdf"),
        "names the file"
    );
    assert_eq!(lines[2]["error"]["code"], "unreadable_file");

    let output = shortlist().arg("parse").arg(&good).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn extract_prints_the_text_and_names_the_file_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cv.txt");
    std::fs::write(&file, "ACCOUNT MANAGER\nSkills\nSalesforce\n").unwrap();
    let output = shortlist().arg("extract").arg(&file).output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "ACCOUNT MANAGER\nSkills\nSalesforce\n"
    );

    let bad = dir.path().join("photo.png");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let output = shortlist().arg("extract").arg(&bad).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("photo.png"),
        "the message names the file: {stderr}"
    );
}

#[test]
fn serve_refuses_an_open_bind_without_api_keys() {
    let dir = tempfile::tempdir().unwrap();
    let output = shortlist()
        .args(["serve", "--bind", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .env_remove("SHORTLIST_API_KEYS")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("without an API key"), "{stderr}");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing created"
    );
}

#[test]
fn import_into_a_data_directory_summarises_and_fails_on_rejections() {
    let dir = tempfile::tempdir().unwrap();
    let resumes = dir.path().join("resumes");
    std::fs::create_dir(&resumes).unwrap();
    std::fs::write(
        resumes.join("a.txt"),
        "SALES MANAGER\nExperience\n2010 to 2015 Sales Manager\n",
    )
    .unwrap();
    std::fs::write(
        resumes.join("b.txt"),
        "CHEF\nExperience\n2011 to 2019 Chef\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let run = |extra: &[&str]| {
        shortlist()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("import")
            .arg(&resumes)
            .arg("--data-dir")
            .arg(&data)
            .args(extra)
            .output()
            .unwrap()
    };
    let output = run(&["--external-ids-from-paths"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("2 created, 0 replaced, 0 duplicates, 0 rejected"),
        "{stdout}"
    );
    let output = run(&["--external-ids-from-paths"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("0 created, 2 replaced"),
        "importing again replaces: {stdout}"
    );

    std::fs::write(resumes.join("c.pdf"), b"not a pdf at all").unwrap();
    let output = run(&[]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("2 duplicates, 1 rejected") && stdout.contains("c.pdf"),
        "{stdout}"
    );
}

/// Regression: `import` printed a code of its own (`rejected`) for any failure but a document's.
/// It prints the error table's code, the one the HTTP API gives the same file.
#[test]
fn import_prints_the_api_code_for_a_file_the_engine_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let resumes = dir.path().join("resumes");
    // A relative path longer than the 256 characters an external id may have.
    let deep = resumes.join("a".repeat(150)).join("b".repeat(150));
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(
        deep.join("cv.txt"),
        "SALES MANAGER\nExperience\n2010 to 2015 Sales Manager\n",
    )
    .unwrap();
    let output = shortlist()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("import")
        .arg(&resumes)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--external-ids-from-paths")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("1 rejected") && stdout.contains(": invalid_external_id: "),
        "{stdout}"
    );
}
