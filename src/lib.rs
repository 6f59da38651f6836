//! Shortlist: candidate screening and matching. See `docs/design.md` in the shared folder for
//! the data flow: extract → parse → store/index → score.

pub mod api;
pub mod archive;
pub mod audit;
pub mod blind;
pub mod config;
pub mod engine;
pub mod error_code;
pub mod extract;
pub mod ids;
pub mod import;
pub mod index;
pub mod oversight;
pub mod parse;
pub mod profile;
pub mod role;
pub mod runs;
pub mod score;
pub mod store;
pub mod telemetry;
pub mod tenant;
pub mod tls;
pub mod workers;
