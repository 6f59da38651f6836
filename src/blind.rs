//! Blind review: profiles, rankings, run results and exports without the facts that identify a
//! person or hint at protected traits: name, contact (e-mails, phones, links), photo, address
//! and location. The profile's contact block and position locations are emptied, and any other
//! text that repeats one of those facts (an evidence quote, a summary) has it replaced.

use crate::profile::{Contact, Profile};

/// What replaces a redacted fact in text.
pub const REDACTED: &str = "[redacted]";

/// What identifies one person in text: name (and its parts), e-mails, phones, links, their
/// location and the places of their positions; longest first, so that an e-mail goes before
/// the name inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identifying {
    facts: Vec<String>,
}

impl Identifying {
    pub fn of(profile: &Profile) -> Identifying {
        let contact = &profile.contact;
        let mut facts: Vec<String> = contact
            .name
            .iter()
            .chain(&contact.emails)
            .chain(&contact.phones)
            .chain(&contact.links)
            .chain(contact.location.iter())
            .chain(profile.positions.iter().filter_map(|p| p.location.as_ref()))
            .map(|fact| fact.trim().to_owned())
            .collect();
        // A name's parts too: evidence may quote "Dana" or "Okafor" alone.
        if let Some(name) = &contact.name {
            facts.extend(
                name.split_whitespace()
                    .map(|part| part.trim_matches(|c: char| !c.is_alphanumeric()).to_owned()),
            );
        }
        facts.retain(|fact| fact.chars().count() >= 3);
        facts.sort_by_key(|fact| std::cmp::Reverse(fact.len()));
        facts.dedup();
        Identifying { facts }
    }
}

/// `text` with every identifying fact replaced, ignoring case.
pub fn redact_text(text: &str, identifying: &Identifying) -> String {
    let mut text = text.to_owned();
    for fact in &identifying.facts {
        let pattern = format!("(?i){}", regex::escape(fact));
        if let Ok(pattern) = regex::Regex::new(&pattern) {
            text = pattern.replace_all(&text, REDACTED).into_owned();
        }
    }
    text
}

/// Redacts every string inside a JSON value (an explanation, a stored run result).
pub fn redact_value(value: &mut serde_json::Value, identifying: &Identifying) {
    match value {
        serde_json::Value::String(text) => {
            let redacted = redact_text(text, identifying);
            if redacted != *text {
                *text = redacted;
            }
        }
        serde_json::Value::Array(items) => items
            .iter_mut()
            .for_each(|item| redact_value(item, identifying)),
        serde_json::Value::Object(fields) => fields
            .values_mut()
            .for_each(|field| redact_value(field, identifying)),
        _ => {}
    }
}

/// The profile as a blind reviewer sees it.
pub fn blind_profile(profile: &Profile) -> Profile {
    let identifying = Identifying::of(profile);
    let mut blind = profile.clone();
    blind.contact = Contact::default();
    for position in &mut blind.positions {
        position.location = None;
    }
    let Ok(mut value) = serde_json::to_value(&blind) else {
        return blind;
    };
    redact_value(&mut value, &identifying);
    serde_json::from_value(value).unwrap_or(blind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact() -> Contact {
        Contact {
            name: Some("Dana Okafor".into()),
            emails: vec!["dana.okafor@example.org".into()],
            phones: vec!["+1 555 0100".into()],
            location: Some("Springfield, IL".into()),
            links: vec!["linkedin.com/in/danaokafor".into()],
        }
    }

    #[test]
    fn identifying_facts_leave_text() {
        let text =
            "Dana Okafor (dana.okafor@example.org, +1 555 0100) in Springfield, IL; okafor led";
        let profile = Profile {
            contact: contact(),
            ..Profile::default()
        };
        let redacted = redact_text(text, &Identifying::of(&profile));
        for fact in [
            "Dana",
            "Okafor",
            "okafor",
            "example.org",
            "555",
            "Springfield",
        ] {
            assert!(!redacted.contains(fact), "{fact} left in {redacted}");
        }
        assert!(redacted.contains("led"));
    }

    #[test]
    fn a_blind_profile_has_no_contact_or_locations() {
        let mut profile = Profile {
            contact: contact(),
            headline: Some("Dana Okafor, Key Account Manager".into()),
            ..Profile::default()
        };
        profile.positions.push(crate::profile::Position {
            location: Some("Springfield, IL".into()),
            ..Default::default()
        });
        let blind = blind_profile(&profile);
        assert_eq!(blind.contact, Contact::default());
        assert_eq!(blind.positions[0].location, None);
        assert_eq!(
            blind.headline.as_deref(),
            Some("[redacted], Key Account Manager")
        );
    }
}
