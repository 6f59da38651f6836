//! The web page's server side, black-box: the page and its assets (types, caching, the
//! Content-Security-Policy, no key needed) and `POST /v1/rankings`, the ranking of an unsaved
//! role that the page calls on every edit; `GET /openapi.json` (a valid OpenAPI 3 document that
//! lists exactly the routes the server registers) and the `/docs` page that renders it. The page
//! itself is driven in `tests/browser.rs`.

mod common;

use common::{assert_problem, spawn_app, spawn_app_in};
use serde_json::{Value, json};

fn text_resume(title: &str, years: &str, skills: &str) -> Vec<u8> {
    format!(
        "{title}\nSummary\nExperienced professional.\nExperience\n{years} {title}\nCompany Name - City , State\n\
         Managed key accounts for corporate clients using {skills}.\n\
         Education\nBachelor of Science : Business Administration , 2005\nState University\n"
    )
    .into_bytes()
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_with_their_types_a_strict_csp_and_validators() {
    let app = spawn_app().await;
    for (path, content_type, marker) in [
        ("/", "text/html; charset=utf-8", "<!doctype html>"),
        ("/assets/app.js", "text/javascript; charset=utf-8", "export"),
        ("/assets/app.css", "text/css; charset=utf-8", "--"),
        ("/docs", "text/html; charset=utf-8", "/assets/docs.js"),
        (
            "/assets/docs.js",
            "text/javascript; charset=utf-8",
            "/openapi.json",
        ),
        ("/assets/docs.css", "text/css; charset=utf-8", ".operation"),
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "content-type"), content_type, "{path}");
        let csp = header(&response, "content-security-policy");
        assert!(csp.starts_with("default-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        let etag = header(&response, "etag");
        assert!(etag.starts_with('"') && etag.len() > 10, "{path}: {etag}");
        let body = response.text().await.unwrap();
        assert!(
            body.to_lowercase().contains(marker),
            "{path} holds {marker}"
        );

        let revalidated = app
            .client
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(revalidated.status(), 304, "{path} revalidates");
        assert!(revalidated.text().await.unwrap().is_empty());
    }
    let head = app.client.head(app.url("/")).send().await.unwrap();
    assert_eq!(head.status(), 200);

    let missing = app
        .client
        .get(app.url("/assets/nope.js"))
        .send()
        .await
        .unwrap();
    assert_problem(missing, 404, "asset_not_found").await;
    let posted = app.client.post(app.url("/")).send().await.unwrap();
    assert_problem(posted, 405, "method_not_allowed").await;
    app.stop().await;
}

#[tokio::test]
async fn with_api_keys_only_the_page_and_its_assets_go_without_a_key() {
    let temp = tempfile::tempdir().unwrap();
    let app = spawn_app_in(
        temp.path(),
        vec![shortlist::config::hash_api_key("s3cret-key")],
    )
    .await;
    for path in [
        "/",
        "/assets/app.js",
        "/assets/app.css",
        "/docs",
        "/assets/docs.js",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path} needs no key");
    }
    // The docs page is open; the document it reads is behind the key, as the contract says.
    let document = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_problem(document, 401, "unauthorized").await;
    // Unknown assets answer 404 without a key: they hold no data either.
    let missing = app.client.get(app.url("/assets/x")).send().await.unwrap();
    assert_problem(missing, 404, "asset_not_found").await;
    for path in [
        "/v1/roles",
        "/assets",
        "/index.html",
        "/v1/assets/app.js",
        "/docs/",
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_problem(response, 401, "unauthorized").await;
    }
    let ranking = app
        .client
        .post(app.url("/v1/rankings"))
        .json(&json!({"role": {"title": "x"}}))
        .send()
        .await
        .unwrap();
    assert_problem(ranking, 401, "unauthorized").await;
    let keyed = app
        .client
        .get(app.url("/v1/roles"))
        .bearer_auth("s3cret-key")
        .send()
        .await
        .unwrap();
    assert_eq!(keyed.status(), 200);
    app.stop().await;
}

async fn rank_unsaved(app: &common::TestApp, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/v1/rankings"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_unsaved_role_ranks_like_the_stored_one_and_edits_change_the_ranking_at_once() {
    let app = spawn_app().await;
    for (title, years, skills, id) in [
        (
            "Account Manager",
            "2012 - 2020",
            "Salesforce CRM and Microsoft Excel",
            "a",
        ),
        ("Account Manager", "2016 - 2019", "spreadsheets", "b"),
    ] {
        let response = app
            .upload(text_resume(title, years, skills), "cv.txt", Some(id))
            .await;
        assert_eq!(response.status(), 201);
    }
    let stored: Value = app.get_json("/v1/roles/account-manager/ranking").await;
    let mut role: Value = app.get_json("/v1/roles/account-manager").await;

    // The same role, sent: the same page, requirement by requirement.
    let response = rank_unsaved(&app, json!({"role": role})).await;
    assert_eq!(response.status(), 200);
    let unsaved: Value = response.json().await.unwrap();
    assert_eq!(unsaved["role_id"], "account-manager");
    assert_eq!(unsaved["results"], stored["results"]);
    assert_eq!(unsaved["total"], 2);

    // Excel made a must-have: the candidate without it drops below the one with it, and says so.
    let requirements = role["requirements"].as_array_mut().unwrap();
    let excel = requirements
        .iter_mut()
        .find(|r| r["id"] == "excel")
        .expect("account-manager asks for Excel");
    excel["must_have"] = json!(true);
    excel["weight"] = json!(6.0);
    let edited: Value = rank_unsaved(&app, json!({"role": role, "limit": 5}))
        .await
        .json()
        .await
        .unwrap();
    let by_id = |page: &Value, id: &str| -> Value {
        page["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["external_id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} ranked in {page}"))
    };
    assert_eq!(by_id(&edited, "a")["must_haves_met"], true);
    assert_eq!(by_id(&edited, "b")["must_haves_met"], false);
    assert_eq!(edited["results"][0]["external_id"], "a");
    assert_ne!(by_id(&edited, "b")["score"], by_id(&stored, "b")["score"]);

    // Nothing was stored: the stored role still ranks as before.
    let again: Value = app.get_json("/v1/roles/account-manager/ranking").await;
    assert_eq!(again["results"], stored["results"]);

    // A role without an id ranks as `unsaved`, which is not stored either; cursors page it.
    role.as_object_mut().unwrap().remove("id");
    let first: Value = rank_unsaved(&app, json!({"role": role, "limit": 1}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["role_id"], "unsaved");
    assert_eq!(first["results"].as_array().unwrap().len(), 1);
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second: Value = rank_unsaved(&app, json!({"role": role, "limit": 1, "cursor": cursor}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["results"][0]["rank"], 2);
    assert_ne!(
        second["results"][0]["candidate_id"],
        first["results"][0]["candidate_id"]
    );
    let lookup = app
        .client
        .get(app.url("/v1/roles/unsaved"))
        .send()
        .await
        .unwrap();
    assert_problem(lookup, 404, "role_not_found").await;
    app.stop().await;
}

#[tokio::test]
async fn a_bad_unsaved_ranking_request_gets_a_problem_with_a_stable_code() {
    let app = spawn_app().await;
    let requirement = json!({"id": "crm", "kind": "skill", "any_of": ["group:crm"]});
    let cases = [
        (json!({}), 422, "invalid_role"),
        (json!({"role": "account-manager"}), 422, "invalid_role"),
        (json!({"role": {"requirements": []}}), 422, "invalid_role"),
        (
            json!({"role": {"title": " ", "requirements": []}}),
            422,
            "invalid_role",
        ),
        (
            json!({"role": {"title": "T", "requirements": [{"id": "x", "kind": "telepathy"}]}}),
            422,
            "invalid_role",
        ),
        (
            json!({"role": {"id": "Not A Slug", "title": "T", "requirements": [requirement]}}),
            422,
            "invalid_role",
        ),
        (
            json!({"role": {"title": "T", "requirements": [{"id": "crm", "kind": "skill", "any_of": ["group:crm"], "weight": -1}]}}),
            422,
            "invalid_role",
        ),
        (
            json!({"role": {"title": "T", "requirements": [requirement]}, "limit": 0}),
            400,
            "invalid_limit",
        ),
        (
            json!({"role": {"title": "T", "requirements": [requirement]}, "cursor": "zz"}),
            400,
            "invalid_cursor",
        ),
        (
            json!({"role": {"title": "T", "requirements": [requirement]}, "q": "sales"}),
            400,
            "malformed_json",
        ),
    ];
    for (body, status, code) in cases {
        let response = rank_unsaved(&app, body.clone()).await;
        let problem = assert_problem(response, status, code).await;
        assert!(!problem["detail"].as_str().unwrap().is_empty(), "{body}");
    }
    let get = app
        .client
        .get(app.url("/v1/rankings"))
        .send()
        .await
        .unwrap();
    assert_problem(get, 405, "method_not_allowed").await;
    app.stop().await;
}

async fn openapi_document(app: &common::TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "content-type"), "application/json");
    response.json().await.unwrap()
}

/// Every `$ref` in `value`, with where it was found.
fn refs(value: &Value, at: &str, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref" {
                    found.push((at.to_owned(), inner.as_str().unwrap_or("").to_owned()));
                } else {
                    refs(inner, &format!("{at}/{key}"), found);
                }
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                refs(inner, &format!("{at}/{index}"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_is_valid_openapi_3_with_every_ref_resolving() {
    let app = spawn_app().await;
    let document = openapi_document(&app).await;
    let spec = oas3::from_json(document.to_string()).expect("an OpenAPI 3.1 document");
    assert!(spec.openapi.starts_with("3."), "{}", spec.openapi);

    let mut found = Vec::new();
    refs(&document, "", &mut found);
    assert!(
        found.len() > 50,
        "the schemas refer to each other: {}",
        found.len()
    );
    for (at, reference) in &found {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{at}: {reference} is not local"));
        assert!(
            document.pointer(pointer).is_some(),
            "{at}: {reference} resolves to nothing"
        );
    }

    // What the problem schema says is what an error body holds.
    let problem = app.client.get(app.url("/v1/nowhere")).send().await.unwrap();
    let problem = assert_problem(problem, 404, "route_not_found").await;
    let mut sent: Vec<&String> = problem.as_object().unwrap().keys().collect();
    let schema = &document["components"]["schemas"]["Problem"];
    let mut described: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    sent.sort();
    described.sort();
    assert_eq!(sent, described);

    let operations: Vec<_> = spec.operations().collect();
    assert!(!operations.is_empty());
    for (path, method, operation) in operations {
        let name = format!("{method} {path}");
        let raw = &document["paths"][&path][method.as_str().to_lowercase()];
        assert!(operation.summary.is_some(), "{name} has a summary");
        let responses = raw["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|status| status.starts_with('2')),
            "{name} says what it answers"
        );
        // Every error status carries the problem schema and each code as an example.
        for (status, response) in responses {
            if status.starts_with('2') {
                continue;
            }
            let problem = &response["content"]["application/problem+json"];
            assert_eq!(
                problem["schema"]["$ref"], "#/components/schemas/Problem",
                "{name} {status}"
            );
            let examples = problem["examples"].as_object().expect("codes");
            assert!(!examples.is_empty(), "{name} {status} lists its codes");
            for (code, example) in examples {
                assert_eq!(example["value"]["code"], code.as_str(), "{name}");
                assert_eq!(example["value"]["status"].to_string(), *status, "{name}");
            }
        }
        assert!(responses.contains_key("500"), "{name} may fail");
        let public = raw["security"] == json!([{}]);
        assert_eq!(
            responses.get("401").is_some_and(|r| {
                r["content"]["application/problem+json"]["examples"]
                    .get("unauthorized")
                    .is_some()
            }),
            !public,
            "{name}: 401 unauthorized unless it needs no key"
        );
        if let Some(body) = raw.get("requestBody") {
            for (content_type, content) in body["content"].as_object().unwrap() {
                assert!(
                    content.get("example").is_some_and(|e| !e.is_null()),
                    "{name} {content_type} has an example"
                );
                assert!(content.get("schema").is_some(), "{name} {content_type}");
            }
        }
        for parameter in raw["parameters"].as_array().into_iter().flatten() {
            let templated = format!("{{{}}}", parameter["name"].as_str().unwrap());
            if parameter["in"] == "path" {
                assert!(path.contains(&templated), "{name}: {parameter}");
            }
        }
    }
    let security = &document["components"]["securitySchemes"]["api_key"];
    assert_eq!(security["type"], "http");
    assert_eq!(security["scheme"], "bearer");
    app.stop().await;
}

/// The (method, path) of every `.route(` the server registers: `routes` in `src/api/mod.rs`,
/// and the `routes` of each module it `.configure`s, read from the source with the scopes
/// applied. Read rather than listed, so that a new route fails the test below until documented.
fn registered_routes() -> Vec<(String, String)> {
    let api = common::repo_root().join("src/api");
    let mut found = Vec::new();
    let mut modules = vec!["mod".to_owned()];
    while let Some(module) = modules.pop() {
        let source = std::fs::read_to_string(api.join(format!("{module}.rs"))).unwrap();
        let start = source
            .find("fn routes(config: &mut web::ServiceConfig)")
            .unwrap_or_else(|| panic!("{module}.rs has fn routes"));
        // The function's body, without line comments.
        let body: String = source[start..]
            .lines()
            .take_while(|line| *line != "}")
            .map(|line| line.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let before = found.len();
        let mut depth = 0usize;
        let mut scopes: Vec<(usize, String)> = Vec::new();
        let mut resources: Vec<(usize, String)> = Vec::new();
        let literal = |rest: &str| rest.split('"').nth(1).unwrap_or("").to_owned();
        for (index, character) in body.char_indices() {
            let rest = &body[index..];
            match character {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    scopes.retain(|(at, _)| *at <= depth);
                    resources.retain(|(at, _)| *at <= depth);
                }
                _ if rest.starts_with("web::scope(\"") => scopes.push((depth, literal(rest))),
                _ if rest.starts_with("web::resource(") => {
                    let prefix: String = scopes.iter().map(|(_, path)| path.as_str()).collect();
                    resources.push((depth, format!("{prefix}{}", literal(rest))));
                }
                _ if rest.starts_with(".route(web::") => {
                    let method = rest[".route(web::".len()..].split('(').next().unwrap();
                    let (_, path) = resources
                        .iter()
                        .rev()
                        .find(|(at, _)| *at == depth)
                        .unwrap_or_else(|| panic!("{module}.rs: a route outside a resource"));
                    found.push((method.to_uppercase(), path.clone()));
                }
                _ if rest.starts_with(".configure(") => {
                    let target = rest[".configure(".len()..].split("::").next().unwrap();
                    modules.push(target.to_owned());
                }
                _ => {}
            }
        }
        assert_eq!(
            found.len() - before,
            body.matches(".route(").count(),
            "{module}.rs: every .route( was read"
        );
    }
    found.sort();
    found
}

#[tokio::test]
async fn every_registered_route_is_documented_and_every_documented_operation_is_served() {
    let app = spawn_app().await;
    let document = openapi_document(&app).await;
    let mut documented = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "head", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                documented.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    documented.sort();
    let registered = registered_routes();
    assert!(registered.len() >= 40, "{registered:?}");
    assert_eq!(
        documented, registered,
        "the document's operations are the routes of src/api/mod.rs"
    );

    // And the server answers each one: never with the codes for an unknown path or method.
    for (method, path) in &documented {
        let concrete = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "x"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = app
            .client
            .request(method.clone(), app.url(&concrete))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert_ne!(status, 405, "{method} {concrete}");
        if method == reqwest::Method::HEAD {
            continue;
        }
        let body = response.text().await.unwrap();
        let code = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|problem| problem["code"].as_str().map(str::to_owned));
        assert!(
            !matches!(
                code.as_deref(),
                Some("route_not_found" | "method_not_allowed")
            ),
            "{method} {concrete}: {status} {body}"
        );
    }
    app.stop().await;
}
