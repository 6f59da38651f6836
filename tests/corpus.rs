//! Acceptance over the real corpus (`../shared/corpus`, skipped when absent): every PDF uploads
//! over HTTP without a server error, and for every shipped role experienced account and sales
//! managers rank above chefs, teachers and IT staff.

mod common;

use std::path::PathBuf;

use common::{corpus, spawn_app};
use serde_json::Value;

/// The one blank PDF of the corpus: a page with no text at all.
const BLANK_PDF: &str = "BUSINESS-DEVELOPMENT/12632728.pdf";

fn corpus_pdfs(corpus: &std::path::Path) -> Vec<PathBuf> {
    let mut pdfs = Vec::new();
    for category in std::fs::read_dir(corpus.join("pdf")).unwrap().flatten() {
        for file in std::fs::read_dir(category.path()).unwrap().flatten() {
            pdfs.push(file.path());
        }
    }
    pdfs.sort();
    pdfs
}

#[tokio::test]
async fn every_corpus_pdf_uploads_without_a_server_error() {
    let Some(corpus) = corpus() else { return };
    let app = spawn_app().await;
    let pdfs = corpus_pdfs(&corpus);
    assert_eq!(pdfs.len(), 388, "the corpus has 388 PDFs");
    let mut created = 0;
    for pdf in &pdfs {
        let name = pdf
            .strip_prefix(corpus.join("pdf"))
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let response = app
            .upload(std::fs::read(pdf).unwrap(), &name, Some(&name))
            .await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        if name == BLANK_PDF {
            assert_eq!(status, 422, "{name}: {body}");
            let code = body["code"].as_str().unwrap();
            assert!(
                ["no_text_layer", "no_text"].contains(&code),
                "{name}: {body}"
            );
            continue;
        }
        assert_eq!(status, 201, "{name}: {body}");
        let profile = &body["profile"];
        assert_eq!(
            profile["document"]["media_type"], "application/pdf",
            "{name}"
        );
        assert!(
            profile["document"]["chars"].as_u64().unwrap() > 200,
            "{name}: text extracted"
        );
        assert_eq!(
            profile["document"]["document_date"], "2021-08-08",
            "{name}: PDF creation date"
        );
        created += 1;
    }
    assert_eq!(created, 387);
    let page: Value = app
        .client
        .get(app.url("/v1/roles/account-manager/ranking?limit=5"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 387);
}

/// Checked by reading each resume: B2B sales, business development and account management
/// careers of six years or more, with CRM use.
const EXPERIENCED_SELLERS: [&str; 5] = [
    "BUSINESS-DEVELOPMENT/16846478.pdf", // B2B IT services seller since 2011, ACT!/GoldMine/Salesforce
    "BUSINESS-DEVELOPMENT/27219200.pdf", // Director BD, global and regional account manager since 1991
    "SALES/25810233.pdf",                // territory sales manager, managed 9 account executives
    "BUSINESS-DEVELOPMENT/26896699.pdf", // BD manager and account executive, Salesforce.com CRM
    "BUSINESS-DEVELOPMENT/18293620.pdf", // 12 years of B2B outside sales, Salesforce
];

/// Checked by reading each resume: no selling or account work at all.
const OTHER_FIELDS: [&str; 13] = [
    "CHEF/12717345.pdf",
    "CHEF/21904897.pdf",
    "CHEF/29449419.pdf",
    "CHEF/53265899.pdf",
    "TEACHER/16820422.pdf",
    "TEACHER/17481570.pdf",
    "TEACHER/19786924.pdf",
    "TEACHER/29930479.pdf",
    "INFORMATION-TECHNOLOGY/10089434.pdf",
    "INFORMATION-TECHNOLOGY/10247517.pdf",
    "INFORMATION-TECHNOLOGY/13385306.pdf",
    "INFORMATION-TECHNOLOGY/27058381.pdf",
    "INFORMATION-TECHNOLOGY/40018190.pdf",
];

#[tokio::test]
async fn every_shipped_role_ranks_experienced_sellers_above_other_fields() {
    let Some(corpus) = corpus() else { return };
    let app = spawn_app().await;
    for name in EXPERIENCED_SELLERS.iter().chain(OTHER_FIELDS.iter()) {
        let bytes = std::fs::read(corpus.join("pdf").join(name)).unwrap();
        let response = app.upload(bytes, name, Some(name)).await;
        assert_eq!(response.status().as_u16(), 201, "{name}");
    }
    let roles: Value = app
        .client
        .get(app.url("/v1/roles"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for role in roles.as_array().unwrap() {
        let role_id = role["id"].as_str().unwrap();
        let page: Value = app
            .client
            .get(app.url(&format!("/v1/roles/{role_id}/ranking?limit=100")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let results = page["results"].as_array().unwrap();
        let score_of = |name: &str| {
            results
                .iter()
                .find(|r| r["external_id"] == name)
                .and_then(|r| r["score"].as_f64())
                .unwrap_or_else(|| panic!("{role_id}: {name} is ranked"))
        };
        let weakest_seller = EXPERIENCED_SELLERS
            .iter()
            .map(|n| (score_of(n), *n))
            .fold((f64::MAX, ""), |a, b| if b.0 < a.0 { b } else { a });
        let strongest_other = OTHER_FIELDS
            .iter()
            .map(|n| (score_of(n), *n))
            .fold((f64::MIN, ""), |a, b| if b.0 > a.0 { b } else { a });
        assert!(
            weakest_seller.0 > strongest_other.0,
            "{role_id}: seller {} scores {} but {} scores {}",
            weakest_seller.1,
            weakest_seller.0,
            strongest_other.1,
            strongest_other.0
        );
        for result in results {
            for requirement in result["requirements"].as_array().unwrap() {
                if requirement["verdict"] == "met" {
                    assert!(
                        !requirement["evidence"].as_array().unwrap().is_empty(),
                        "{role_id}: a met requirement has evidence: {requirement}"
                    );
                }
            }
        }
    }
}
