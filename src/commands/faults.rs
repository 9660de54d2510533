//! `paycheck faults`: the reference gateway's catalogue of faults, one a line.

use std::io::Write;

use crate::exit_code;
use crate::gateway::Fault;

/// Prints `name  clause  description` for every fault.
pub fn faults() -> i32 {
    let mut out = std::io::stdout().lock();
    let name_width = Fault::all().iter().map(|fault| fault.name().len()).max().unwrap_or(0);
    let clause_width = Fault::all().iter().map(|fault| fault.clause().len()).max().unwrap_or(0);
    for fault in Fault::all() {
        let _ =
            writeln!(out, "{:<name_width$}  {:<clause_width$}  {}", fault.name(), fault.clause(), fault.description());
    }
    exit_code::SUCCESS
}
