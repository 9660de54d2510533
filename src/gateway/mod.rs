//! The reference gateway: the spec in executable form.
