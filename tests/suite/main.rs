//! The suite's own tests, in one test binary: every case file against the reference gateway
//! (with its snapshots), the fault matrix, the Gate cases against the Gate faults, and the editor
//! schema of the case format.

mod authoring;
mod case_schema;
mod cases;
mod concurrent;
mod fault_matrix;
mod gate_schemas;
mod gate_suite;
mod loading;
mod support;
mod variations;
