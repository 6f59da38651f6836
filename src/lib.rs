//! Shortlist: candidate screening and matching. See `docs/design.md` in the shared folder for
//! the data flow: extract → parse → store/index → score.

pub mod extract;
pub mod parse;
pub mod profile;
pub mod role;
pub mod score;
