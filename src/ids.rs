//! Ids as a request names them, parsed once where the request arrives: past the edge a
//! `CandidateId` is a UUID, a `RoleId` a slug, and nothing below has to check again.
//!
//! A malformed id cannot name anything, so its error is the resource's "not found" (the code a
//! client got before these types existed, and the one it can act on: the id is wrong).

use uuid::Uuid;

use crate::error_code::Code;

/// An id that cannot be one: it names no candidate, role, run or webhook.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("no candidate with id {0}")]
    Candidate(String),
    #[error("no role with id {0:?}")]
    Role(String),
    #[error("no run with id {0}")]
    Run(String),
    #[error("no webhook with id {0}")]
    Webhook(String),
    #[error("the webhook has no delivery with id {0}")]
    Delivery(String),
}

impl IdError {
    pub fn code(&self) -> Code {
        match self {
            IdError::Candidate(_) => Code::CandidateNotFound,
            IdError::Role(_) => Code::RoleNotFound,
            IdError::Run(_) => Code::RunNotFound,
            IdError::Webhook(_) => Code::WebhookNotFound,
            IdError::Delivery(_) => Code::DeliveryNotFound,
        }
    }
}

/// Ids longer than this are not echoed whole in an error's detail (a URL may be 8 KiB).
const MAX_ECHOED: usize = 100;

fn echoed(raw: &str) -> String {
    raw.chars().take(MAX_ECHOED).collect()
}

/// Builds a UUID-backed id type: parsed from text in any form `Uuid` reads, shown hyphenated.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $error:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(Uuid);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, IdError> {
                Uuid::parse_str(raw)
                    .map(Self)
                    .map_err(|_| IdError::$error(echoed(raw)))
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;

            fn from_str(raw: &str) -> Result<Self, IdError> {
                Self::parse(raw)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }
    };
}

uuid_id!(
    /// A candidate, as the store keys it.
    CandidateId,
    Candidate
);
uuid_id!(
    /// A screening run.
    RunId,
    Run
);
uuid_id!(
    /// A webhook subscription.
    WebhookId,
    Webhook
);
uuid_id!(
    /// One delivery of an event to a webhook.
    DeliveryId,
    Delivery
);

/// A role's id: 1 to 64 lowercase ASCII letters, digits, `-` or `_`, not starting or ending
/// with `-` (the rule `Role::validate` applies to a role's own `id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoleId(String);

impl RoleId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let is_slug = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
            && !raw.starts_with('-')
            && !raw.ends_with('-');
        if is_slug {
            Ok(Self(raw.to_owned()))
        } else {
            Err(IdError::Role(echoed(raw)))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::str::FromStr for RoleId {
    type Err = IdError;

    fn from_str(raw: &str) -> Result<Self, IdError> {
        Self::parse(raw)
    }
}

impl std::fmt::Display for RoleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_ids_read_any_uuid_form_and_show_it_hyphenated() {
        let id = CandidateId::parse("67E5504410B1426F9247BB680E5FE0C8").unwrap();
        assert_eq!(id.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
        assert_eq!(
            RunId::parse(&id.to_string()).unwrap().as_uuid(),
            id.as_uuid()
        );
    }

    #[test]
    fn a_malformed_id_is_not_found_and_echoed_short() {
        let error = CandidateId::parse("not-a-uuid").unwrap_err();
        assert_eq!(error.code(), Code::CandidateNotFound);
        assert_eq!(error.to_string(), "no candidate with id not-a-uuid");
        assert_eq!(
            WebhookId::parse("x").unwrap_err().code(),
            Code::WebhookNotFound
        );
        let long = "a".repeat(10_000);
        assert!(RunId::parse(&long).unwrap_err().to_string().len() < 200);
    }

    #[test]
    fn role_ids_are_slugs() {
        let longest = "a".repeat(64);
        for good in ["account-manager", "a", "x_1", longest.as_str()] {
            assert_eq!(RoleId::parse(good).unwrap().as_str(), good);
        }
        let too_long = "a".repeat(65);
        for bad in [
            "",
            "-a",
            "a-",
            "Account",
            "a b",
            "a/b",
            "é",
            too_long.as_str(),
        ] {
            assert_eq!(
                RoleId::parse(bad).unwrap_err().code(),
                Code::RoleNotFound,
                "{bad:?}"
            );
        }
    }
}
