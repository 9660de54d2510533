//! "Did you mean": the closest known name to a misspelled one.

/// The candidate closest to `input`, if any is close enough to be a plausible typo.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let score = strsim::jaro_winkler(&input.to_lowercase(), &candidate.to_lowercase());
        if score >= 0.8 && best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// "did you mean `x`?" when there is a close candidate.
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(input, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_key() {
        assert_eq!(closest("expct", ["name", "expect", "capture"]), Some("expect"));
        assert_eq!(closest("reqest", ["request", "wait"]), Some("request"));
        assert_eq!(closest("zzzz", ["request", "wait"]), None);
    }
}
