//! A profile written as a JSON Resume document (jsonresume.org, schema 1.0), for tools that
//! read that format. The reverse, a JSON Resume read as a profile, is
//! `Parser::parse_json_resume` (`src/parse/json_resume.rs`).
//!
//! What the schema has no field for stays out (categories, travel, evidence), except the
//! degree level: `studyType` carries the degree as written, or the level's name when the resume
//! gave none, so that importing the export finds the same level.

use serde_json::{Map, Value, json};

use super::{DegreeLevel, PartialDate, Profile};

/// The schema this export follows.
pub const SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/jsonresume/resume-schema/v1.0.0/schema.json";

/// `YYYY-MM` or `YYYY`: the schema's ISO 8601 date with the precision the resume gave.
fn date(date: PartialDate) -> String {
    date.to_string()
}

/// A social network's name from a link's host (`linkedin.com` → `LinkedIn`).
fn network(url: &str) -> String {
    let host = url
        .split("://")
        .nth(1)
        .unwrap_or(url)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .trim_start_matches("www.")
        .to_ascii_lowercase();
    let known = [
        ("linkedin.", "LinkedIn"),
        ("github.", "GitHub"),
        ("gitlab.", "GitLab"),
        ("twitter.", "Twitter"),
        ("x.com", "X"),
        ("xing.", "XING"),
        ("behance.", "Behance"),
        ("dribbble.", "Dribbble"),
    ];
    known
        .iter()
        .find(|(prefix, _)| host.starts_with(prefix))
        .map(|(_, name)| (*name).to_owned())
        .unwrap_or(host)
}

/// The last part of a profile link's path, which is the user name on most networks.
fn username(url: &str) -> Option<String> {
    let path = url.split("://").nth(1).unwrap_or(url);
    let mut parts = path.split(['?', '#']).next()?.split('/').skip(1);
    parts
        .by_ref()
        .filter(|part| !part.is_empty())
        .last()
        .map(str::to_owned)
}

/// Inserts `value` under `key` when it is present and not empty.
fn put(object: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value.map(Into::into)
        && !matches!(&value, Value::String(s) if s.is_empty())
    {
        object.insert(key.to_owned(), value);
    }
}

fn level_name(level: DegreeLevel) -> Option<&'static str> {
    match level {
        DegreeLevel::None => None,
        DegreeLevel::HighSchool => Some("High School Diploma"),
        DegreeLevel::Associate => Some("Associate"),
        DegreeLevel::Bachelor => Some("Bachelor"),
        DegreeLevel::Master => Some("Master"),
        DegreeLevel::Doctorate => Some("Doctorate"),
    }
}

pub fn to_json_resume(profile: &Profile) -> Value {
    let contact = &profile.contact;
    let mut basics = Map::new();
    put(&mut basics, "name", contact.name.clone());
    put(&mut basics, "label", profile.headline.clone());
    put(&mut basics, "email", contact.emails.first().cloned());
    put(&mut basics, "phone", contact.phones.first().cloned());
    if let Some(location) = &contact.location {
        basics.insert("location".into(), json!({ "address": location }));
    }
    let profiles: Vec<Value> = contact
        .links
        .iter()
        .map(|url| {
            let mut entry = Map::new();
            entry.insert("network".into(), network(url).into());
            put(&mut entry, "username", username(url));
            entry.insert("url".into(), url.clone().into());
            Value::Object(entry)
        })
        .collect();
    basics.insert("profiles".into(), profiles.into());

    let work: Vec<Value> = profile
        .positions
        .iter()
        .map(|position| {
            let mut entry = Map::new();
            put(&mut entry, "name", position.employer.clone());
            put(&mut entry, "position", position.title.clone());
            put(&mut entry, "location", position.location.clone());
            put(&mut entry, "startDate", position.start.map(date));
            // A current position has no end date in JSON Resume.
            if !position.current {
                put(&mut entry, "endDate", position.end.map(date));
            }
            put(&mut entry, "summary", position.description.clone());
            Value::Object(entry)
        })
        .collect();

    let education: Vec<Value> = profile
        .education
        .iter()
        .map(|education| {
            let mut entry = Map::new();
            put(&mut entry, "institution", education.institution.clone());
            put(&mut entry, "area", education.field.clone());
            let study_type = education
                .degree
                .clone()
                .filter(|degree| !degree.trim().is_empty())
                .or_else(|| level_name(education.level).map(str::to_owned));
            put(&mut entry, "studyType", study_type);
            // The year a degree was completed is its end; an unfinished one has none.
            if education.completed {
                put(
                    &mut entry,
                    "endDate",
                    education.year.map(|year| format!("{year:04}")),
                );
            }
            Value::Object(entry)
        })
        .collect();

    let skills: Vec<Value> = profile
        .skills
        .iter()
        // The name alone: the taxonomy's group names ("crm") are skills' names too, and an
        // import would read them as more skills.
        .map(|skill| json!({ "name": skill.name }))
        .collect();
    let languages: Vec<Value> = profile
        .languages
        .iter()
        .map(|language| {
            let mut entry = Map::new();
            entry.insert("language".into(), language.name.clone().into());
            put(&mut entry, "fluency", language.proficiency.clone());
            Value::Object(entry)
        })
        .collect();
    let certificates: Vec<Value> = profile
        .certifications
        .iter()
        .map(|certification| json!({ "name": certification.name }))
        .collect();

    json!({
        "$schema": SCHEMA_URL,
        "basics": basics,
        "work": work,
        "education": education,
        "skills": skills,
        "languages": languages,
        "certificates": certificates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_become_profiles_with_their_network() {
        assert_eq!(network("https://www.linkedin.com/in/jane-doe"), "LinkedIn");
        assert_eq!(
            username("https://www.linkedin.com/in/jane-doe/").as_deref(),
            Some("jane-doe")
        );
        assert_eq!(network("https://example.org/me"), "example.org");
    }
}
