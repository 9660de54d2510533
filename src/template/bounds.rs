//! Limits on what reaches the expression compiler. minijinja parses and folds expressions
//! recursively: a long chain of operators or deep brackets exhausts the stack and aborts the
//! process, so such an expression is refused first, with a message.

/// The longest expression accepted, in bytes (the longest in the bundled cases is about 130).
pub const MAX_EXPRESSION_LENGTH: usize = 500;

/// The deepest nesting of brackets (`(`, `[`, `{`) accepted in an expression.
pub const MAX_EXPRESSION_NESTING: usize = 16;

/// Checks an expression's length and bracket nesting; the error says which limit it passes.
pub fn check(expression: &str) -> Result<(), String> {
    if expression.len() > MAX_EXPRESSION_LENGTH {
        return Err(format!(
            "expression too long: {} bytes (at most {MAX_EXPRESSION_LENGTH}); compute it in steps with `vars:`",
            expression.len()
        ));
    }
    let depth = bracket_nesting(expression);
    if depth > MAX_EXPRESSION_NESTING {
        return Err(format!(
            "expression nested too deeply: {depth} levels of brackets (at most {MAX_EXPRESSION_NESTING})"
        ));
    }
    Ok(())
}

/// The deepest nesting of brackets (`(`, `[`, `{`) outside quoted strings.
pub fn bracket_nesting(text: &str) -> usize {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut depth: usize = 0;
    let mut deepest = 0;
    for c in text.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_brackets_outside_strings() {
        assert_eq!(bracket_nesting("a.b"), 0);
        assert_eq!(bracket_nesting("f(x[1], {'a': (2)})"), 3);
        assert_eq!(bracket_nesting("'((((' ~ \"[[\" ~ 'it\\'s ('"), 0);
    }

    #[test]
    fn long_or_deep_expressions_are_refused_with_the_limit() {
        assert!(check(&"1 + ".repeat(100)).is_ok());
        let error = check(&"1 + ".repeat(1000)).unwrap_err();
        assert!(error.contains("at most 500"), "{error}");
        let error = check(&format!("{}1{}", "(".repeat(40), ")".repeat(40))).unwrap_err();
        assert!(error.contains("40 levels"), "{error}");
    }
}
