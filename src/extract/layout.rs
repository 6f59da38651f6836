//! Positioned glyphs to reading-order text, from geometry alone (content-stream order is not
//! trusted: producers draw columns alternately, bottom to top, or one glyph at a time).
//!
//! 1. Glyphs are grouped by baseline and split into words at gaps (spaces are inferred from the
//!    distance between glyphs, as most producers write no space characters).
//! 2. Words are cut recursively into blocks (an XY-cut): a vertical gutter that runs through a
//!    whole region separates columns, read left column first, top to bottom; otherwise the
//!    region is cut at wide horizontal gaps into bands. Cells of a table whose rows line up are
//!    kept on their row instead of being read column by column.
//! 3. Lines of a block are joined, hyphenated line ends rejoined; repeated headers, footers and
//!    page numbers are dropped.

/// One glyph in display space (origin top left, y down), text in `PageGlyphs::text`.
#[derive(Debug, Clone, Copy)]
pub struct Glyph {
    pub x0: f32,
    pub x1: f32,
    /// Baseline.
    pub y: f32,
    pub size: f32,
    pub start: u32,
    pub len: u16,
    /// White space: separates words, is not itself output.
    pub space: bool,
}

#[derive(Debug, Default)]
pub struct PageGlyphs {
    pub glyphs: Vec<Glyph>,
    pub text: String,
    pub width: f32,
    pub height: f32,
}

pub struct LaidOut {
    pub text: String,
    pub page_starts: Vec<usize>,
}

#[derive(Debug, Clone, Copy)]
struct Word {
    x0: f32,
    x1: f32,
    y: f32,
    size: f32,
    /// The word's text: a range of the page's word text ([`Words::text`]). One buffer for the
    /// page rather than a `String` per word: allocating and growing those was a tenth of
    /// extraction time.
    start: u32,
    end: u32,
    /// Letters and digits in the word (saturating): tells a word from a mark (a bullet, a
    /// dash) without going back to the text.
    alphanumerics: u16,
}

struct Words {
    words: Vec<Word>,
    text: String,
}

impl Words {
    fn text_of(&self, word: &Word) -> &str {
        self.text
            .get(word.start as usize..word.end as usize)
            .unwrap_or("")
    }
}

/// A gap wider than this fraction of the font size between two glyphs is a word break. Word
/// spaces are at least 0.2 em in text fonts; kerning and rounded positions stay well below 0.1.
const WORD_GAP: f32 = 0.15;
/// On a line whose producer wrote space characters, only a gap this wide is an unwritten space
/// (glyph widths of some embedded fonts are wrong enough to open 0.2 em gaps inside words).
const WORD_GAP_WITH_SPACES: f32 = 0.5;
/// A column gutter is at least this many font sizes wide.
const GUTTER: f32 = 1.0;

/// Whether the program that made the document breaks words with hyphens at line ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hyphenation {
    /// Typesetters (TeX, InDesign) hyphenate: "experi-" + "ence" is one word, "experience".
    Words,
    /// Word processors and HTML renderers only break lines after a hyphen the text already has:
    /// "detail-" + "oriented" is "detail-oriented", the hyphen kept.
    None,
}

impl Hyphenation {
    /// From the PDF's `Producer` and `Creator`: typesetting programs hyphenate words; everything
    /// else that makes resumes (Word, LibreOffice, Google Docs, browsers, wkhtmltopdf) does not
    /// unless asked, and a compound word broken at its own hyphen is far more common in resumes
    /// ("results-oriented", "cross-functional") than a word hyphenated by the program.
    pub fn of_producer(producer: &str) -> Hyphenation {
        let producer = producer.to_ascii_lowercase();
        let typesetters = [
            "pdftex",
            "xetex",
            "luatex",
            "latex",
            "miktex",
            "texlive",
            "tex live",
            "dvipdf",
            "indesign",
            "quark",
            "framemaker",
        ];
        if typesetters.iter().any(|t| producer.contains(t)) {
            Hyphenation::Words
        } else {
            Hyphenation::None
        }
    }
}

pub fn lay_out(pages: &[PageGlyphs], hyphenation: Hyphenation) -> LaidOut {
    let mut page_lines: Vec<Vec<Vec<String>>> = pages
        .iter()
        .map(|page| page_blocks(page, hyphenation))
        .collect();
    drop_running_heads(&mut page_lines);
    let mut text = String::new();
    let mut page_starts = Vec::new();
    for (i, blocks) in page_lines.iter().enumerate() {
        if i > 0 {
            if !text.is_empty() && !text.ends_with("\n\n") {
                text.push_str(if text.ends_with('\n') { "\n" } else { "\n\n" });
            }
            page_starts.push(text.len());
        }
        for block in blocks.iter().filter(|b| !b.is_empty()) {
            if !text.is_empty() && !text.ends_with("\n\n") {
                text.push_str(if text.ends_with('\n') { "\n" } else { "\n\n" });
            }
            for line in block {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    while text.ends_with('\n') {
        text.pop();
    }
    page_starts.retain(|&s| s < text.len());
    LaidOut { text, page_starts }
}

/// The page as blocks of lines.
fn page_blocks(page: &PageGlyphs, hyphenation: Hyphenation) -> Vec<Vec<String>> {
    let words = words_of(page);
    let mut blocks = Vec::new();
    let mut indices: Vec<usize> = (0..words.words.len()).collect();
    cut(&words.words, &mut indices, &mut blocks, 0);
    blocks
        .into_iter()
        .map(|lines| finish_block(&words, lines, hyphenation))
        .collect()
}

fn words_of(page: &PageGlyphs) -> Words {
    let glyphs = &page.glyphs;
    let mut order: Vec<usize> = (0..glyphs.len()).collect();
    order.sort_by(|&a, &b| key_y(glyphs, a).total_cmp(&key_y(glyphs, b)));
    let mut words = Words {
        words: Vec::with_capacity(glyphs.len() / 4),
        text: String::with_capacity(page.text.len()),
    };
    let mut line: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let Some(first) = order.get(i).and_then(|&g| glyphs.get(g)) else {
            break;
        };
        let (base, size) = (first.y, first.size);
        line.clear();
        while let Some(g) = order.get(i).and_then(|&g| glyphs.get(g).map(|x| (g, x))) {
            if g.1.y - base > 0.3 * size.min(g.1.size) {
                break;
            }
            line.push(g.0);
            i += 1;
        }
        line.sort_by(|&a, &b| {
            let (ga, gb) = (glyphs.get(a), glyphs.get(b));
            ga.map_or(0.0, |g| g.x0)
                .total_cmp(&gb.map_or(0.0, |g| g.x0))
        });
        split_words(page, &line, &mut words);
    }
    words
}

fn key_y(glyphs: &[Glyph], i: usize) -> f32 {
    glyphs.get(i).map_or(0.0, |g| g.y)
}

fn split_words(page: &PageGlyphs, line: &[usize], out: &mut Words) {
    let mut current: Option<Word> = None;
    let mut last: Option<&Glyph> = None;
    let has_spaces = line
        .iter()
        .any(|&i| page.glyphs.get(i).is_some_and(|g| g.space));
    let gap = if has_spaces {
        WORD_GAP_WITH_SPACES
    } else {
        WORD_GAP
    };
    for g in line.iter().filter_map(|&i| page.glyphs.get(i)) {
        let text = page
            .text
            .get(g.start as usize..g.start as usize + g.len as usize)
            .unwrap_or("");
        // Fake bold: the same glyph drawn twice at almost the same place.
        if let Some(prev) = last
            && (g.x0 - prev.x0).abs() < 0.15 * g.size
            && page
                .text
                .get(prev.start as usize..prev.start as usize + prev.len as usize)
                == Some(text)
        {
            continue;
        }
        last = Some(g);
        if g.space {
            if let Some(w) = current.take() {
                out.words.push(w);
            }
            continue;
        }
        // The current word is always the last text written to `out.text`, so extending it is
        // appending to the buffer.
        match current.as_mut() {
            Some(w) if g.x0 - w.x1 <= gap * g.size.max(w.size) && g.x0 - w.x1 > -g.size => {
                out.text.push_str(text);
                w.end = out.text.len() as u32;
                w.alphanumerics = w.alphanumerics.saturating_add(alphanumerics(text));
                w.x1 = w.x1.max(g.x1);
                w.size = w.size.max(g.size);
            }
            _ => {
                if let Some(w) = current.take() {
                    out.words.push(w);
                }
                let start = out.text.len() as u32;
                out.text.push_str(text);
                current = Some(Word {
                    x0: g.x0,
                    x1: g.x1.max(g.x0),
                    y: g.y,
                    size: g.size,
                    start,
                    end: out.text.len() as u32,
                    alphanumerics: alphanumerics(text),
                });
            }
        }
    }
    if let Some(w) = current {
        out.words.push(w);
    }
}

fn alphanumerics(text: &str) -> u16 {
    text.chars().filter(|c| c.is_alphanumeric()).count() as u16
}

/// Lines of `indices` (sorted top to bottom, each line sorted left to right).
fn lines_of(words: &[Word], indices: &mut [usize]) -> Vec<Vec<usize>> {
    indices.sort_by(|&a, &b| {
        let (wa, wb) = (words.get(a), words.get(b));
        wa.map_or(0.0, |w| w.y).total_cmp(&wb.map_or(0.0, |w| w.y))
    });
    let mut lines: Vec<Vec<usize>> = Vec::new();
    let mut base = f32::NEG_INFINITY;
    let mut base_size = 0f32;
    for &i in indices.iter() {
        let Some(w) = words.get(i) else { continue };
        match lines.last_mut() {
            Some(line) if w.y - base <= 0.3 * w.size.min(base_size) => line.push(i),
            _ => {
                let mut line = Vec::with_capacity(16);
                line.push(i);
                lines.push(line);
                base = w.y;
                base_size = w.size;
            }
        }
    }
    for line in &mut lines {
        line.sort_by(|&a, &b| {
            let (wa, wb) = (words.get(a), words.get(b));
            wa.map_or(0.0, |w| w.x0)
                .total_cmp(&wb.map_or(0.0, |w| w.x0))
        });
    }
    lines
}

fn median_size(words: &[Word], indices: &[usize]) -> f32 {
    let mut sizes: Vec<f32> = indices
        .iter()
        .filter_map(|&i| words.get(i).map(|w| w.size))
        .collect();
    if sizes.is_empty() {
        return 10.0;
    }
    // The middle value under the total order is the same whichever way it is found.
    let middle = sizes.len() / 2;
    sizes.select_nth_unstable_by(middle, f32::total_cmp);
    sizes.get(middle).copied().unwrap_or(10.0)
}

/// The widest vertical strip no word crosses, as (left edge, right edge).
fn gutter(words: &[Word], indices: &[usize], min_width: f32) -> Option<(f32, f32)> {
    let mut spans: Vec<(f32, f32)> = indices
        .iter()
        .filter_map(|&i| words.get(i).map(|w| (w.x0, w.x1)))
        .collect();
    // Unstable: spans with equal left edges give the same gutter in any order (after the first
    // of them the reach is at least that edge), and the stable sort was a third of layout.
    spans.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut best: Option<(f32, f32)> = None;
    let mut reach = f32::NEG_INFINITY;
    for (x0, x1) in spans {
        if reach.is_finite()
            && x0 - reach >= min_width
            && best.is_none_or(|(l, r)| x0 - reach > r - l)
        {
            best = Some((reach, x0));
        }
        reach = reach.max(x1);
    }
    best
}

/// Recursive XY-cut; appends leaf blocks (as lines of word indices) in reading order.
fn cut(words: &[Word], indices: &mut [usize], out: &mut Vec<Vec<Vec<usize>>>, depth: u32) {
    if indices.is_empty() {
        return;
    }
    let lines = lines_of(words, indices);
    if depth > 40 || lines.len() <= 1 {
        out.push(lines);
        return;
    }
    let size = median_size(words, indices);
    match column_split(words, indices, &lines, size, GUTTER * size) {
        Some(Split::Columns(split)) => {
            let (mut left, mut right) = split_at_gutter(words, indices.iter(), split);
            let mut below = left_below_columns(words, &mut left, &right, size);
            cut(words, &mut left, out, depth + 1);
            cut(words, &mut right, out, depth + 1);
            cut(words, &mut below, out, depth + 1);
            return;
        }
        Some(Split::Labels(split)) => {
            read_labelled_sections(words, lines, split, size, out, depth);
            return;
        }
        None => {}
    }
    // Bands separated by gaps clearly wider than the line spacing.
    let (bands, pitch) = bands_of(words, &lines, size);
    if bands.len() <= 1 {
        cut_local_columns(words, lines, size, out, depth);
        return;
    }
    let mut merged = merge_column_bands(words, bands, size, pitch);
    if merged.len() == 1 {
        if let Some(mut only) = merged.pop() {
            let only_lines = lines_of(words, &mut only);
            cut_local_columns(words, only_lines, size, out, depth);
        }
        return;
    }
    for mut band in merged {
        cut(words, &mut band, out, depth + 1);
    }
}

/// The words left of the gutter at `split` and the words right of it.
fn split_at_gutter<'a>(
    words: &[Word],
    indices: impl Iterator<Item = &'a usize>,
    split: f32,
) -> (Vec<usize>, Vec<usize>) {
    indices.partition(|&&i| words.get(i).is_some_and(|w| w.x1 <= split))
}

/// Takes out of `left` the lines that come after the columns: lines below the right column's
/// last line, parted from the left column's lines above by a gap of more than two lines that
/// reaches past the right column's end. That is a short left column beside a tall right one
/// (a paragraph beside a skills list), and what follows it (the next heading at the margin)
/// is read after both columns, not before the right one.
fn left_below_columns(
    words: &[Word],
    left: &mut Vec<usize>,
    right: &[usize],
    size: f32,
) -> Vec<usize> {
    let y_of = |i: &usize| words.get(*i).map_or(0.0, |w| w.y);
    let right_bottom = right.iter().map(y_of).fold(f32::MIN, f32::max);
    let above_bottom = left
        .iter()
        .map(y_of)
        .filter(|&y| y <= right_bottom)
        .fold(f32::MIN, f32::max);
    let first_below = left
        .iter()
        .map(y_of)
        .filter(|&y| y > right_bottom)
        .fold(f32::MAX, f32::min);
    if above_bottom == f32::MIN || first_below == f32::MAX {
        return Vec::new();
    }
    if first_below - above_bottom <= 2.5 * size || right_bottom - above_bottom <= 1.5 * size {
        return Vec::new();
    }
    let below: Vec<usize> = left
        .iter()
        .copied()
        .filter(|i| y_of(i) > right_bottom)
        .collect();
    left.retain(|i| y_of(i) <= right_bottom);
    below
}

/// Bands that share a gutter are one two-column region: gaps that happen to line up across both
/// columns must not make us read them band by band. Neighbours merge until none can, so that a
/// heading band above the columns, too short to show a gutter with the next band alone, joins
/// the region it heads. Two exceptions: a gap of more than two blank lines (both columns
/// breaking off together that long is a page of separate blocks, such as tables one under the
/// other), and a band below with nothing right of the gutter that starts left of the left
/// column (a heading at the margin under an indented list is below the columns, not in them).
fn merge_column_bands(
    words: &[Word],
    mut bands: Vec<Vec<usize>>,
    size: f32,
    pitch: f32,
) -> Vec<Vec<usize>> {
    let y_of = |i: usize| words.get(i).map_or(0.0, |w| w.y);
    let split_of = |upper: &[usize], lower: &[usize]| -> Option<f32> {
        let bottom = upper.iter().map(|&i| y_of(i)).fold(f32::MIN, f32::max);
        let top = lower.iter().map(|&i| y_of(i)).fold(f32::MAX, f32::min);
        if top - bottom > 3.0 * pitch {
            return None;
        }
        let mut union: Vec<usize> = upper.iter().chain(lower).copied().collect();
        let union_lines = lines_of(words, &mut union);
        // Labelled sections are read band by band anyway, each band with its own label.
        match column_split(words, &union, &union_lines, size, GUTTER * size)? {
            Split::Columns(split) => Some(split),
            Split::Labels(_) => None,
        }
    };
    // `lower` has nothing right of the gutter and starts left of where the left column's last
    // line in `upper` starts (`upper` may begin with a heading of its own).
    let outdented = |upper: &[usize], lower: &[usize], split: f32| -> bool {
        let left = |band: &[usize]| -> Vec<&Word> {
            band.iter()
                .filter_map(|&i| words.get(i))
                .filter(|w| w.x1 <= split)
                .collect()
        };
        let lower_left = left(lower);
        if lower_left.len() < lower.len() {
            return false;
        }
        let upper_left = left(upper);
        let last_y = upper_left.iter().map(|w| w.y).fold(f32::MIN, f32::max);
        let column_x0 = upper_left
            .iter()
            .filter(|w| last_y - w.y <= 0.3 * size)
            .map(|w| w.x0)
            .fold(f32::MAX, f32::min);
        let lower_x0 = lower_left.iter().map(|w| w.x0).fold(f32::MAX, f32::min);
        lower_x0 < column_x0 - 0.25 * size
    };
    // Whether the columns go on below band `k`: no later band crosses the gutter before one has
    // text right of it (or before the region ends: a left column longer than the right one).
    let columns_go_on = |bands: &[Vec<usize>], k: usize, split: f32| -> bool {
        for band in bands.iter().skip(k + 1) {
            let mut right = false;
            for w in band.iter().filter_map(|&i| words.get(i)) {
                if w.x0 < split && w.x1 > split {
                    return false;
                }
                right |= w.x0 >= split;
            }
            if right {
                return true;
            }
        }
        true
    };
    loop {
        let at = (0..bands.len().saturating_sub(1)).find(|&k| {
            let (Some(upper), Some(lower)) = (bands.get(k), bands.get(k + 1)) else {
                return false;
            };
            let Some(split) = split_of(upper, lower) else {
                return false;
            };
            // A heading at the margin under the columns' last lines belongs to what follows,
            // unless the columns go on below it (a section heading inside the left column).
            !outdented(upper, lower, split) || columns_go_on(&bands, k + 1, split)
        });
        let Some(at) = at else {
            return bands;
        };
        let lower = bands.remove(at + 1);
        if let Some(upper) = bands.get_mut(at) {
            upper.extend(lower);
        }
    }
}

/// A region with no gutter through all of it and no gap to cut it at can still hold columns
/// for a stretch: a two-column skills table between full-width paragraphs, with a heading right
/// above and below. Finds the first such stretch, reads the lines above it, the stretch column
/// by column, then the lines below; a region without one is a leaf block.
fn cut_local_columns(
    words: &[Word],
    lines: Vec<Vec<usize>>,
    size: f32,
    out: &mut Vec<Vec<Vec<usize>>>,
    depth: u32,
) {
    let found = local_columns(words, &lines, size, GUTTER * size)
        .or_else(|| local_columns(words, &lines, size, NARROW_GUTTER * size));
    let Some(Stretch { start, end, split }) = found else {
        out.push(lines);
        return;
    };
    let (above, rest) = lines.split_at(start);
    let (stretch, below) = rest.split_at(end - start);
    let mut indices = above.concat();
    cut(words, &mut indices, out, depth + 1);
    match split {
        Split::Columns(split) => {
            let (mut left, mut right) = split_at_gutter(words, stretch.iter().flatten(), split);
            cut(words, &mut left, out, depth + 1);
            cut(words, &mut right, out, depth + 1);
        }
        Split::Labels(split) => {
            read_labelled_sections(words, stretch.to_vec(), split, size, out, depth);
        }
    }
    let mut indices = below.concat();
    cut(words, &mut indices, out, depth + 1);
}

/// Lines `start..end` of a region read as two columns, or as labelled sections, split at
/// `split`.
struct Stretch {
    start: usize,
    end: usize,
    split: Split,
}

/// The x-extent covered by the words of consecutive lines, as sorted disjoint spans (spans
/// closer than `min_gap` merged): adding lines one at a time shows where a gutter shared by all
/// of them opens and closes.
struct Cover {
    spans: Vec<(f32, f32)>,
    min_gap: f32,
}

impl Cover {
    fn add(&mut self, x0: f32, x1: f32) {
        let min_gap = self.min_gap;
        let at = self.spans.partition_point(|s| s.1 + min_gap <= x0);
        let mut merged = (x0, x1);
        let mut end = at;
        while let Some(&(a, b)) = self.spans.get(end) {
            if a >= merged.1 + min_gap {
                break;
            }
            merged = (merged.0.min(a), merged.1.max(b));
            end += 1;
        }
        self.spans.splice(at..end, [merged]);
    }

    /// The widest gap between covered spans, as (left edge, right edge).
    fn widest_gap(&self) -> Option<(f32, f32)> {
        self.spans
            .windows(2)
            .map(|w| (w[0].1, w[1].0))
            .max_by(|a, b| (a.1 - a.0).total_cmp(&(b.1 - b.0)))
    }
}

/// A gutter narrower than [`GUTTER`], down to a fraction of a word space: HTML table cells
/// without padding put a second column right against the first. Such a gutter is only taken
/// where nothing else could explain it (see [`narrow_columns_hold`]).
const NARROW_GUTTER: f32 = 0.05;

/// The first stretch of consecutive lines that shares a gutter at least `min_gap` wide and reads
/// as columns, if there is one that is not the whole region. Lines above the stretch's first
/// line with text right of the gutter are headings or text above the columns; they stay above.
fn local_columns(words: &[Word], lines: &[Vec<usize>], size: f32, min_gap: f32) -> Option<Stretch> {
    let narrow = min_gap < GUTTER * size;
    let (min_x, max_x) = lines
        .iter()
        .flatten()
        .filter_map(|&i| words.get(i))
        .fold((f32::MAX, f32::MIN), |(a, b), w| (a.min(w.x0), b.max(w.x1)));
    let mut first = 0;
    while first + 2 < lines.len() {
        let mut cover = Cover {
            spans: Vec::new(),
            min_gap,
        };
        let mut last = first;
        let mut gap = None;
        let mut narrowed = false;
        while let Some(line) = lines.get(last) {
            // A line that would close the gutter but has a word starting exactly where the
            // right column starts, and nothing across that line, is a row of the same table
            // whose left cell's text runs up to the right cell (no padding between them).
            if let Some((_, right_edge)) = gap
                && !narrow
                && continues_narrowly(words, line, right_edge, size)
            {
                narrowed = true;
                last += 1;
                continue;
            }
            for w in line.iter().filter_map(|&i| words.get(i)) {
                cover.add(w.x0, w.x1);
            }
            match (cover.widest_gap(), cover.spans.first()) {
                (Some(g), _) => gap = Some(g),
                // The gutter closed.
                (None, _) if gap.is_some() => break,
                // One span so far, as wide as the region: no gutter can open any more.
                (None, Some(&(a, b))) if a - min_x < GUTTER * size && max_x - b < GUTTER * size => {
                    break;
                }
                _ => {}
            }
            last += 1;
        }
        // `first..last` share the gutter `gap`.
        if let Some((left_edge, _)) = gap
            && last - first >= 3
        {
            let has_right = |line: &Vec<usize>| {
                line.iter()
                    .any(|&i| words.get(i).is_some_and(|w| w.x1 > left_edge + 0.01))
            };
            let start = (first..last)
                .find(|&l| lines.get(l).is_some_and(has_right))
                .unwrap_or(last);
            // Lines below the last one with text right of the gutter go on the left column
            // while they line up with it; one that starts further left (a heading at the
            // margin under an indented list) and all after it are below the columns.
            let right_end = (start..last)
                .rev()
                .find(|&l| lines.get(l).is_some_and(has_right))
                .map_or(start, |l| l + 1);
            let left_x0 = lines
                .get(start..right_end)
                .unwrap_or_default()
                .iter()
                .flatten()
                .filter_map(|&i| words.get(i))
                .filter(|w| w.x1 <= left_edge + 0.01)
                .map(|w| w.x0)
                .fold(f32::MAX, f32::min);
            let end = (right_end..last)
                .find(|&l| {
                    let x0 = lines
                        .get(l)
                        .and_then(|line| line.first())
                        .and_then(|&i| words.get(i))
                        .map_or(f32::MAX, |w| w.x0);
                    x0 < left_x0 - 0.25 * size
                })
                .unwrap_or(last);
            if end - start >= 3 && (start, end) != (0, lines.len()) {
                let stretch = lines.get(start..end).unwrap_or_default();
                let indices: Vec<usize> = stretch.concat();
                let min_gutter = if narrowed {
                    NARROW_GUTTER * size
                } else {
                    min_gap
                };
                // A gutter too narrow to be sure of is only taken between columns that hold.
                match column_split(words, &indices, stretch, size, min_gutter) {
                    Some(Split::Columns(x))
                        if !narrow || narrow_columns_hold(words, stretch, x) =>
                    {
                        return Some(Stretch {
                            start,
                            end,
                            split: Split::Columns(x),
                        });
                    }
                    Some(Split::Labels(x)) if !narrow && !narrowed => {
                        return Some(Stretch {
                            start,
                            end,
                            split: Split::Labels(x),
                        });
                    }
                    _ => {}
                }
            }
        }
        first = if gap.is_some() && last > first + 1 {
            last
        } else {
            first + 1
        };
    }
    None
}

/// Whether `line` keeps to two columns whose right one starts at `right_edge`: a word starts
/// there (within half a point) and no word runs across it.
fn continues_narrowly(words: &[Word], line: &[usize], right_edge: f32, size: f32) -> bool {
    let mut aligned = false;
    for w in line.iter().filter_map(|&i| words.get(i)) {
        if (w.x0 - right_edge).abs() <= 0.5 {
            aligned = true;
        } else if w.x0 < right_edge && w.x1 > right_edge - NARROW_GUTTER * size {
            return false;
        }
    }
    aligned
}

/// A narrow gutter found on its own is a column break only when no line has text on both
/// sides of it: the columns' baselines interleave, one column centred against the other. (Two
/// columns sharing baselines across a narrow gutter cannot be told from prose whose word
/// spaces happen to line up on a few lines; positions on a coarse grid make that common.)
fn narrow_columns_hold(words: &[Word], stretch: &[Vec<usize>], split: f32) -> bool {
    let mut right_lines = 0;
    for line in stretch {
        let (mut left, mut right) = (false, false);
        for w in line.iter().filter_map(|&i| words.get(i)) {
            if w.x1 <= split {
                left = true;
            } else {
                right = true;
            }
        }
        if left && right {
            return false;
        }
        right_lines += usize::from(right);
    }
    right_lines >= 3
}

/// How a region with a gutter through it is read.
#[derive(Clone, Copy, Debug)]
enum Split {
    /// Two columns, the left one first (a sidebar beside the experience).
    Columns(f32),
    /// Labelled sections, row by row: the words left of the gutter are labels (section
    /// headings, dates), each on the row of the first line of what it labels (see
    /// [`is_label_column`]).
    Labels(f32),
}

/// Where to split a region into columns, if it has a gutter with text on both sides that is not
/// simply the cells of table rows (rows stay whole) or labels beside what they label.
fn column_split(
    words: &[Word],
    indices: &[usize],
    lines: &[Vec<usize>],
    size: f32,
    min_gutter: f32,
) -> Option<Split> {
    if lines.len() < 2 {
        return None;
    }
    let (left_edge, right_edge) = gutter(words, indices, min_gutter)?;
    let side_lines = |left: bool| -> Vec<f32> {
        let mut ys: Vec<f32> = Vec::new();
        for line in lines {
            let y = line.iter().find_map(|&i| {
                words
                    .get(i)
                    .filter(|w| (w.x1 <= left_edge + 0.01) == left)
                    .map(|w| w.y)
            });
            if let Some(y) = y {
                ys.push(y);
            }
        }
        ys
    };
    let (left, right) = (side_lines(true), side_lines(false));
    if left.is_empty() || right.is_empty() {
        return None;
    }
    let split = (left_edge + right_edge) / 2.0;
    if is_label_column(words, indices, lines, split, size) {
        return Some(Split::Labels(split));
    }
    if hung_marks(words, lines, split) {
        return None;
    }
    let (small, big) = if left.len() <= right.len() {
        (&left, &right)
    } else {
        (&right, &left)
    };
    let aligned = small
        .iter()
        .all(|y| big.iter().any(|b| (b - y).abs() <= 0.3 * size));
    // Table rows: every line on the sparse side sits on a line of the other side, and the sides
    // are as long as each other (a grid) or one side is a few labels (dates next to titles).
    // A grid whose cells on one side are short (dates, labels) is read row by row; two columns
    // of running text that happen to share baselines are read column by column.
    if aligned && small.len() == big.len() {
        let (min_x, max_x) = indices
            .iter()
            .filter_map(|&i| words.get(i))
            .fold((f32::MAX, f32::MIN), |(a, b), w| (a.min(w.x0), b.max(w.x1)));
        let mean_width = |left: bool| -> f32 {
            let mut total = 0.0;
            let mut count = 0.0;
            for line in lines {
                let side = line
                    .iter()
                    .filter_map(|&i| words.get(i))
                    .filter(|w| (w.x1 <= left_edge + 0.01) == left);
                let (a, b) =
                    side.fold((f32::MAX, f32::MIN), |(a, b), w| (a.min(w.x0), b.max(w.x1)));
                if b > a {
                    total += b - a;
                    count += 1.0;
                }
            }
            if count > 0.0 { total / count } else { 0.0 }
        };
        let (left_width, right_width) = (mean_width(true), mean_width(false));
        let (narrow, wide) = (left_width.min(right_width), left_width.max(right_width));
        // Labels or dates beside their text are much narrower than it; two lists side by side
        // (skills in two columns) are about as wide as each other, and read column by column.
        if narrow < 0.3 * (max_x - min_x) && narrow < 0.7 * wide {
            return None;
        }
    }
    if small.len() < 3 {
        // A line or two beside a column is a caption, a date or a split header line, not a
        // column: columns are tall.
        return None;
    }
    Some(Split::Columns(split))
}

/// The most lines one label takes: a heading wrapped once or twice ("ON CAMPUS" /
/// "INVOLVEMENT"), a date range over two lines. A sidebar's runs of lines are longer.
const MAX_LABEL_LINES: usize = 3;

/// Whether the words left of `split` label what is right of it, the layout of resume templates
/// that put each section heading in a narrow left column, on the row of the section's first
/// line. Read column by column, such a page gives all its headings first, detached from their
/// sections; it is read row by row instead. Told from a sidebar by geometry alone: the left
/// side is narrow (at most a third of the region, at most half the right side) and comes in
/// short runs of lines ([`label_runs`]). A sidebar (skills, contact) runs down many consecutive
/// lines; labels are sparse.
fn is_label_column(
    words: &[Word],
    indices: &[usize],
    lines: &[Vec<usize>],
    split: f32,
    size: f32,
) -> bool {
    let (mut left_x0, mut left_x1) = (f32::MAX, f32::MIN);
    let (mut right_x0, mut right_x1) = (f32::MAX, f32::MIN);
    for w in indices.iter().filter_map(|&i| words.get(i)) {
        if w.x1 <= split {
            (left_x0, left_x1) = (left_x0.min(w.x0), left_x1.max(w.x1));
        } else {
            (right_x0, right_x1) = (right_x0.min(w.x0), right_x1.max(w.x1));
        }
    }
    let (left_width, right_width) = (left_x1 - left_x0, right_x1 - right_x0);
    let region_width = right_x1.max(left_x1) - left_x0.min(right_x0);
    if left_width <= 0.0 || right_width <= 0.0 || left_width > region_width / 3.0 {
        return false;
    }
    left_width <= 0.5 * right_width && label_runs(words, lines, split, size).is_some()
}

/// The lines where labels start, if the words left of `split` are labels:
///
/// - they come in runs of at most [`MAX_LABEL_LINES`] lines, a run ending at a line with
///   nothing left of the gutter or at a gap of more than a line and a half;
/// - each run starts on a row that has text right of the gutter, and is a word rather than a
///   mark (three letters or digits at least: a bullet or a list number hung left of its item is
///   not a label);
/// - the right side has more lines than the left: a section is longer than its heading.
///
/// With no space between sections, a one-line section followed by the next label on the very
/// next row cannot be told from a heading wrapped over two lines: both labels are read as one.
fn label_runs(words: &[Word], lines: &[Vec<usize>], split: f32, size: f32) -> Option<Vec<usize>> {
    let mut starts = Vec::new();
    let (mut label_lines, mut content_lines) = (0usize, 0usize);
    // The current run of label lines, the letters and digits in it, and its last baseline.
    let (mut run, mut run_chars, mut run_y) = (0usize, 0usize, f32::MIN);
    for (index, line) in lines.iter().enumerate() {
        let (mut left_y, mut has_right, mut chars) = (None, false, 0usize);
        for w in line.iter().filter_map(|&i| words.get(i)) {
            if w.x1 <= split {
                left_y = Some(left_y.unwrap_or(w.y));
                chars += usize::from(w.alphanumerics);
            } else {
                has_right = true;
            }
        }
        content_lines += usize::from(has_right);
        let continues = left_y.is_some_and(|y| run > 0 && y - run_y <= 1.5 * size);
        if run > 0 && !continues {
            if run_chars < 3 {
                return None;
            }
            run = 0;
        }
        let Some(y) = left_y else { continue };
        if run == 0 {
            if !has_right {
                return None;
            }
            starts.push(index);
            run_chars = 0;
        }
        run += 1;
        run_chars += chars;
        run_y = y;
        label_lines += 1;
        if run > MAX_LABEL_LINES {
            return None;
        }
    }
    if run > 0 && run_chars < 3 {
        return None;
    }
    (label_lines > 0 && content_lines > label_lines).then_some(starts)
}

/// Whether everything left of `split` is marks (bullets, dashes: no letter or digit), each on
/// the row of a line right of it: a list whose bullets hang a gutter's width left of their
/// items (Word's default indents do). Its rows stay whole, "• item"; read as columns, all the
/// bullets came first and the items after them.
fn hung_marks(words: &[Word], lines: &[Vec<usize>], split: f32) -> bool {
    let mut marks = 0;
    for line in lines {
        let (mut left, mut right) = (false, false);
        for w in line.iter().filter_map(|&i| words.get(i)) {
            if w.x1 > split {
                right = true;
            } else if w.alphanumerics > 0 {
                return false;
            } else {
                left = true;
            }
        }
        if left && !right {
            return false;
        }
        marks += usize::from(left);
    }
    marks > 0
}

/// Reads a region of labelled sections (see [`is_label_column`]) row by row: a section starts
/// at each label's first line and runs to the next label; its label is read first, then what
/// is right of the gutter, and the label heads the section's first block as a heading above
/// its text would. Lines above the first label are read first, as a section of their own.
fn read_labelled_sections(
    words: &[Word],
    lines: Vec<Vec<usize>>,
    split: f32,
    size: f32,
    out: &mut Vec<Vec<Vec<usize>>>,
    depth: u32,
) {
    let starts = label_runs(words, &lines, split, size).unwrap_or_default();
    let mut sections: Vec<(Vec<usize>, Vec<usize>)> = vec![(Vec::new(), Vec::new())];
    for (index, line) in lines.iter().enumerate() {
        if starts.contains(&index) {
            sections.push((Vec::new(), Vec::new()));
        }
        let (left, right) = split_at_gutter(words, line.iter(), split);
        if let Some((label, content)) = sections.last_mut() {
            label.extend(left);
            content.extend(right);
        }
    }
    for (mut label, mut content) in sections {
        let first = out.len();
        cut(words, &mut label, out, depth + 1);
        let label_blocks = out.len() - first;
        cut(words, &mut content, out, depth + 1);
        if label_blocks == 1 && out.len() > first + 1 {
            let opening = out.remove(first + 1);
            if let Some(heading) = out.get_mut(first) {
                heading.extend(opening);
            }
        }
    }
}

/// Splits lines into bands at vertical gaps wider than the usual line spacing; returns them
/// with that spacing (the median distance between baselines).
fn bands_of(words: &[Word], lines: &[Vec<usize>], size: f32) -> (Vec<Vec<usize>>, f32) {
    let baselines: Vec<f32> = lines
        .iter()
        .map(|l| l.first().and_then(|&i| words.get(i)).map_or(0.0, |w| w.y))
        .collect();
    let mut pitches: Vec<f32> = baselines.windows(2).map(|w| w[1] - w[0]).collect();
    pitches.sort_by(f32::total_cmp);
    let typical = pitches
        .get(pitches.len() / 2)
        .copied()
        .unwrap_or(size * 1.2);
    let threshold = (typical * 1.4).max(size * 1.5);
    let mut bands: Vec<Vec<usize>> = Vec::new();
    let mut prev: Option<f32> = None;
    for (line, &y) in lines.iter().zip(&baselines) {
        match (bands.last_mut(), prev) {
            (Some(band), Some(p)) if y - p <= threshold => band.extend_from_slice(line),
            _ => bands.push(line.clone()),
        }
        prev = Some(y);
    }
    (bands, typical)
}

/// Block lines to text: words joined by spaces, ligatures and bullets normalised, hyphenated
/// line ends rejoined.
fn finish_block(words: &Words, lines: Vec<Vec<usize>>, hyphenation: Hyphenation) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    for line in lines {
        let mut text = String::with_capacity(line.len() * 8);
        for w in line.iter().filter_map(|&i| words.words.get(i)) {
            if !text.is_empty() {
                text.push(' ');
            }
            normalise_word(words.text_of(w), &mut text);
        }
        if text.is_empty() {
            continue;
        }
        if let Some(prev) = out.last_mut()
            && dehyphenate(prev, &mut text, hyphenation)
            && text.is_empty()
        {
            continue;
        }
        out.push(text);
    }
    out
}

fn normalise_word(word: &str, out: &mut String) {
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next())
        && is_bullet(c)
    {
        out.push('•');
        return;
    }
    for c in word.chars() {
        match c {
            '\u{fb00}' => out.push_str("ff"),
            '\u{fb01}' => out.push_str("fi"),
            '\u{fb02}' => out.push_str("fl"),
            '\u{fb03}' => out.push_str("ffi"),
            '\u{fb04}' => out.push_str("ffl"),
            '\u{fb05}' | '\u{fb06}' => out.push_str("st"),
            '\u{a0}' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

fn is_bullet(c: char) -> bool {
    matches!(
        c,
        '•' | '●'
            | '▪'
            | '■'
            | '◦'
            | '○'
            | '‣'
            | '∙'
            | '⁃'
            | '➢'
            | '➤'
            | '►'
            | '▶'
            | '◆'
            | '♦'
            | '\u{f0b7}'
            | '\u{f0a7}'
            | '\u{f076}'
            | '\u{f0d8}'
    )
}

/// `prev` ends with "-" after a letter: a word was broken at the line end. Moves the rest of the
/// word up, dropping the hyphen when the program hyphenates words and the rest starts in lower
/// case ("experi-" + "ence"), keeping it when the program only breaks at hyphens the text has
/// ("detail-" + "oriented", "Sarbanes-" + "Oxley"). Returns whether it joined.
fn dehyphenate(prev: &mut String, next: &mut String, hyphenation: Hyphenation) -> bool {
    let mut tail = prev.chars().rev();
    let (Some('-'), Some(letter)) = (tail.next(), tail.next()) else {
        return false;
    };
    let Some(first) = next.chars().next() else {
        return false;
    };
    let joins = match hyphenation {
        Hyphenation::Words => first.is_lowercase(),
        Hyphenation::None => first.is_alphanumeric(),
    };
    if !letter.is_alphabetic() || !joins {
        return false;
    }
    let end = next.find(' ').unwrap_or(next.len());
    let rest = next.get(end..).unwrap_or("").trim_start().to_owned();
    if hyphenation == Hyphenation::Words {
        prev.pop();
    }
    prev.push_str(next.get(..end).unwrap_or(""));
    *next = rest;
    true
}

/// Drops lines that repeat at the top or bottom of several pages (running heads and feet, with
/// digits ignored so "Page 2" matches "Page 3") and bare page numbers.
fn drop_running_heads(pages: &mut [Vec<Vec<String>>]) {
    if pages.len() < 2 {
        return;
    }
    let key = |line: &str| -> String {
        line.chars()
            .map(|c| if c.is_ascii_digit() { '#' } else { c })
            .collect()
    };
    let edge_lines = |page: &Vec<Vec<String>>| -> Vec<String> {
        let mut v = Vec::new();
        if let Some(first) = page.iter().find_map(|b| b.first()) {
            v.push(key(first));
        }
        if let Some(last) = page.iter().rev().find_map(|b| b.last()) {
            v.push(key(last));
        }
        v
    };
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for page in pages.iter() {
        let mut seen = edge_lines(page);
        seen.dedup();
        for k in seen {
            *counts.entry(k).or_default() += 1;
        }
    }
    let drop = |line: &str| {
        is_page_number(line)
            || counts.get(&key(line)).copied().unwrap_or(0) >= 2 && line.len() < 120
    };
    // What each page would lose: its first line and its last line (when they are different).
    let plans: Vec<(Option<usize>, Option<usize>)> = pages
        .iter()
        .map(|page| {
            let first_block = page.iter().position(|b| !b.is_empty());
            let last_block = page.iter().rposition(|b| !b.is_empty());
            let first = first_block.filter(|&i| page[i].first().is_some_and(|l| drop(l)));
            let single_line =
                first_block == last_block && first_block.is_some_and(|i| page[i].len() == 1);
            let last = last_block
                .filter(|&i| page[i].last().is_some_and(|l| drop(l)))
                .filter(|_| !(single_line && first.is_some()));
            (first, last)
        })
        .collect();
    // A document made only of lines repeated on every page (one header per page, say) keeps
    // them: they are its text, not a running head around it.
    let total_lines: usize = pages.iter().flatten().map(Vec::len).sum();
    let dropped: usize = plans
        .iter()
        .map(|(first, last)| usize::from(first.is_some()) + usize::from(last.is_some()))
        .sum();
    if dropped >= total_lines {
        return;
    }
    for (page, (first, last)) in pages.iter_mut().zip(plans) {
        if let Some(block) = last.and_then(|i| page.get_mut(i)) {
            block.pop();
        }
        if let Some(block) = first.and_then(|i| page.get_mut(i))
            && !block.is_empty()
        {
            block.remove(0);
        }
    }
}

fn is_page_number(line: &str) -> bool {
    let lower = line.trim().to_ascii_lowercase();
    let rest = lower
        .trim_matches(|c: char| c == '-' || c == '–' || c.is_whitespace())
        .trim_start_matches("page")
        .trim();
    !rest.is_empty()
        && rest.len() <= 12
        && rest
            .split(|c: char| c.is_whitespace() || c == '/')
            .all(|part| {
                part.is_empty()
                    || part == "of"
                    || part.len() <= 3 && part.chars().all(|c| c.is_ascii_digit())
            })
        && rest.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::drop_running_heads;

    fn lines_page(lines: &[&str]) -> Vec<Vec<String>> {
        vec![lines.iter().map(|l| (*l).to_owned()).collect()]
    }

    #[test]
    fn running_heads_go_but_a_document_of_only_repeated_lines_keeps_them() {
        let mut pages = vec![
            lines_page(&["ACME resume", "Sales manager", "Page 1"]),
            lines_page(&["ACME resume", "Account executive", "Page 2"]),
        ];
        drop_running_heads(&mut pages);
        assert_eq!(
            pages,
            [
                lines_page(&["Sales manager"]),
                lines_page(&["Account executive"])
            ]
        );

        let only_heads = vec![lines_page(&["Jane Doe, account manager"]); 3];
        let mut pages = only_heads.clone();
        drop_running_heads(&mut pages);
        assert_eq!(pages, only_heads);
    }

    use super::*;

    fn page(words: &[(&str, f32, f32)]) -> PageGlyphs {
        // Each word as glyphs 6 units wide at size 10.
        let mut p = PageGlyphs {
            width: 600.0,
            height: 800.0,
            ..PageGlyphs::default()
        };
        for &(word, x, y) in words {
            for (k, c) in word.chars().enumerate() {
                let start = p.text.len() as u32;
                p.text.push(c);
                p.glyphs.push(Glyph {
                    x0: x + 6.0 * k as f32,
                    x1: x + 6.0 * (k + 1) as f32,
                    y,
                    size: 10.0,
                    start,
                    len: c.len_utf8() as u16,
                    space: false,
                });
            }
        }
        p
    }

    #[test]
    fn words_from_gaps_and_dehyphenation() {
        let p = page(&[
            ("Hello", 10.0, 100.0),
            ("world", 43.0, 100.0),
            ("experi-", 10.0, 112.0),
            ("ence", 10.0, 124.0),
        ]);
        let out = lay_out(std::slice::from_ref(&p), Hyphenation::Words);
        assert_eq!(out.text, "Hello world\nexperience");
        let out = lay_out(&[p], Hyphenation::None);
        assert_eq!(out.text, "Hello world\nexperi-ence");
    }

    #[test]
    fn compound_words_broken_at_their_hyphen_keep_it() {
        let p = page(&[
            ("Detail-", 10.0, 100.0),
            ("oriented", 10.0, 112.0),
            ("Sarbanes-", 10.0, 124.0),
            ("Oxley", 10.0, 136.0),
        ]);
        let out = lay_out(std::slice::from_ref(&p), Hyphenation::None);
        assert_eq!(out.text, "Detail-oriented\nSarbanes-Oxley");
        // A typesetter's hyphen before a lower-case rest is its own; a capital starts a new word.
        let out = lay_out(&[p], Hyphenation::Words);
        assert_eq!(out.text, "Detailoriented\nSarbanes-\nOxley");
    }

    #[test]
    fn producers_that_hyphenate() {
        assert_eq!(
            Hyphenation::of_producer("pdfTeX-1.40.21"),
            Hyphenation::Words
        );
        assert_eq!(
            Hyphenation::of_producer("Adobe InDesign 17.0 (Windows)"),
            Hyphenation::Words
        );
        assert_eq!(Hyphenation::of_producer("Qt 4.8.7"), Hyphenation::None);
        assert_eq!(
            Hyphenation::of_producer("Microsoft® Word for Microsoft 365"),
            Hyphenation::None
        );
        assert_eq!(Hyphenation::of_producer(""), Hyphenation::None);
    }

    #[test]
    fn page_numbers_are_recognised() {
        assert!(is_page_number("Page 2 of 3"));
        assert!(is_page_number("- 4 -"));
        assert!(!is_page_number("2019"));
        assert!(!is_page_number("Sales"));
    }
}
