//! The text as a reader sees it once its escapes are decoded, so that a secret written partly or
//! wholly escaped is found: JSON escapes (`\u005f`, `\/`, `\"`), percent escapes (`%5F`, `%C3%BC`)
//! and HTML character references (`&#116;`, `&#x74;`, `&amp;`), in any mix, one level deep. Line
//! breaks (raw or escaped) are dropped, so that base64 wrapped over several lines reads as one run.

/// One piece of the source text and the bytes it decodes to.
struct Unit<'a> {
    /// Where the piece starts in the source text.
    start: usize,
    /// Where it ends.
    end: usize,
    /// What it decodes to (empty for a dropped line break).
    bytes: &'a [u8],
    /// True for a run of text with no escape, which decodes to itself byte for byte.
    plain: bool,
}

/// True when decoding can change the text (otherwise the decoded text is the text itself).
pub fn may_change(text: &str) -> bool {
    let bytes = text.as_bytes();
    next_escape(bytes, 0).is_some() || next_line_break(bytes, 0).is_some()
}

/// True when the text holds a byte that may start an escape (line breaks aside).
pub fn has_escape(text: &str) -> bool {
    next_escape(text.as_bytes(), 0).is_some()
}

/// Where the next byte that may start an escape is, from `from` on (searched a word at a time:
/// every text the runner records goes through here).
fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    memchr::memchr3(b'\\', b'%', b'&', bytes.get(from..)?).map(|found| from + found)
}

/// Where the next line break is, from `from` on.
fn next_line_break(bytes: &[u8], from: usize) -> Option<usize> {
    memchr::memchr2(b'\n', b'\r', bytes.get(from..)?).map(|found| from + found)
}

/// The decoded bytes of the text.
pub fn decode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for_each_unit(text, |unit| out.extend_from_slice(unit.bytes));
    out
}

/// True when `found` holds for the decoded text, looked at in blocks of about `BLOCK` bytes that
/// overlap by `overlap` bytes (the longest pattern searched, so that none is missed at a seam).
pub fn any_block(text: &str, overlap: usize, mut found: impl FnMut(&[u8]) -> bool) -> bool {
    const BLOCK: usize = 64 * 1024;
    let mut block = Vec::with_capacity(BLOCK.min(text.len()) + overlap + 4);
    let mut hit = false;
    for_each_unit(text, |unit| {
        if hit {
            return;
        }
        block.extend_from_slice(unit.bytes);
        if block.len() >= BLOCK + overlap {
            hit = found(&block);
            block.drain(..block.len() - overlap);
        }
    });
    hit || found(&block)
}

/// Where each decoded range (sorted, not overlapping) comes from in the source text.
pub fn source_spans(text: &str, ranges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut spans = Vec::with_capacity(ranges.len());
    let mut next = 0;
    let mut decoded = 0;
    let mut start = None;
    for_each_unit(text, |unit| {
        let unit_end = decoded + unit.bytes.len();
        while let Some(&(range_start, range_end)) = ranges.get(next) {
            let inside = |at: usize| if unit.plain { unit.start + at.saturating_sub(decoded) } else { unit.start };
            if start.is_none() {
                if range_start >= unit_end {
                    break;
                }
                start = Some(inside(range_start));
            }
            if range_end > unit_end || unit.bytes.is_empty() {
                break;
            }
            let end = if unit.plain { inside(range_end) } else { unit.end };
            spans.push((start.take().unwrap_or(unit.start), end));
            next += 1;
        }
        decoded = unit_end;
    });
    spans
}

/// Calls `visit` with each piece of the text, in order.
fn for_each_unit(text: &str, mut visit: impl FnMut(Unit<'_>)) {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut buffer = [0u8; 4];
    // The next escape byte and line break after the current plain run, each searched again only
    // once the walk has passed it, so that the whole text is searched once.
    let mut escape = next_escape(bytes, 0);
    let mut line_break = next_line_break(bytes, 0);
    while at < bytes.len() {
        let decoded = match bytes[at] {
            b'\\' => json_escape(bytes, at),
            b'%' => percent_escape(bytes, at),
            b'&' => html_reference(bytes, at),
            b'\n' | b'\r' => Some((at + 1, None)),
            _ => None,
        };
        match decoded {
            Some((end, Some(c))) => {
                let encoded = match c {
                    Decoded::Char(c) => c.encode_utf8(&mut buffer).as_bytes(),
                    Decoded::Byte(byte) => {
                        buffer[0] = byte;
                        &buffer[..1]
                    }
                };
                let bytes = if encoded == b"\n" || encoded == b"\r" { &[][..] } else { encoded };
                visit(Unit { start: at, end, bytes, plain: false });
                at = end;
            }
            Some((end, None)) => {
                visit(Unit { start: at, end, bytes: &[], plain: false });
                at = end;
            }
            None => {
                if escape.is_some_and(|position| position <= at) {
                    escape = next_escape(bytes, at + 1);
                }
                if line_break.is_some_and(|position| position <= at) {
                    line_break = next_line_break(bytes, at + 1);
                }
                let end = escape.unwrap_or(bytes.len()).min(line_break.unwrap_or(bytes.len()));
                visit(Unit { start: at, end, bytes: &bytes[at..end], plain: true });
                at = end;
            }
        }
    }
}

/// What an escape stands for.
enum Decoded {
    Char(char),
    Byte(u8),
}

/// An escape found at a position: where it ends and what it decodes to (`None`: nothing).
type Escape = Option<(usize, Option<Decoded>)>;

/// `\"`, `\\`, `\/`, `\n`… and `\uXXXX` (with surrogate pairs).
fn json_escape(bytes: &[u8], at: usize) -> Escape {
    let c = match bytes.get(at + 1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let unit = hex_value(bytes.get(at + 2..at + 6)?)?;
            if (0xD800..0xDC00).contains(&unit) {
                let low = bytes.get(at + 6..at + 12).filter(|next| next.starts_with(b"\\u"))?;
                let low = hex_value(&low[2..])?;
                if !(0xDC00..0xE000).contains(&low) {
                    return None;
                }
                let c = char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?;
                return Some((at + 12, Some(Decoded::Char(c))));
            }
            return Some((at + 6, Some(Decoded::Char(char::from_u32(unit)?))));
        }
        _ => return None,
    };
    Some((at + 2, Some(Decoded::Char(c))))
}

/// `%XX`: one byte (a UTF-8 character is several of them).
fn percent_escape(bytes: &[u8], at: usize) -> Escape {
    let value = hex_value(bytes.get(at + 1..at + 3)?)?;
    Some((at + 3, Some(Decoded::Byte(u8::try_from(value).ok()?))))
}

/// `&#116;`, `&#x74;` (the `;` may be missing, as browsers allow) and the named references a
/// secret's characters take: `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`.
fn html_reference(bytes: &[u8], at: usize) -> Escape {
    if bytes.get(at + 1) == Some(&b'#') {
        let hex = matches!(bytes.get(at + 2), Some(b'x' | b'X'));
        let digits_start = at + 2 + usize::from(hex);
        let digits_end = bytes[digits_start..]
            .iter()
            .position(|byte| if hex { !byte.is_ascii_hexdigit() } else { !byte.is_ascii_digit() })
            .map_or(bytes.len(), |length| digits_start + length);
        let digits = std::str::from_utf8(&bytes[digits_start..digits_end]).ok()?;
        let value = u32::from_str_radix(digits, if hex { 16 } else { 10 }).ok()?;
        let end = if bytes.get(digits_end) == Some(&b';') { digits_end + 1 } else { digits_end };
        return Some((end, Some(Decoded::Char(char::from_u32(value)?))));
    }
    const NAMED: [(&[u8], char); 5] =
        [(b"&amp;", '&'), (b"&lt;", '<'), (b"&gt;", '>'), (b"&quot;", '"'), (b"&apos;", '\'')];
    let (name, c) = NAMED.iter().find(|(name, _)| bytes[at..].starts_with(name))?;
    Some((at + name.len(), Some(Decoded::Char(*c))))
}

fn hex_value(digits: &[u8]) -> Option<u32> {
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(text: &str) -> String {
        String::from_utf8(decode(text)).expect("UTF-8")
    }

    #[test]
    fn decodes_every_escape_in_any_mix() {
        assert_eq!(decoded(r"test\u005fuser\u005Fpassword"), "test_user_password");
        assert_eq!(decoded("test%5Fuser_password"), "test_user_password");
        assert_eq!(decoded("&#116;est&#x5f;user&#X5F;password"), "test_user_password");
        assert_eq!(decoded("&#116est"), "test");
        assert_eq!(
            decoded(r#"a\/b\"c\\d &amp; &lt;&gt;&quot;&apos; %C3%BC \u00fc \ud83d\ude00"#),
            "a/b\"c\\d & <>\"' ü ü 😀"
        );
        assert_eq!(decoded("dGVz\ndF9\r\n1c2Vy\\nX3Bh"), "dGVzdF91c2VyX3Bh");
    }

    #[test]
    fn leaves_what_is_not_an_escape() {
        assert_eq!(decoded(r"100% \x \u12 & &#; &#xZZ; %G1 \\u005f"), r"100% \x \u12 & &#; &#xZZ; %G1 \u005f");
    }

    #[test]
    fn maps_decoded_ranges_back_to_the_source() {
        let text = r"ab\u005fcd%5F&#101;f";
        assert_eq!(decoded(text), "ab_cd_ef");
        assert_eq!(source_spans(text, &[(0, 2), (2, 3), (3, 8)]), vec![(0, 2), (2, 8), (8, text.len())]);
        assert_eq!(source_spans(text, &[(2, 4)]), vec![(2, 9)]);
        let text = "0123456789%41bcdef";
        assert_eq!(decoded(text), "0123456789Abcdef");
        assert_eq!(source_spans(text, &[(1, 3), (4, 6), (9, 11), (12, 14)]), vec![(1, 3), (4, 6), (9, 13), (14, 16)]);
    }
}
