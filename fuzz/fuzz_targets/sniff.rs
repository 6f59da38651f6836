#![no_main]
//! What `shortlist extract` and the upload API do: detect the format from the content, then
//! read it. The first byte picks the file name hint (none, .pdf, .html, .txt), since the name
//! decides between formats without a signature; the rest is the file.

use libfuzzer_sys::fuzz_target;
use shortlist::extract;

const NAMES: [Option<&str>; 4] = [
    None,
    Some("resume.pdf"),
    Some("resume.html"),
    Some("resume.txt"),
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, file)) = data.split_first() else {
        return;
    };
    let limits = shortlist_fuzz::limits();
    let result = extract::extract(file, NAMES[usize::from(first % 4)], &limits);
    shortlist_fuzz::check(&result, &limits);
});
