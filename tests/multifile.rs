//! References across files: relative paths, pointers into other files, nesting across three
//! files, and cycles that must load rather than loop.
