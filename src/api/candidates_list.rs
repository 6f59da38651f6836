//! `GET /v1/candidates`: the candidates as a collection, newest first, a page at a time.
//!
//! The next page is in the body (`next_cursor`) and in a `Link: <…>; rel="next"` header (as
//! Greenhouse and GitHub page), which carries every filter of this request so that a client
//! can follow links without rebuilding URLs.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use super::AppState;
use super::error::ApiError;
use super::roles::DEFAULT_PAGE_SIZE;
use crate::engine::{Engine, ListQuery, MAX_PAGE_SIZE};

/// Everything but RFC 3986's unreserved characters is percent-encoded in a query value.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Taken as text and checked here, so that each bad value gets its own code.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[derive(utoipa::IntoParams)]
pub struct ListParams {
    limit: Option<String>,
    cursor: Option<String>,
    external_id: Option<String>,
    q: Option<String>,
    created_since: Option<String>,
    updated_since: Option<String>,
    /// Blind review: no display name or file name (the file name often carries the name).
    blind: Option<bool>,
}

/// A time as RFC 3339, or a date (midnight UTC).
fn parse_since(parameter: &str, value: &str) -> Result<DateTime<Utc>, ApiError> {
    let value = value.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(value) {
        return Ok(time.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc())
        .ok_or_else(|| ApiError::invalid_timestamp(parameter))
}

fn parse_limit(limit: Option<&str>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(text) => text
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|limit| (1..=MAX_PAGE_SIZE).contains(limit))
            .ok_or_else(|| ApiError::invalid_limit(MAX_PAGE_SIZE)),
    }
}

impl ListParams {
    fn to_query(&self, tenant: crate::tenant::Tenant) -> Result<ListQuery, ApiError> {
        Ok(ListQuery {
            tenant,
            limit: parse_limit(self.limit.as_deref())?,
            cursor: self.cursor.clone(),
            external_id: self.external_id.clone(),
            q: self.q.clone(),
            created_since: self
                .created_since
                .as_deref()
                .map(|value| parse_since("created_since", value))
                .transpose()?,
            updated_since: self
                .updated_since
                .as_deref()
                .map(|value| parse_since("updated_since", value))
                .transpose()?,
        })
    }

    /// The URL of the page after this one: the same filters and limit, the new cursor.
    fn next_link(&self, limit: usize, cursor: &str) -> String {
        let mut pairs = vec![("limit", limit.to_string())];
        for (name, value) in [
            ("external_id", &self.external_id),
            ("q", &self.q),
            ("created_since", &self.created_since),
            ("updated_since", &self.updated_since),
            ("blind", &self.blind.map(|blind| blind.to_string())),
        ] {
            if let Some(value) = value {
                pairs.push((name, value.clone()));
            }
        }
        pairs.push(("cursor", cursor.to_owned()));
        let query: Vec<String> = pairs
            .iter()
            .map(|(name, value)| format!("{name}={}", utf8_percent_encode(value, QUERY_VALUE)))
            .collect();
        format!("</v1/candidates?{}>; rel=\"next\"", query.join("&"))
    }
}

pub async fn list_candidates(
    state: web::Data<AppState>,
    tenant: crate::tenant::Tenant,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let query = params.to_query(tenant)?;
    let limit = query.limit;
    let engine: Arc<Engine> = Arc::clone(&state.engine);
    let blind = params.blind.unwrap_or(state.settings.blind);
    let mut page = super::blocking::blocking(move || engine.list_candidates(&query)).await?;
    if blind {
        for candidate in &mut page.results {
            candidate.display_name = None;
            candidate.file_name = None;
        }
    }
    let mut response = HttpResponse::Ok();
    if let Some(cursor) = &page.next_cursor {
        response.insert_header((header::LINK, params.next_link(limit, cursor)));
    }
    Ok(response.json(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_rfc3339_and_dates_and_nothing_else() {
        assert_eq!(
            parse_since("created_since", "2026-01-31").unwrap(),
            "2026-01-31T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            parse_since("created_since", "2026-01-31T10:00:00+02:00").unwrap(),
            "2026-01-31T08:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "31/01/2026",
            "2026-01-31T25:00:00Z",
        ] {
            assert_eq!(
                parse_since("created_since", bad).unwrap_err().code.as_str(),
                "invalid_timestamp",
                "{bad}"
            );
        }
    }

    #[test]
    fn limits_are_one_to_a_hundred() {
        assert_eq!(parse_limit(None).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(parse_limit(Some("100")).unwrap(), 100);
        for bad in ["0", "101", "-1", "ten", ""] {
            assert_eq!(
                parse_limit(Some(bad)).unwrap_err().code.as_str(),
                "invalid_limit"
            );
        }
    }
}
