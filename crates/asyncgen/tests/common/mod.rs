//! What the tests that run cargo or the binary share: where the repository is, where packages
//! build, and scaffolding a package and running its binaries.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

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

/// `cargo` for a package these tests build, in [`package_target_dir`]. Without debug info:
/// nothing here runs under a debugger, and debug info is most of that directory's size (a
/// linker that runs out of disk dies with a bus error).
#[allow(dead_code)]
pub fn package_cargo(package: &Path) -> Command {
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .env("CARGO_TARGET_DIR", package_target_dir())
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .env("CARGO_TERM_COLOR", "never")
        .current_dir(package);
    cargo
}

/// Scaffolds `spec` into a fresh directory and builds it; returns the directory (kept alive by
/// the guard) and the binary.
#[allow(dead_code)]
pub fn scaffold_and_build(kind: &str, spec: &str, name: &str) -> (tempfile::TempDir, PathBuf) {
    scaffold_and_build_with(kind, spec, name, &[])
}

/// [`scaffold_and_build`] with more `scaffold` arguments.
#[allow(dead_code)]
pub fn scaffold_and_build_with(
    kind: &str,
    spec: &str,
    name: &str,
    args: &[&str],
) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let package = dir.path().join(name);
    let out = Command::new(env!("CARGO_BIN_EXE_asyncgen"))
        .args(["scaffold", kind, spec, "-o"])
        .arg(&package)
        .arg("--runtime-path")
        .arg(repo_root().join("crates/asyncgen-runtime"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("run asyncgen");
    assert!(
        out.status.success(),
        "scaffold {spec}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spec_copy = format!(
        "spec/{}",
        Path::new(spec)
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
    );
    for file in [
        "Cargo.toml",
        "README.md",
        ".gitignore",
        "src/main.rs",
        "src/api/mod.rs",
        spec_copy.as_str(),
    ] {
        assert!(package.join(file).is_file(), "{spec}: no {file}");
    }
    // The package's own `cargo fmt` must leave the generated code as `asyncgen check` expects.
    let fmt = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .arg("fmt")
        .current_dir(&package)
        .output()
        .expect("run cargo fmt");
    assert!(
        fmt.status.success(),
        "{}",
        String::from_utf8_lossy(&fmt.stderr)
    );
    let only = if kind == "receiver" {
        "types,receiver"
    } else {
        "types,ws-client,ws-mock"
    };
    // The generation options among `args` (`--verify PRESET`, ...) are what the README's
    // check command repeats; scaffold-only flags are not.
    let mut flags = vec!["--only", only];
    let mut rest = args.iter().peekable();
    while let Some(arg) = rest.next() {
        let option = asyncgen_codegen::OPTIONS
            .iter()
            .any(|o| arg.strip_prefix("--") == Some(o.flag));
        if option {
            flags.push(arg);
            if let Some(value) = rest.next_if(|v| !v.starts_with("--")) {
                flags.push(value);
            }
        }
    }
    check_and_build(&package, &spec_copy, &flags, spec);
    (dir, package_target_dir().join("debug").join(name))
}

/// Runs `asyncgen check` in a scaffolded package with the flags its README gives (`flags`),
/// which must find the generated code fresh, then builds the package with warnings denied.
#[allow(dead_code)]
pub fn check_and_build(package: &Path, spec_copy: &str, flags: &[&str], what: &str) {
    let check = Command::new(env!("CARGO_BIN_EXE_asyncgen"))
        .args(["check", spec_copy, "-o", "src/api"])
        .args(flags)
        .current_dir(package)
        .output()
        .expect("run asyncgen check");
    assert!(
        check.status.success(),
        "{what}: the scaffolded package's generated code is stale:\n{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    std::fs::copy(repo_root().join("Cargo.lock"), package.join("Cargo.lock")).expect("lock");

    // Warnings are read from the output rather than denied through RUSTFLAGS, which would
    // rebuild every dependency apart from the build-script fixture's, which shares them.
    // Cargo caps dependencies' lints, so what warns here is the package's own code.
    let build = package_cargo(package)
        .args(["build", "--quiet"])
        .output()
        .expect("run cargo");
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(
        build.status.success(),
        "{what}: the scaffolded package does not build:\n{stderr}"
    );
    assert!(
        !stderr.contains("warning"),
        "{what}: the scaffolded package builds with warnings:\n{stderr}"
    );
}

/// Lines a child process writes, as they come.
#[allow(dead_code)]
pub fn lines(stream: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

/// Kills the child when dropped, so a failed assertion leaves no process behind.
#[allow(dead_code)]
pub struct Reaped(pub Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[allow(dead_code)]
pub fn spawn(binary: &Path, args: &[&str]) -> Reaped {
    Reaped(
        Command::new(binary)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display())),
    )
}

#[allow(dead_code)]
/// A running scaffolded receiver: its URL and its stdout lines.
pub struct Running {
    child: Child,
    pub url: String,
    pub lines: mpsc::Receiver<String>,
    _data: tempfile::TempDir,
}

#[allow(dead_code)]
impl Running {
    pub fn start(binary: &Path, env: &[(&str, &str)]) -> Running {
        Running::start_with(binary, &[], env)
    }

    pub fn start_with(binary: &Path, args: &[&str], env: &[(&str, &str)]) -> Running {
        let data = tempfile::tempdir().expect("data dir");
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data.path())
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the receiver");
        let stderr = BufReader::new(child.stderr.take().expect("stderr"));
        let (url_tx, url_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                match line.strip_prefix("listening on ") {
                    Some(url) => drop(url_tx.send(Ok(url.to_owned()))),
                    None => drop(url_tx.send(Err(line))),
                }
            }
        });
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        // Whatever the receiver says before it listens is kept for the failure message.
        let mut said = Vec::new();
        let url = loop {
            match url_rx.recv_timeout(Duration::from_secs(30)) {
                Ok(Ok(url)) => break url,
                Ok(Err(line)) => said.push(line),
                Err(_) => panic!(
                    "the receiver did not say where it listens:\n{}",
                    said.join("\n")
                ),
            }
        };
        Running {
            child,
            url,
            lines,
            _data: data,
        }
    }

    pub fn next_event(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(30))
            .expect("an event line on stdout");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[allow(dead_code)]
/// One attempt, whose limit is for a receiver that hangs, never for a slow machine: a busy one
/// can take seconds to store an event.
pub fn policy() -> asyncgen_runtime::sender::DeliveryPolicy {
    asyncgen_runtime::sender::DeliveryPolicy::new(Duration::from_secs(60), &[])
}

#[allow(dead_code)]
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio")
}
