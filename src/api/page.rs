//! The recruiter web page: `GET /` and its assets under `/assets/` (and the API documentation
//! page, `GET /docs`, which reads `/openapi.json` with the same key), compiled into the binary so
//! that a single file deploys the whole product and nothing is fetched from elsewhere at run
//! time. The page holds no data (it asks `/v1` for everything, with the recruiter's key), which
//! is why `auth::authenticate` lets exactly these paths through without a key.

use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// One embedded file.
struct Asset {
    /// The path the page uses.
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: [Asset; 6] = [
    Asset {
        path: "/",
        content_type: "text/html; charset=utf-8",
        bytes: include_bytes!("web/index.html"),
    },
    Asset {
        path: "/assets/app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("web/app.js"),
    },
    Asset {
        path: "/assets/app.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("web/app.css"),
    },
    // The API documentation page (`super::openapi` serves the document it reads).
    Asset {
        path: "/docs",
        content_type: "text/html; charset=utf-8",
        bytes: include_bytes!("web/docs.html"),
    },
    Asset {
        path: "/assets/docs.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("web/docs.js"),
    },
    Asset {
        path: "/assets/docs.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("web/docs.css"),
    },
];

/// `default-src 'self'` forbids inline scripts and styles and any other origin; the rest closes
/// what `default-src` does not cover (framing, `<base>`, form targets).
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Strong validators, computed once: the assets change only with the binary, and their names do
/// not, so browsers revalidate (`no-cache`) and get a 304 while the binary is the same.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| format!("\"{}\"", &hex::encode(Sha256::digest(asset.bytes))[..32]))
        .collect()
});

/// `GET /`, `GET /docs` and `GET /assets/{name}` (and HEAD).
pub async fn asset(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    let Some(index) = ASSETS.iter().position(|a| a.path == request.path()) else {
        return Err(ApiError::asset_not_found());
    };
    let asset = &ASSETS[index];
    let etag = &ETAGS[index];
    let unchanged = if_none_match(&request, etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if unchanged {
        return Ok(response.finish());
    }
    Ok(response
        .insert_header((header::CONTENT_TYPE, asset.content_type))
        .body(asset.bytes))
}

fn if_none_match(request: &HttpRequest, etag: &str) -> bool {
    request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value
                .split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        })
}

/// The routes this module serves, for `super::routes`.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/")
                .route(web::get().to(asset))
                .route(web::head().to(asset))
                .default_service(super::method_not_allowed()),
        )
        .service(
            web::resource("/docs")
                .route(web::get().to(asset))
                .route(web::head().to(asset))
                .default_service(super::method_not_allowed()),
        )
        .service(
            web::resource("/assets/{name}")
                .route(web::get().to(asset))
                .route(web::head().to(asset))
                .default_service(super::method_not_allowed()),
        );
}

/// Whether `path` is one the page is served under: these need no API key.
pub fn is_page_path(path: &str) -> bool {
    path == "/" || path == "/docs" || path.starts_with("/assets/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_page_and_its_assets_are_page_paths() {
        assert!(is_page_path("/"));
        assert!(is_page_path("/assets/app.js"));
        assert!(is_page_path("/docs"));
        assert!(!is_page_path("/docs/x"));
        assert!(!is_page_path(""));
        assert!(!is_page_path("/assets"));
        assert!(!is_page_path("/v1/roles"));
        assert!(!is_page_path("//v1/roles"));
        assert!(!is_page_path("/index.html"));
    }

    #[test]
    fn no_asset_names_another_origin() {
        for asset in &ASSETS {
            let text = std::str::from_utf8(asset.bytes).expect("assets are UTF-8");
            for scheme in ["http:", "https:", "//cdn", "@import", "url("] {
                assert!(!text.contains(scheme), "{} names {scheme}", asset.path);
            }
        }
    }

    #[test]
    fn every_asset_is_linked_by_a_page() {
        let pages: Vec<&str> = ASSETS
            .iter()
            .filter(|asset| asset.content_type.starts_with("text/html"))
            .map(|page| std::str::from_utf8(page.bytes).expect("pages are UTF-8"))
            .collect();
        for asset in ASSETS.iter().filter(|a| a.path.starts_with("/assets/")) {
            assert!(
                pages.iter().any(|html| html.contains(asset.path)),
                "no page links {}",
                asset.path
            );
        }
    }
}
