//! Runs an example receiver as a user does and the shell blocks of its README against it.
//! Shared with the other receiver examples' tests (by `#[path]`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The `n`th (from 0) fenced `sh` block of a README.
pub fn sh_block(readme: &str, n: usize) -> String {
    readme
        .split("```sh\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .nth(n)
        .unwrap_or_else(|| panic!("the README has lost its sh block {n}"))
        .to_owned()
}

/// Whether every tool is on PATH; says which is missing when one is.
pub fn have(tools: &[&str]) -> bool {
    for tool in tools {
        let found = Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !found {
            eprintln!("skipped: the README's commands need {tool} on PATH");
            return false;
        }
    }
    true
}

/// A receiver process, killed on drop, with the address it listens on and its stdout lines.
pub struct Running {
    child: Child,
    pub addr: String,
    pub stdout: mpsc::Receiver<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// Starts `binary` with `args` and `env`; waits for its `listening on http://ADDR/...`.
    pub fn start(binary: &str, args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut child = Command::new(binary)
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the receiver");
        let (addr_tx, addr_rx) = mpsc::channel();
        let stderr = BufReader::new(child.stderr.take().expect("stderr"));
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on http://") {
                    let addr = url.split('/').next().unwrap_or_default().to_owned();
                    let _ = addr_tx.send(addr);
                }
            }
        });
        let (out_tx, out_rx) = mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                let _ = out_tx.send(line);
            }
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the receiver reports where it listens");
        Running {
            child,
            addr,
            stdout: out_rx,
        }
    }

    /// The next line printed, within `limit`.
    pub fn printed(&self, limit: Duration) -> Option<String> {
        self.stdout.recv_timeout(limit).ok()
    }
}

/// Runs `script` with `sh -c`; its stdout.
pub fn run_shell(script: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .output()
        .expect("run sh");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
