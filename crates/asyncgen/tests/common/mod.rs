//! Where the tests that run cargo or the binary find the repository and build packages.

use std::path::{Path, PathBuf};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// One target directory beside the workspace's for every package these tests build (scaffolded
/// packages, the build-script fixture), used with the workspace's `Cargo.lock`, so their
/// dependencies compile once.
#[allow(dead_code)] // not every test file builds packages
pub fn package_target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
        .join("scaffold-tests")
}
