//! Loading case files: large files load in linear time with the right positions, values past the
//! load-time bounds get an ordinary diagnostic with file:line:column and exit code 2, and no case
//! file, however broken or hostile, makes the loader panic or abort.
//!
//! The fuzz-style test runs a small budget by default. For a long run:
//!
//! ```sh
//! PAYCHECK_FUZZ_CASES=200000 cargo test --release --test suite loading::fuzz -- --nocapture
//! ```
//!
//! (`PAYCHECK_FUZZ_SEED` picks another sequence of files.)

use std::path::Path;
use std::process::Command;

use paycheck::suite::clauses::ClauseCatalogue;
use paycheck::suite::compile::{self, CompileContext};
use paycheck::suite::schema_registry::SchemaRegistry;
use paycheck::suite::source::SourceFile;
use paycheck::suite::{self, SuitePaths};

use crate::support::{assert_refused, check_file};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const HEADER: &str = "name: Bounds\napi: router\nsteps:\n";

#[test]
fn a_file_of_sixteen_thousand_waits_loads_with_every_position_right() {
    let mut text = String::from(HEADER);
    for _ in 0..16_000 {
        text.push_str("  - wait: 1s\n");
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("waits.yaml");
    std::fs::write(&path, &text).expect("write the case");
    let loaded = suite::load(&SuitePaths {
        cases: vec![path],
        schemas: root().join("schemas"),
        clauses: root().join("clauses.yaml"),
        shown_from: None,
        clause_cache: None,
    })
    .unwrap_or_else(|diagnostics| panic!("{}", diagnostics.render(false)));
    let case = &loaded.cases[0];
    assert_eq!(case.steps.len(), 16_000);
    assert_eq!(case.total_wait().as_secs(), 16_000);
    for (index, step) in case.steps.iter().enumerate() {
        assert!(step.span.position().ends_with(&format!(":{}:5", index + 4)), "{}", step.span.position());
    }
}

#[test]
fn thousands_of_mistakes_in_one_file_are_each_reported_at_their_line() {
    let mut text = String::from("name: Many unknown clauses\napi: router\ncovers:\n");
    for index in 0..4_000 {
        text.push_str(&format!("  - nope.clause-{index}\n"));
    }
    text.push_str("steps:\n  - wait: 1s\n");
    let (code, stderr, path, _dir) = check_file("clauses.yaml", &text);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("paycheck: 4000 errors found"), "{}", &stderr[stderr.len().saturating_sub(300)..]);
    assert!(stderr.contains(&format!("{}:4003:5", path.display())));
}

#[test]
fn waits_that_would_overflow_are_refused_at_load_time() {
    let text = format!("{HEADER}{}", "  - wait: 9223372036854775807s\n".repeat(3));
    assert_refused(&text, "a `wait` of", 4, 11);
    assert_refused(&text, "is too long (at most 30 days)", 4, 11);
    assert_refused(&format!("{HEADER}  - wait: 745h\n"), "a `wait` of 745h is too long (at most 30 days)", 4, 11);
}

#[test]
fn a_poll_cannot_flood_the_target_or_run_forever() {
    let poll = |every: &str, timeout: &str| {
        format!(
            "{HEADER}  - request: {{ path: getOrderStatusExtended.do }}\n    poll:\n      until: {{ \"$.orderStatus\": 2 }}\n      every: {every}\n      timeout: {timeout}\n"
        )
    };
    assert_refused(&poll("0ms", "10s"), "a poll's `every` of 0s is too short (at least 10ms)", 7, 14);
    assert_refused(&poll("100ms", "9223372036854775807s"), "a poll's `timeout` of", 8, 16);
    assert_refused(&poll("2h", "10s"), "a poll's `every` of 2h is too long (at most 1h)", 7, 14);
}

#[test]
fn an_awaited_callback_cannot_wait_forever() {
    let text = format!(
        "{HEADER}  - await_callback:\n      match: {{ order_id: abc }}\n      signature: unchecked\n      timeout: 100000h\n"
    );
    assert_refused(&text, "an `await_callback` `timeout` of", 7, 16);
}

#[test]
fn an_expression_of_twenty_thousand_operators_is_a_diagnostic_not_an_abort() {
    let expression = "1 + ".repeat(19_300);
    let text = format!("{HEADER}  - request:\n      path: \"{{{{ {expression}1 }}}}\"\n");
    assert_refused(&text, "expression too long", 5, 13);
}

#[test]
fn a_deeply_nested_expression_is_a_diagnostic_not_an_abort() {
    let expression = format!("{}1{}", "(".repeat(2_000), ")".repeat(2_000));
    let text = format!(
        "{HEADER}  - request:\n      path: register.do\n    expect:\n      json:\n        \"$.a\": {{ expr: \"value == {expression}\" }}\n"
    );
    assert_refused(&text, "expression too long", 8, 16);
    let shallow = format!("{}1{}", "(".repeat(40), ")".repeat(40));
    let text = format!("{HEADER}  - request:\n      path: \"{{{{ {shallow} }}}}\"\n");
    assert_refused(&text, "expression nested too deeply: 40 levels", 5, 13);
}

#[test]
fn a_jsonpath_of_five_thousand_nested_parentheses_is_a_diagnostic_not_an_abort() {
    let query = format!("$[?{}@.a{}]", "(".repeat(5_000), ")".repeat(5_000));
    let text = format!("{HEADER}  - request:\n      path: register.do\n    capture:\n      x: \"{query}\"\n");
    assert_refused(&text, "JSONPath too long", 7, 10);
    let query = format!("$[?{}@.a{}]", "(".repeat(40), ")".repeat(40));
    let text =
        format!("{HEADER}  - request:\n      path: register.do\n    expect:\n      json:\n        \"{query}\": 1\n");
    assert_refused(&text, "JSONPath nested too deeply: 41 levels", 8, 100);
}

// ---- folder defaults and fragments ------------------------------------------------------------

/// Writes files (path relative to a fresh folder → text), runs `paycheck check` on the folder's
/// `cases/` from the repository's root, and returns the exit code, stderr and the folder.
fn check_tree(files: &[(&str, &str)]) -> (Option<i32>, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (relative, text) in files {
        let path = dir.path().join(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create the folder");
        std::fs::write(&path, text).expect("write the file");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_paycheck"))
        .arg("check")
        .arg(dir.path().join("cases"))
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("paycheck runs");
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned(), dir)
}

/// Asserts exit code 2 and that stderr holds every expected piece; `{dir}` in a piece stands
/// for the temporary folder.
fn assert_tree_refused(files: &[(&str, &str)], expected: &[&str]) {
    let (code, stderr, dir) = check_tree(files);
    assert_eq!(code, Some(2), "{stderr}");
    for piece in expected {
        let piece = piece.replace("{dir}", &dir.path().display().to_string());
        assert!(stderr.contains(&piece), "no `{piece}` in:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

const REGISTER_FRAGMENT: &str = "params:\n  amount: { default: 1000 }\n  return_url:\nsteps:\n  - name: register\n    request:\n      path: register.do\n      body: { amount: \"{{ amount }}\", returnUrl: \"{{ return_url }}\" }\n    capture: { order_id: \"$.orderId\" }\n";

#[test]
fn an_unknown_fragment_is_named_at_the_call_with_a_suggestion() {
    assert_tree_refused(
        &[
            ("cases/_fragments/register.yaml", REGISTER_FRAGMENT),
            ("cases/case.yaml", "name: Calls\napi: router\nsteps:\n  - call: regster\n    with: { return_url: x }\n"),
        ],
        &["unknown fragment `regster`", "{dir}/cases/case.yaml:4:11", "did you mean `register`?"],
    );
}

#[test]
fn an_argument_that_is_no_parameter_is_named_with_a_suggestion() {
    assert_tree_refused(
        &[
            ("cases/_fragments/register.yaml", REGISTER_FRAGMENT),
            (
                "cases/case.yaml",
                "name: Calls\napi: router\nsteps:\n  - call: register\n    with:\n      return_url: x\n      amout: 5\n",
            ),
        ],
        &["fragment `register` has no parameter `amout`", "{dir}/cases/case.yaml:7:14", "did you mean `amount`?"],
    );
}

#[test]
fn a_missing_argument_is_named_at_the_call_with_where_the_parameter_is() {
    assert_tree_refused(
        &[
            ("cases/_fragments/register.yaml", REGISTER_FRAGMENT),
            ("cases/case.yaml", "name: Calls\napi: router\nsteps:\n  - wait: 1s\n  - call: register\n"),
        ],
        &[
            "missing argument `return_url` for fragment `register`",
            "{dir}/cases/case.yaml:5:11",
            "the parameter is at {dir}/cases/_fragments/register.yaml:3:13",
        ],
    );
}

#[test]
fn a_cycle_of_fragments_is_refused_naming_the_chain_and_every_call() {
    assert_tree_refused(
        &[
            ("cases/_fragments/a.yaml", "steps:\n  - wait: 1s\n  - call: b\n"),
            ("cases/_fragments/b.yaml", "steps:\n  - call: a\n"),
            ("cases/case.yaml", "name: Loops\napi: router\nsteps:\n  - call: a\n"),
        ],
        &[
            "fragment cycle: a → b → a",
            "--> {dir}/cases/_fragments/b.yaml:2:11",
            "in fragment `b`, called at {dir}/cases/_fragments/a.yaml:3:11",
            "in fragment `a`, called at {dir}/cases/case.yaml:4:11",
        ],
    );
}

#[test]
fn a_mistake_inside_a_fragment_points_into_it_and_names_the_calls() {
    let fragment = "params:\n  amount:\nsteps:\n  - name: status\n    request:\n      path: getOrderStatusExtended.do\n      body: { orderId: \"{{ ordr_id }}\", amount: \"{{ amount }}\" }\n";
    assert_tree_refused(
        &[
            ("cases/v1/_fragments/status.yaml", fragment),
            ("cases/v1/_fragments/outer.yaml", "steps:\n  - call: status\n    with: { amount: 5 }\n"),
            ("cases/v1/case.yaml", "name: Status\napi: router\nsteps:\n  - call: outer\n"),
        ],
        &[
            "unknown variable `ordr_id` in fragment `status`",
            "--> {dir}/cases/v1/_fragments/status.yaml:7:28",
            "in fragment `status`, called at {dir}/cases/v1/_fragments/outer.yaml:2:11",
            "in fragment `outer`, called at {dir}/cases/v1/case.yaml:4:11",
        ],
    );
}

#[test]
fn a_defaults_file_with_an_unknown_key_is_refused_where_the_key_is() {
    assert_tree_refused(
        &[
            ("cases/v1/_defaults.yaml", "tags: [v1]\nreqest:\n  body: { userName: x }\n"),
            ("cases/v1/case.yaml", "name: Any\napi: router\nsteps:\n  - wait: 1s\n"),
        ],
        &["unknown key `reqest`", "{dir}/cases/v1/_defaults.yaml:2:1", "did you mean `request`?"],
    );
    assert_tree_refused(
        &[
            (
                "cases/_defaults.yaml",
                "request:\n  body: { userName: \"{{ merchant.usr }}\", password: \"{{ merchnt.password }}\" }\n",
            ),
            ("cases/case.yaml", "name: Any\napi: router\nsteps:\n  - wait: 1s\n"),
        ],
        &["unknown variable `merchnt`", "{dir}/cases/_defaults.yaml:2:53", "did you mean `merchant`?"],
    );
}

#[test]
fn omitting_a_default_the_folder_does_not_have_is_refused_with_a_suggestion() {
    assert_tree_refused(
        &[
            ("cases/_defaults.yaml", "request:\n  body: { userName: u, password: p }\n"),
            (
                "cases/case.yaml",
                "name: Any\napi: router\nsteps:\n  - request:\n      path: register.do\n      omit: [pasword]\n",
            ),
        ],
        &["`pasword` is not a default of this folder", "{dir}/cases/case.yaml:6:14", "did you mean `password`?"],
    );
}

#[test]
fn a_matrix_is_checked_where_it_is_written() {
    assert_refused(
        "name: M\napi: router\nmatrix:\n  amount: 5\nsteps:\n  - wait: 1s\n",
        "the matrix's `amount` is not a list of values",
        4,
        3,
    );
    assert_refused(
        "name: M\napi: router\nsnapshot: true\nmatrix: { amount: [1, 2] }\nsteps:\n  - wait: 1s\n",
        "a matrix case cannot take snapshots",
        3,
        11,
    );
    assert_refused(
        "name: M\napi: router\nmatrix: [{ amount: 1 }, { amount: 1 }]\nsteps:\n  - wait: 1s\n",
        "the matrix gives the run [amount=1] twice",
        3,
        9,
    );
}

/// A matrix run's computed `covers:` is checked when the case loads, for every run, at the entry.
#[test]
fn a_computed_covers_entry_is_checked_for_every_run_where_it_is_written() {
    assert_refused(
        "name: M\napi: router\nmatrix: { x: [a, b] }\ncovers: [\"{{ nope.clause }}\"]\nsteps:\n  - wait: 1s\n",
        "`covers` entry cannot be computed when the case loads",
        4,
        10,
    );
    assert_refused(
        "name: M\napi: router\nmatrix: { x: [register.amount-not-positive, refund.partal] }\ncovers: [\"{{ x }}\"]\nsteps:\n  - wait: 1s\n",
        "unknown clause `refund.partal`",
        4,
        10,
    );
}

/// What a case works out when it loads (step names, schema names, body keys, spreads, `when:`)
/// may read only the run's values and plain `vars`, and must give the right kind of value.
#[test]
fn load_time_templates_are_checked_where_they_are_written() {
    assert_refused(
        "name: M\napi: router\nmatrix: { method: [a, b] }\nsteps:\n  - name: \"pay {{ metod }}\"\n    wait: 1s\n",
        "a step's name is worked out when the case loads, and `metod` is not known then",
        5,
        19,
    );
    let (_, stderr, _, _dir) = check_file(
        "case.yaml",
        "name: M\napi: router\nmatrix: { method: [a, b] }\nsteps:\n  - name: \"{{ metod }}\"\n    wait: 1s\n",
    );
    assert!(stderr.contains("did you mean `method`?"), "{stderr}");
    assert_refused(
        "name: M\napi: router\nmatrix: { how: [a, b] }\nvars: { cells: { a: 1, b: 2 } }\nsteps:\n  - request:\n      path: refund.do\n      body: { orderId: x, \"...\": \"{{ cells[how] }}\" }\n",
        "`...` spreads a map of entries, but `{{ cells[how] }}` gives 1",
        8,
        38,
    );
    assert_refused(
        "name: M\napi: router\nmatrix: { date: [autoReverseDate] }\nsteps:\n  - request:\n      path: register.do\n      body: { \"{{ dat }}\": x }\n",
        "a request parameter's name is worked out when the case loads, and `dat` is not known then",
        7,
        19,
    );
    assert_refused(
        "name: M\napi: router\nmatrix: { method: [a, b] }\nsteps:\n  - { wait: 1s, when: \"{{ method }}\" }\n",
        "`when:` gives \"a\", not true or false",
        5,
        23,
    );
    assert_refused(
        "name: M\napi: router\nsteps:\n  - { wait: 1s, when: \"{{ captured_id == 'x' }}\" }\n",
        "`when:` is worked out when the case loads, and `captured_id` is not known then",
        4,
        27,
    );
}

// ---- fuzz-style loading ---------------------------------------------------------------------

/// A small, seeded pseudo-random generator (xorshift64*), so that every run of a budget sees the
/// same files and a failure can be replayed from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Pieces of the case format and of YAML that mutations splice in.
const TOKENS: &[&str] = &[
    "{{",
    "}}",
    "{{ ",
    " }}",
    "$.",
    "$..",
    "[?",
    "@.",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "\n",
    "\n  ",
    "\t",
    "&a ",
    "*a",
    "<<: *a",
    "!!binary ",
    "!!str ",
    "---\n",
    "...\n",
    "\"",
    "'",
    "#",
    "|\n",
    ">-\n",
    "~",
    "null",
    "wait: ",
    "every: ",
    "timeout: ",
    "request: ",
    "expect: ",
    "json: ",
    "regex: ",
    "expr: ",
    "one_of: ",
    "capture: ",
    "poll: ",
    "until: ",
    "snapshot: ",
    "redact: ",
    "await_callback: ",
    "match: ",
    "sign: ",
    "vars: ",
    "covers: ",
    "9223372036854775807s",
    "18446744073709551616",
    "1e999999",
    "-0",
    "0x",
    "0ms",
    "99999h",
    "PT99999999999S",
    "é",
    "\u{feff}",
    "\u{0}",
    "\r\n",
    "unique_order_number()",
    " | sum",
    "value",
    "merchant.user",
];

/// A file built to hit one of the loader's limits.
fn hostile(rng: &mut Rng) -> String {
    let size = 1 + rng.below(20_000);
    match rng.below(12) {
        0 => format!("{HEADER}{}", "  - wait: 1s\n".repeat(size / 10)),
        1 => format!("{HEADER}  - request: {{ path: \"{{{{ {}1 }}}}\" }}\n", "1 + ".repeat(size)),
        2 => format!("{HEADER}  - request: {{ path: \"{{{{ {}1{} }}}}\" }}\n", "(".repeat(size), ")".repeat(size)),
        3 => format!(
            "{HEADER}  - request: {{ path: x }}\n    expect: {{ json: {{ \"$[?{}@.a{}]\": 1 }} }}\n",
            "(".repeat(size),
            ")".repeat(size)
        ),
        4 => format!("{HEADER}  - request: {{ path: x }}\n    capture: {{ a: \"${}\" }}\n", "[?@".repeat(size)),
        5 => format!("{HEADER}  - request: {{ path: x, body: {}1{} }}\n", "[".repeat(size), "]".repeat(size)),
        6 => format!("{HEADER}  - request: {{ path: x, body: {}1{} }}\n", "{a: ".repeat(size), "}".repeat(size)),
        7 => {
            let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
            for level in 0..(1 + size % 12) {
                let previous = if level == 0 { "a".to_string() } else { format!("a{}", level - 1) };
                text.push_str(&format!("a{level}: &a{level} [{}]\n", vec![format!("*{previous}"); 10].join(", ")));
            }
            format!("{text}name: bomb\nsteps:\n  - request: {{ path: x, body: {{ b: *a{} }} }}\n", size % 12)
        }
        8 => format!(
            "{HEADER}  - request: {{ path: x }}\n    expect: {{ text: {{ regex: \"{}\" }} }}\n",
            "(a".repeat(size)
        ),
        9 => format!("{HEADER}  - request: {{ path: x }}\n    expect: {{ status: {} }}\n", "9".repeat(size)),
        10 => format!("{HEADER}  - wait: {}s\n", "9".repeat(size)),
        _ => {
            let mut text = String::from("name: deep\nsteps:\n");
            for depth in 0..size.min(300) {
                text.push_str(&" ".repeat(depth * 2));
                text.push_str("- a:\n");
            }
            text
        }
    }
}

/// A mutation of a real case file: truncated, bytes flipped, or tokens spliced in.
fn mutated(rng: &mut Rng, seed: &str) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..1 + rng.below(8) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(5) {
            0 => bytes.truncate(at),
            1 => bytes[at] ^= 1 << rng.below(8),
            2 => {
                let token = rng.pick(TOKENS).as_bytes().to_vec();
                bytes.splice(at..at, token);
            }
            3 => {
                let end = (at + rng.below(64)).min(bytes.len());
                bytes.drain(at..end);
            }
            _ => {
                let end = (at + 1 + rng.below(200)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                for _ in 0..1 + rng.below(50) {
                    bytes.splice(at..at, copy.iter().copied());
                }
            }
        }
    }
    // The loader reads files as UTF-8 and refuses any other; mutate on, past that check.
    String::from_utf8_lossy(&bytes).into_owned()
}

fn bundled_cases() -> Vec<String> {
    let mut files = Vec::new();
    let mut folders = vec![root().join("cases")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("cases folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "yaml") {
                files.push(std::fs::read_to_string(&path).expect("case file"));
            }
        }
    }
    files.sort();
    files
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

#[test]
fn fuzz_no_case_file_makes_the_loader_panic_or_abort() {
    let budget = env_number("PAYCHECK_FUZZ_CASES", 300);
    let seed = env_number("PAYCHECK_FUZZ_SEED", 0x5EED_CA5E);
    let (schemas, _) = SchemaRegistry::load(&root().join("schemas"));
    let clauses = ClauseCatalogue::load(&root().join("clauses.yaml")).expect("the clause catalogue loads");
    let context = CompileContext { schemas: &schemas, clauses: &clauses };
    let seeds = bundled_cases();
    let mut rng = Rng(seed);
    let mut slowest = (std::time::Duration::ZERO, 0);
    for index in 0..budget {
        let text = if index % 4 == 0 {
            hostile(&mut rng)
        } else {
            let seed_file = &seeds[rng.below(seeds.len())];
            mutated(&mut rng, seed_file)
        };
        let started = std::time::Instant::now();
        let file = SourceFile::new(format!("fuzz-{index}.yaml"), text);
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match compile::compile_case(&file, &context) {
                Ok(_) => 0,
                Err(diagnostics) => diagnostics.render(false).len(),
            }));
        let rendered = outcome.unwrap_or_else(|_| panic!("file {index} of seed {seed:#x} made the loader panic"));
        // Every diagnostic quotes only its own lines: what is printed stays proportionate to the file.
        assert!(
            rendered <= 64 * file.text.len() + 4096,
            "file {index} of seed {seed:#x}: {rendered} bytes of diagnostics for a {}-byte file",
            file.text.len()
        );
        slowest = slowest.max((started.elapsed(), index));
    }
    println!("{budget} files from seed {seed:#x}; slowest: file {} in {:?}", slowest.1, slowest.0);
}
