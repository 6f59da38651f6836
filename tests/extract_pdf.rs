//! PDFs built here with lopdf, drawn in hostile content-stream orders, and every kind of bad
//! input: lines must come out whole and in reading order, bad input must fail with the right
//! error and never panic.

use lopdf::{Document, Object, Stream, dictionary};
use shortlist::extract::{ExtractError, Limits, MediaType, extract};

/// A one-page A4 PDF with Helvetica (no `Widths`: the standard metrics apply) and `content`.
fn pdf_with(content: &str) -> Vec<u8> {
    pdf_with_options(content, None, 0)
}

fn pdf_with_options(content: &str, info_date: Option<&str>, rotate: i64) -> Vec<u8> {
    pdf_with_stream(
        Stream::new(dictionary! {}, content.as_bytes().to_vec()),
        info_date,
        rotate,
    )
}

/// The same page with a content stream given as it is (filters and all).
fn pdf_with_stream(content: Stream, info_date: Option<&str>, rotate: i64) -> Vec<u8> {
    let helvetica = dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    };
    pdf_with_font(content, helvetica, info_date, rotate)
}

/// The same page with `font` as `/F1`.
fn pdf_with_font(
    content: Stream,
    font: lopdf::Dictionary,
    info_date: Option<&str>,
    rotate: i64,
) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(font);
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
    });
    let content_id = doc.add_object(content);
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
        "Rotate" => rotate,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    if let Some(date) = info_date {
        let info_id = doc.add_object(dictionary! {
            "CreationDate" => Object::string_literal(date),
        });
        doc.trailer.set("Info", info_id);
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("an in-memory PDF saves");
    out
}

/// Draws `text` at (x, y) in 11 pt, each word placed separately with no space characters.
fn words_separately(text: &str, x: f32, y: f32) -> String {
    let mut ops = String::new();
    let mut cursor = x;
    for word in text.split(' ') {
        ops.push_str(&format!(
            "BT /F1 11 Tf 1 0 0 1 {cursor} {y} Tm ({word}) Tj ET\n"
        ));
        // Helvetica averages about 0.56 em per character; add a 0.35 em gap.
        cursor += word.chars().count() as f32 * 11.0 * 0.62 + 11.0 * 0.35;
    }
    ops
}

/// `text` drawn at (x, y) in 11 pt, in one text object.
fn line_at(x: f32, y: f32, text: &str) -> String {
    format!("BT /F1 11 Tf {x} {y} Td ({text}) Tj ET\n")
}

fn text_of(bytes: &[u8]) -> String {
    match extract(bytes, Some("test.pdf"), &Limits::default()) {
        Ok(doc) => doc.text,
        Err(e) => panic!("extraction failed: {e}"),
    }
}

fn lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| !l.trim().is_empty()).collect()
}

#[test]
fn two_columns_drawn_alternately_are_read_column_by_column() {
    let left = [
        "Sales manager with ten years",
        "of experience in enterprise",
        "software and consulting work",
        "across three continents today",
        "and a strong network of buyers",
    ];
    let right = [
        "Skills include negotiation",
        "forecasting and account plans",
        "pipeline reviews and coaching",
        "Salesforce and HubSpot tools",
        "Fluent in English and Spanish",
    ];
    let mut content = String::new();
    for (i, (l, r)) in left.iter().zip(&right).enumerate() {
        let y = 700.0 - 14.0 * i as f32;
        content.push_str(&line_at(50.0, y, l));
        content.push_str(&line_at(330.0, y, r));
    }
    let text = text_of(&pdf_with(&content));
    let got = lines(&text);
    let expected: Vec<&str> = left.iter().chain(&right).copied().collect();
    assert_eq!(got, expected, "{text}");
}

/// A two-column skills list inside a one-column page, the way HTML resume builders draw a
/// two-cell table: a heading right above it, a heading and a paragraph right below it, no blank
/// line around it, the shorter column centred (its lines half a line off the other's), and the
/// lines drawn row by row. The columns are read one after the other, the rest stays in place.
#[test]
fn a_two_column_list_between_paragraphs_is_read_column_by_column() {
    let mut content = String::new();
    let mut y = 760.0;
    content.push_str(&line_at(50.0, y, "Summary"));
    for text in [
        "Account manager with a record of growing enterprise accounts across the region and of",
        "keeping customers for years.",
    ] {
        y -= 13.0;
        content.push_str(&line_at(50.0, y, text));
    }
    y -= 13.0;
    content.push_str(&line_at(50.0, y, "Skills"));
    let left = [
        "Negotiation",
        "Forecasting",
        "Account planning",
        "Pipeline reviews",
        "Coaching",
    ];
    let right = ["Salesforce", "HubSpot", "Excel", "Territory design"];
    let top = y - 13.0;
    for (i, l) in left.iter().enumerate() {
        content.push_str(&line_at(60.0, top - 13.0 * i as f32, l));
        if let Some(r) = right.get(i) {
            // Centred against the taller column: half a line lower.
            content.push_str(&line_at(320.0, top - 6.5 - 13.0 * i as f32, r));
        }
    }
    y = top - 13.0 * left.len() as f32;
    content.push_str(&line_at(50.0, y, "Experience"));
    y -= 13.0;
    content.push_str(&line_at(
        50.0,
        y,
        "Key Account Manager at a software company, selling to corporate clients since 2019.",
    ));
    let text = text_of(&pdf_with(&content));
    let got = lines(&text);
    let mut expected = vec![
        "Summary",
        "Account manager with a record of growing enterprise accounts across the region and of",
        "keeping customers for years.",
        "Skills",
    ];
    expected.extend(left);
    expected.extend(right);
    expected.extend([
        "Experience",
        "Key Account Manager at a software company, selling to corporate clients since 2019.",
    ]);
    assert_eq!(got, expected, "{text}");
}

/// The same with no padding between the cells: one left line runs to within two points of the
/// right column (less than a word space), yet the columns stay apart because every right line
/// starts at the same x.
#[test]
fn a_two_column_list_with_a_narrow_gutter_is_read_column_by_column() {
    // Helvetica's "m" is 0.833 em: "mmmm" at 11 pt is 36.65 pt wide, so the third left line
    // (two such words at 60 and 100) ends at 136.65; the right column starts at 138.7.
    // The table's words are placed one by one without space characters.
    let rows = [
        ("Negotiation", "Salesforce"),
        ("Forecasting", "Dynamics365"),
        ("mmmm mmmm", "Spreadsheets"),
        ("Coaching", "Zendesk"),
    ];
    let paragraph =
        "Account manager with a record of growing enterprise accounts across the region";
    let mut content = line_at(50.0, 760.0, paragraph);
    for (i, (left, right)) in rows.iter().enumerate() {
        let y = 747.0 - 13.0 * i as f32;
        let mut x = 60.0;
        for word in left.split(' ') {
            content.push_str(&line_at(x, y, word));
            x += 40.0;
        }
        content.push_str(&line_at(138.7, y, right));
    }
    content.push_str(&line_at(50.0, 695.0, paragraph));
    let text = text_of(&pdf_with(&content));
    let mut expected = vec![paragraph];
    expected.extend(rows.iter().map(|r| r.0));
    expected.extend(rows.iter().map(|r| r.1));
    expected.push(paragraph);
    assert_eq!(lines(&text), expected, "{text}");
}

/// A short paragraph beside a tall list, then a heading at the margin below the list: the
/// heading starts what follows both columns, it does not end the left column.
#[test]
fn a_heading_below_a_short_column_follows_both_columns() {
    let mut content = line_at(50.0, 770.0, "Highlights");
    let paragraph = [
        "Windows and Office expert, with",
        "Active Directory and SAP.",
    ];
    for (i, line) in paragraph.iter().enumerate() {
        let y = 740.0 - 13.0 * i as f32;
        content.push_str(&line_at(50.0, y, line));
    }
    let list = [
        "Process improvement",
        "Forecasting",
        "Excel modeling",
        "Systems analysis",
        "Project management",
        "Critical thinking",
        "Decisive",
    ];
    for (i, item) in list.iter().enumerate() {
        let y = 757.0 - 13.0 * i as f32;
        content.push_str(&line_at(400.0, y, item));
    }
    // Right under the list's last item (at 679), with no blank line; then, after one, a line
    // across the page.
    let after = [
        "Experience",
        "Help Desk Specialist",
        "Resolved hardware and software issues for incoming calls and emails, and documented each",
    ];
    for (i, line) in after.iter().enumerate() {
        let y = 665.0 - 13.0 * i as f32 - if i == 2 { 20.0 } else { 0.0 };
        content.push_str(&line_at(50.0, y, line));
    }
    let text = text_of(&pdf_with(&content));
    let mut expected = vec!["Highlights"];
    expected.extend(paragraph);
    expected.extend(list);
    expected.extend(after);
    assert_eq!(lines(&text), expected, "{text}");
}

/// Two-column tables one under the other, far apart, under a full-width line: each table is
/// read column by column before the next, not all left cells and then all right cells.
#[test]
fn two_column_tables_far_apart_are_read_one_after_the_other() {
    let tables = [
        (
            ["Alpha one", "Alpha two", "Alpha three"],
            ["Beta one", "Beta two", "Beta three"],
        ),
        (
            ["Gamma one", "Gamma two", "Gamma three"],
            ["Delta one", "Delta two", "Delta three"],
        ),
    ];
    let title = "Skills and tools, grouped by the years in which they were used at work";
    let mut content = line_at(50.0, 740.0, title);
    let mut expected = vec![title];
    for (t, (left, right)) in tables.iter().enumerate() {
        let top = 700.0 - 100.0 * t as f32;
        for (i, (l, r)) in left.iter().zip(right).enumerate() {
            let y = top - 13.0 * i as f32;
            content.push_str(&line_at(60.0, y, l));
            content.push_str(&line_at(320.0, y, r));
        }
        expected.extend(left.iter().chain(right).copied());
    }
    let text = text_of(&pdf_with(&content));
    assert_eq!(lines(&text), expected, "{text}");
}

#[test]
fn a_page_drawn_bottom_to_top_reads_top_to_bottom() {
    let rows = [
        "First line of the page",
        "Second line here",
        "Third and last line",
    ];
    let mut content = String::new();
    for (i, row) in rows.iter().enumerate().rev() {
        let y = 700.0 - 14.0 * i as f32;
        content.push_str(&line_at(50.0, y, row));
    }
    let text = text_of(&pdf_with(&content));
    assert_eq!(lines(&text), rows.to_vec(), "{text}");
}

#[test]
fn words_placed_separately_without_spaces_form_whole_lines() {
    let rows = [
        "Account Executive 09/2012 to 07/2014",
        "Closed new business across the region",
    ];
    let mut content = String::new();
    // Second row drawn first, words in reverse order, to make stream order useless.
    for (i, row) in rows.iter().enumerate().rev() {
        content.push_str(&words_separately(row, 60.0, 650.0 - 16.0 * i as f32));
    }
    let text = text_of(&pdf_with(&content));
    assert_eq!(lines(&text), rows.to_vec(), "{text}");
}

#[test]
fn tj_spacing_text_state_and_rotation() {
    // Kerning in TJ stays inside words; a large TJ gap is a space; Tz/Tc/TL/T* are honoured.
    let content = "BT /F1 12 Tf 14 TL 72 700 Td [(Hel) 20 (lo) -600 (world)] TJ T* (next line) Tj \
                   100 Tz 0.5 Tc (spaced) ' ET";
    let text = text_of(&pdf_with(content));
    assert_eq!(
        lines(&text),
        vec!["Hello world", "next line", "spaced"],
        "{text}"
    );
    // A page rotated 90 degrees whose text runs up the page in user space reads normally.
    let rotated =
        "BT /F1 12 Tf 14 TL 0 1 -1 0 500 100 Tm (Rotated page text) Tj T* (second line) Tj ET";
    let text = text_of(&pdf_with_options(rotated, None, 90));
    assert_eq!(
        lines(&text),
        vec!["Rotated page text", "second line"],
        "{text}"
    );
}

#[test]
fn hidden_text_is_left_out_and_reported() {
    let content = "BT /F1 12 Tf 72 700 Td (Visible words) Tj ET \
                   BT 3 Tr /F1 12 Tf 72 680 Td (invisible) Tj ET \
                   BT 1 1 1 rg /F1 12 Tf 72 660 Td (white) Tj ET \
                   BT /F1 0.5 Tf 72 640 Td (tiny) Tj ET \
                   BT /F1 12 Tf 72 2000 Td (offpage) Tj ET";
    let doc = extract(&pdf_with(content), None, &Limits::default()).expect("extracts");
    assert_eq!(doc.text, "Visible words");
    let warning = doc
        .warnings
        .iter()
        .find(|w| w.code == "hidden_text")
        .expect("hidden_text warning");
    // invisible (9) + white (5) + tiny (4) + offpage (7)
    assert!(warning.message.starts_with("25 "), "{}", warning.message);
}

/// A line cut by a page break is drawn on both pages by HTML renderers, clipped away on the
/// first: text outside the clipping rectangle is not read, text inside it is.
#[test]
fn text_outside_the_clipping_rectangle_is_left_out() {
    let content = "q 0 100 595 700 re W n \
        BT /F1 12 Tf 72 700 Td (Inside the printable area) Tj ET \
        BT /F1 12 Tf 72 60 Td (Cut by the page break) Tj ET \
        q 1 0 0 1 0 0 cm 0 0 m 595 0 l 595 800 l 0 800 l h W* n \
        BT /F1 12 Tf 72 650 Td (Clipped twice and still inside) Tj ET Q \
        Q \
        BT /F1 12 Tf 72 40 Td (Drawn after the clip was restored) Tj ET";
    let text = text_of(&pdf_with(content));
    assert_eq!(
        lines(&text),
        [
            "Inside the printable area",
            "Clipped twice and still inside",
            "Drawn after the clip was restored"
        ],
        "{text}"
    );
}

/// Chromium (Skia) draws body text as Type 3 fonts whose glyph space is 1/2048 of the font
/// size (`FontMatrix`), placing each glyph with its own `Td`, kerned pairs closer than their
/// advance. Widths read as thousandths made every glyph twice as wide as it is: a "W"
/// overlapped the next glyph by more than a font size and the word broke ("AW S", "W ebSockets").
#[test]
fn type3_glyph_widths_follow_the_font_matrix() {
    // Advances in ems: capitals and "W" wide, the rest half an em, a space a quarter.
    let em = |c: char| match c {
        'W' => 0.95,
        'A' | 'S' | 'C' | 'G' => 0.7,
        ' ' => 0.25,
        _ => 0.5,
    };
    let units = 2048.0;
    let widths: Vec<Object> = (32u8..=126)
        .map(|code| Object::Integer((em(char::from(code)) * units) as i64))
        .collect();
    let type3 = dictionary! {
        "Type" => "Font",
        "Subtype" => "Type3",
        "FontBBox" => vec![0.into(), 0.into(), 2048.into(), 2048.into()],
        "FontMatrix" => vec![
            Object::Real(1.0 / units), 0.into(), 0.into(), Object::Real(1.0 / units), 0.into(), 0.into(),
        ],
        "CharProcs" => dictionary! {},
        "Resources" => dictionary! {},
        "Encoding" => dictionary! { "Type" => "Encoding", "BaseEncoding" => "WinAnsiEncoding" },
        "FirstChar" => 32,
        "LastChar" => 126,
        "Widths" => widths,
    };
    let size = 11.0;
    let mut content = String::new();
    let drawn = [
        "Cloud hosting on AWS and Azure",
        "Built with WebSockets and WebGL",
    ];
    for (i, line) in drawn.iter().enumerate() {
        let y = 700.0 - 14.0 * i as f32;
        content.push_str(&format!("BT /F1 {size} Tf 1 0 0 1 50 {y} Tm "));
        let mut previous: Option<char> = None;
        for c in line.chars() {
            if let Some(p) = previous {
                // Kerning pulls "AW", "WS" and "We" together.
                let kern = match (p, c) {
                    ('A', 'W') | ('W', 'e') => 0.1,
                    ('W', 'S') => 0.05,
                    _ => 0.0,
                };
                content.push_str(&format!("{} 0 Td ", (em(p) - kern) * size));
            }
            content.push_str(&format!("({c}) Tj "));
            previous = Some(c);
        }
        content.push_str("ET\n");
    }
    let bytes = pdf_with_font(
        Stream::new(dictionary! {}, content.into_bytes()),
        type3,
        None,
        0,
    );
    let text = text_of(&bytes);
    assert_eq!(lines(&text), drawn, "{text}");
}

/// Chromium clips a sidebar at its box, and a line that fills the sidebar can end in a glyph
/// that reaches past the clip: partly visible, it is read ("Computer Science", not "Computer
/// Scienc"). A glyph wholly past the clip is not.
#[test]
fn a_glyph_partly_inside_the_clip_is_read() {
    // Helvetica at 10 pt from x = 50: the last "e" of "Computer Science" runs from 126.69 to
    // 132.25. The clip ends a quarter of the way into it, so the glyph's middle is outside.
    let content = "q 40 600 88.08 200 re W n \
        BT /F1 10 Tf 50 700 Td (Computer Science) Tj ET \
        BT /F1 10 Tf 130 680 Td (Hidden) Tj ET \
        BT /F1 10 Tf 50 680 Td (Berkeley) Tj ET Q";
    let text = text_of(&pdf_with(content));
    assert_eq!(lines(&text), ["Computer Science", "Berkeley"], "{text}");
}

/// A resume template that puts each section heading in a narrow left column, on the row of the
/// section's first line, the section in a wide right column; a name and contact line across the
/// top. Sections separated by `section_gap` points (the line pitch is 13). Read row by row, each
/// heading stays right above its section; read column by column, all headings came first.
/// `one_line_section` adds a section of one line right above the wrapped heading "Volunteer
/// Work" (told apart only by the space between sections).
fn labelled_sections_page(section_gap: f32, one_line_section: bool) -> (String, Vec<&'static str>) {
    let sections: [(&[&str], &[&str]); 5] = [
        (
            &["Summary"],
            &[
                "Account manager with eight years of growing enterprise accounts in",
                "logistics and manufacturing, and a record of renewals above target.",
            ],
        ),
        (
            &["Experience"],
            &[
                "Key Account Manager, Acme Freight, Chicago, 2018 to present",
                "Managed a portfolio of 40 corporate accounts worth $12 million a year",
                "Led a team of four account executives and coached new hires",
                "Sales Representative, Midwest Parts, Detroit, 2014 to 2018",
                "Opened 60 new dealer accounts across Michigan and Ohio",
            ],
        ),
        (
            &["Education"],
            if one_line_section {
                &["Bachelor of Business Administration, University of Michigan, 2014"]
            } else {
                &[
                    "Bachelor of Business Administration, University of Michigan, 2014",
                    "Dean's list, minor in economics",
                ]
            },
        ),
        (
            &["Volunteer", "Work"],
            &[
                "Treasurer, Detroit Food Bank, 2016 to 2019",
                "Kept the books and ran two yearly fund drives",
                "Recruited and trained twelve volunteers",
            ],
        ),
        (
            &["Skills"],
            &["Salesforce, HubSpot, Microsoft Excel, negotiation, forecasting"],
        ),
    ];
    let mut content = line_at(250.0, 790.0, "Jane Doe");
    content.push_str(&line_at(
        120.0,
        775.0,
        "jane.doe@example.com, (555) 010-0199, Chicago, IL, linkedin.com/in/janedoe",
    ));
    let mut expected = vec![
        "Jane Doe",
        "jane.doe@example.com, (555) 010-0199, Chicago, IL, linkedin.com/in/janedoe",
    ];
    let mut y = 745.0;
    for (labels, lines) in sections {
        for (i, label) in labels.iter().enumerate() {
            content.push_str(&line_at(40.0, y - 13.0 * i as f32, label));
        }
        for line in lines {
            content.push_str(&line_at(140.0, y, line));
            y -= 13.0;
        }
        y -= section_gap - 13.0;
        expected.extend(labels.iter().copied());
        expected.extend(lines.iter().copied());
    }
    (content, expected)
}

#[test]
fn section_headings_in_a_label_column_stay_with_their_sections() {
    for (gap, one_line_section) in [(24.0, true), (24.0, false), (13.0, false)] {
        let (content, expected) = labelled_sections_page(gap, one_line_section);
        let text = text_of(&pdf_with(&content));
        assert_eq!(lines(&text), expected, "section gap {gap}:\n{text}");
    }
}

/// A narrow sidebar at the left (contact and skills, line after line) beside the experience,
/// their lines on the same baselines: the sidebar is a column, not labels, and is read whole
/// before the main column.
#[test]
fn a_narrow_left_sidebar_is_still_read_column_by_column() {
    let sidebar = [
        "Contact",
        "Chicago, IL",
        "555 010 0199",
        "Skills",
        "Salesforce",
        "HubSpot",
        "Excel",
        "Forecasting",
    ];
    let main = [
        "Key Account Manager, Acme Freight, 2018 to present",
        "Managed a portfolio of 40 corporate accounts worth $12 million",
        "Led a team of four account executives and coached new hires",
        "Renewed every top-ten account for five years in a row",
        "Sales Representative, Midwest Parts, 2014 to 2018",
        "Opened 60 new dealer accounts across Michigan and Ohio",
        "Grew the territory from $2 million to $5 million a year",
        "Ran the stand at three regional trade shows each year",
        "Trained two new representatives on the dealer network",
        "Named representative of the year in 2017",
    ];
    let mut content = String::new();
    for (i, line) in sidebar.iter().enumerate() {
        content.push_str(&line_at(40.0, 740.0 - 13.0 * i as f32, line));
    }
    for (i, line) in main.iter().enumerate() {
        content.push_str(&line_at(170.0, 740.0 - 13.0 * i as f32, line));
    }
    let text = text_of(&pdf_with(&content));
    let expected: Vec<&str> = sidebar.iter().chain(&main).copied().collect();
    assert_eq!(lines(&text), expected, "{text}");
}

/// Bullets hung a gutter's width left of their items (Word's default list indents), items
/// wrapping under themselves: each bullet stays on its item's first line, not all bullets
/// first and the items after them.
#[test]
fn bullets_hung_left_of_their_items_stay_on_their_rows() {
    let items: [&[&str]; 3] = [
        &[
            "Implement collective ideas to sponsor campus and community events",
            "which promote educational and social change",
        ],
        &[
            "Led groups of 9 junior high students in discussion on success skills,",
            "business ethics, and personal finances",
        ],
        &["Co-designed a 17 minute presentation for a regional competition"],
    ];
    let mut content = line_at(
        40.0,
        760.0,
        "Enactus, University of La Verne, August 2013 to Present",
    );
    content.push_str(&line_at(40.0, 747.0, "Member"));
    let mut expected = vec![
        "Enactus, University of La Verne, August 2013 to Present".to_owned(),
        "Member".to_owned(),
    ];
    let mut y = 734.0;
    for item in items {
        content.push_str(&line_at(58.0, y, "\\225"));
        for (i, line) in item.iter().enumerate() {
            content.push_str(&line_at(80.0, y, line));
            expected.push(if i == 0 {
                format!("\u{2022} {line}")
            } else {
                (*line).to_owned()
            });
            y -= 13.0;
        }
    }
    let text = text_of(&pdf_with(&content));
    assert_eq!(lines(&text), expected, "{text}");
}

#[test]
fn document_date_comes_from_the_info_dictionary() {
    let bytes = pdf_with_options(
        "BT /F1 12 Tf 72 700 Td (Hello) Tj ET",
        Some("D:20190304120000Z"),
        0,
    );
    let doc = extract(&bytes, None, &Limits::default()).expect("extracts");
    assert_eq!(
        doc.document_date,
        chrono::NaiveDate::from_ymd_opt(2019, 3, 4)
    );
    assert_eq!(doc.media_type, MediaType::Pdf);
}

#[test]
fn mojibake_is_repaired_with_a_warning() {
    // "â€¢ Sales" as WinAnsi bytes: â = E2, € = 80, ¢ = A2.
    let content = "BT /F1 12 Tf 72 700 Td (\\342\\200\\242 Sales) Tj ET";
    let doc = extract(&pdf_with(content), None, &Limits::default()).expect("extracts");
    assert_eq!(doc.text, "• Sales");
    assert!(doc.warnings.iter().any(|w| w.code == "mojibake_repaired"));
}

#[test]
fn a_pdf_without_text_operators_has_no_text_layer() {
    let bytes = pdf_with("0 0 1 rg 10 10 100 100 re f");
    assert_eq!(
        extract(&bytes, None, &Limits::default()),
        Err(ExtractError::NoTextLayer)
    );
}

#[test]
fn bad_inputs_fail_with_clear_errors() {
    let limits = Limits::default();
    assert_eq!(extract(b"", None, &limits), Err(ExtractError::Empty));
    assert!(matches!(
        extract(b"just some text", Some("resume.pdf"), &limits),
        Err(ExtractError::Malformed { format: "PDF", .. })
    ));
    let good = pdf_with("BT /F1 12 Tf 72 700 Td (Hello) Tj ET");
    for cut in [20, good.len() / 2, good.len() - 30] {
        let truncated = good.get(..cut).unwrap_or(&[]);
        // Truncated PDFs may be recovered by lopdf or fail; they must not panic or hang.
        let result = extract(truncated, Some("cut.pdf"), &limits);
        if let Err(e) = result {
            assert!(
                matches!(
                    e,
                    ExtractError::Malformed { .. }
                        | ExtractError::NoText
                        | ExtractError::NoTextLayer
                ),
                "{e}"
            );
        }
    }
    for (magic, what) in [
        (b"\x89PNG\r\n\x1a\n0000".as_slice(), "PNG"),
        (b"\xff\xd8\xff\xe0000000", "JPEG"),
        (b"GIF89a000000", "GIF"),
        (b"II*\x00000000", "TIFF"),
    ] {
        match extract(magic, Some("scan.bin"), &limits) {
            Err(ExtractError::UnsupportedType(message)) => {
                assert!(message.contains(what), "{message}")
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    let random: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    assert!(matches!(
        extract(&random, None, &limits),
        Err(ExtractError::UnsupportedType(_))
    ));
    let mut random_pdf = b"%PDF-1.4\n".to_vec();
    random_pdf.extend_from_slice(&random);
    assert!(extract(&random_pdf, None, &limits).is_err());
}

/// A content stream compressed with Flate: `content` followed by `padding` bytes of a comment,
/// so that it inflates to a known size.
fn flate_pdf(content: &str, padding: usize) -> Vec<u8> {
    use std::io::Write;
    let mut plain = content.as_bytes().to_vec();
    plain.extend_from_slice(b"\n%");
    plain.resize(plain.len() + padding, b'x');
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&plain).expect("compresses in memory");
    let compressed = encoder.finish().expect("compresses in memory");
    pdf_with_stream(
        Stream::new(dictionary! { "Filter" => "FlateDecode" }, compressed),
        None,
        0,
    )
}

#[test]
fn flate_content_streams_inflate_within_the_limit() {
    let content = "BT /F1 12 Tf 72 700 Td (Hello compressed world) Tj ET";
    // Inflates to about 1 MB from a few KB.
    let pdf = flate_pdf(content, 1 << 20);
    let doc = extract(&pdf, None, &Limits::default()).expect("extracts");
    assert_eq!(doc.text, "Hello compressed world");

    // The same stream against a limit below its inflated size: refused, not read in full.
    let tight = Limits {
        max_decompressed_bytes: 64 * 1024,
        ..Limits::default()
    };
    assert!(matches!(
        extract(&pdf, None, &tight),
        Err(ExtractError::TooComplex(_))
    ));

    // Compressed data damaged in place (the file's structure intact): an error, or the text
    // read before the damage; never a panic caught by the guard.
    let mut damaged = flate_pdf(content, 0);
    let data_at = damaged
        .windows(7)
        .position(|w| w == b"stream\n")
        .expect("has a stream")
        + 7;
    for byte in damaged.iter_mut().skip(data_at + 12).take(8) {
        *byte = 0xff;
    }
    match extract(&damaged, None, &Limits::default()) {
        Ok(doc) => assert!("Hello compressed world".starts_with(doc.text.as_str())),
        Err(ExtractError::Malformed { reason, .. }) => {
            assert!(!reason.contains("could not be parsed"), "{reason}")
        }
        Err(_) => {}
    }
}

#[test]
fn limits_are_respected() {
    let good = pdf_with("BT /F1 12 Tf 72 700 Td (Hello world) Tj ET");
    let tight = Limits {
        max_input_bytes: 100,
        ..Limits::default()
    };
    assert!(matches!(
        extract(&good, None, &tight),
        Err(ExtractError::TooLarge { .. })
    ));
    let few_chars = Limits {
        max_text_chars: 5,
        ..Limits::default()
    };
    let doc = extract(&good, None, &few_chars).expect("extracts");
    assert_eq!(doc.text, "Hello");
    let no_pages = Limits {
        max_pages: 0,
        ..Limits::default()
    };
    assert!(matches!(
        extract(&good, None, &no_pages),
        Err(ExtractError::TooComplex(_))
    ));
}

#[test]
fn the_blank_corpus_pdf_fails_clearly() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/pdf/BUSINESS-DEVELOPMENT/12632728.pdf");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipped: corpus not found at {}", path.display());
        return;
    };
    let result = extract(&bytes, None, &Limits::default());
    assert!(
        matches!(
            result,
            Err(ExtractError::NoTextLayer | ExtractError::NoText)
        ),
        "{result:?}"
    );
}
