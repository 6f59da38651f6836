//! HTML to text: tags stripped, block elements become line breaks, entities decoded, script and
//! style content dropped. A small hand-written scanner: resumes are flat documents, and an HTML5
//! tree builder would be a large dependency for what is only text with line breaks.

pub fn extract(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_text(rest.get(..lt).unwrap_or(""), &mut out);
        rest = rest.get(lt..).unwrap_or("");
        if rest.starts_with("<!--") {
            rest = rest
                .find("-->")
                .and_then(|e| rest.get(e + 3..))
                .unwrap_or("");
            continue;
        }
        let Some(gt) = rest.find('>') else {
            rest = "";
            break;
        };
        let tag = rest.get(1..gt).unwrap_or("");
        rest = rest.get(gt + 1..).unwrap_or("");
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if !closing && (name == "script" || name == "style" || name == "head" || name == "title") {
            // Searched in place, case-insensitively: lowercasing a copy of the rest for every
            // such tag made a file of many `<title></title>` quadratic (hours for 20 MB).
            let end = format!("</{name}");
            rest = rest
                .as_bytes()
                .windows(end.len())
                .position(|w| w.eq_ignore_ascii_case(end.as_bytes()))
                .and_then(|e| rest.get(e..))
                .and_then(|r| r.find('>').and_then(|g| r.get(g + 1..)))
                .unwrap_or("");
            continue;
        }
        match name.as_str() {
            "br" => out.push('\n'),
            "li" if !closing => out.push_str("\n• "),
            "td" | "th" if !closing => out.push(' '),
            "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "section" | "ul" | "ol"
            | "table" | "header" | "footer" | "article" | "blockquote" | "pre" | "hr" => {
                out.push_str("\n\n")
            }
            "tr" | "dt" | "dd" | "address" => out.push('\n'),
            _ => {}
        }
    }
    push_text(rest, &mut out);
    super::text::normalise(
        &out.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .replace("\n• \n", "\n")
}

fn push_text(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(
            &rest
                .get(..amp)
                .unwrap_or("")
                .replace(['\n', '\r', '\t'], " "),
        );
        rest = rest.get(amp..).unwrap_or("");
        // Entity names are short: look for the `;` in the next few bytes only. Searching the
        // whole rest for every `&` made a file of `&`s without `;` quadratic.
        let end = rest.bytes().take(11).position(|b| b == b';');
        match end.and_then(|e| entity(rest.get(1..e).unwrap_or(""))) {
            Some(c) => {
                out.push(c);
                rest = end.and_then(|e| rest.get(e + 1..)).unwrap_or("");
            }
            None => {
                out.push('&');
                rest = rest.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(&rest.replace(['\n', '\r', '\t'], " "));
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let value = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(value).filter(|c| !c.is_control() || *c == '\n');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "ndash" => '–',
        "mdash" => '—',
        "bull" => '•',
        "middot" => '·',
        "rsquo" => '’',
        "lsquo" => '‘',
        "rdquo" => '”',
        "ldquo" => '“',
        "hellip" => '…',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "eacute" => 'é',
        "egrave" => 'è',
        "aacute" => 'á',
        "oacute" => 'ó',
        "uuml" => 'ü',
        "ouml" => 'ö',
        "auml" => 'ä',
        "ntilde" => 'ñ',
        "ccedil" => 'ç',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tags_and_keeps_blocks() {
        let html = "<html><head><title>x</title><style>p{}</style></head><body>\
            <h1>Jane&nbsp;Doe</h1><p>Sales &amp; marketing</p><script>alert(1)</script>\
            <ul><li>One</li><li>Two</li></ul></body></html>";
        assert_eq!(
            extract(html),
            "Jane Doe\n\nSales & marketing\n\n• One\n• Two"
        );
    }
}
