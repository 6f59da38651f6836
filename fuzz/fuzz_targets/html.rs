#![no_main]
//! Arbitrary bytes read as HTML, whatever their content, through the extraction entry point with
//! the default limits.

use libfuzzer_sys::fuzz_target;
use shortlist::extract::{self, MediaType};

fuzz_target!(|data: &[u8]| {
    let limits = shortlist_fuzz::limits();
    let result = extract::extract_typed(data, MediaType::Html, &limits);
    shortlist_fuzz::check(&result, &limits);
});
