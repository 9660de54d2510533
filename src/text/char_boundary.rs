//! Cutting text on a character boundary (`str::floor_char_boundary` is newer than the Rust this
//! crate supports).

/// The largest character boundary of `text` not after `index` (its length, past the end).
pub fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut boundary = index.min(text.len());
    while !text.is_char_boundary(boundary) {
        boundary -= 1;
    }
    boundary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_never_splits_a_character() {
        let text = "aé✓";
        assert_eq!(floor_char_boundary(text, 0), 0);
        assert_eq!(floor_char_boundary(text, 2), 1, "inside é");
        assert_eq!(floor_char_boundary(text, 3), 3);
        assert_eq!(floor_char_boundary(text, 5), 3, "inside ✓");
        assert_eq!(floor_char_boundary(text, 99), text.len());
    }
}
