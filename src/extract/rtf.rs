//! RTF to text: groups, the common control words for breaks, `\uN` with its fallback skipped,
//! `\'hh` in the document code page (cp1252 assumed), destinations such as fonts and pictures
//! dropped.

pub fn extract(bytes: &[u8]) -> String {
    let mut out = String::new();
    // Per group: (skip destination, characters to skip after \uN).
    let mut stack: Vec<(bool, usize)> = Vec::new();
    let mut skip = false;
    let mut uc = 1usize;
    let mut pending_skip = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        match b {
            b'{' => {
                if stack.len() < 1000 {
                    stack.push((skip, uc));
                }
            }
            b'}' => {
                if let Some((s, u)) = stack.pop() {
                    skip = s;
                    uc = u;
                }
            }
            b'\\' => {
                let Some(&c) = bytes.get(i) else { break };
                if c == b'\'' {
                    let hex = bytes.get(i + 1..i + 3).unwrap_or(&[]);
                    i += 3;
                    if pending_skip > 0 {
                        pending_skip -= 1;
                        continue;
                    }
                    if let Some(v) = std::str::from_utf8(hex)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                        && !skip
                    {
                        out.push_str(
                            &encoding_rs::WINDOWS_1252
                                .decode_without_bom_handling(&[v])
                                .0,
                        );
                    }
                    continue;
                }
                if !c.is_ascii_alphabetic() {
                    i += 1;
                    if skip {
                        continue;
                    }
                    match c {
                        b'*' => skip = true,
                        b'~' => out.push(' '),
                        b'\\' | b'{' | b'}' => out.push(char::from(c)),
                        b'\n' | b'\r' => out.push('\n'),
                        _ => {}
                    }
                    continue;
                }
                let start = i;
                while bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
                    i += 1;
                }
                let word = bytes.get(start..i).unwrap_or(&[]);
                let num_start = i;
                if bytes.get(i) == Some(&b'-') {
                    i += 1;
                }
                while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                let param: Option<i64> =
                    std::str::from_utf8(bytes.get(num_start..i).unwrap_or(&[]))
                        .ok()
                        .and_then(|n| n.parse().ok());
                if bytes.get(i) == Some(&b' ') {
                    i += 1;
                }
                match word {
                    b"fonttbl" | b"colortbl" | b"stylesheet" | b"info" | b"pict" | b"header"
                    | b"footer" | b"object" | b"themedata" | b"datastore" | b"latentstyles" => {
                        skip = true
                    }
                    _ if skip => {}
                    b"par" | b"line" | b"row" | b"sect" | b"page" => out.push('\n'),
                    b"tab" | b"cell" => out.push(' '),
                    b"bullet" => out.push('•'),
                    b"uc" => uc = param.unwrap_or(1).clamp(0, 10) as usize,
                    b"u" => {
                        let v = param.unwrap_or(0);
                        let v = if v < 0 { v + 65536 } else { v };
                        if let Some(ch) = u32::try_from(v).ok().and_then(char::from_u32) {
                            out.push(ch);
                        }
                        pending_skip = uc;
                    }
                    _ => {}
                }
            }
            b'\n' | b'\r' => {}
            _ => {
                if pending_skip > 0 {
                    pending_skip -= 1;
                    continue;
                }
                if !skip {
                    out.push(char::from(b));
                }
            }
        }
    }
    super::text::normalise(
        &out.lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_basic_rtf() {
        let rtf = br"{\rtf1\ansi{\fonttbl{\f0 Times;}}\f0 Jane Doe\par Caf\'e9 \u8226? Sales\par}";
        assert_eq!(extract(rtf), "Jane Doe\nCaf\u{e9} \u{2022} Sales");
    }
}
