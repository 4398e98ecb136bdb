//! `x-asyncgen-reconnect`: the reconnect policy of a generated client (VoIPBIN).
//!
//! AsyncAPI describes messages, not connection management; no binding has a reconnect policy.

use serde::{Deserialize, Serialize};

use super::{Cx, Duration, Extension, InContext, Problem, rel};

/// The reconnect policy a generated client applies when the connection drops, and what it must
/// re-send on the new connection. The delay is reset after a successful connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Reconnect {
    /// Delay before the first reconnect attempt.
    pub initial_delay: Duration,
    /// Each further failed attempt multiplies the delay by this (at least 1).
    #[serde(default = "two")]
    #[cfg_attr(feature = "derive-schemas", schemars(range(min = 1)))]
    pub multiplier: f64,
    /// The delay never exceeds this.
    pub max_delay: Duration,
    /// Randomisation of each computed delay.
    #[serde(default)]
    pub jitter: Jitter,
    /// State set up on a connection is lost with it: after reconnecting, the client re-sends,
    /// in their original order, the messages it sent through these operations (operation keys
    /// under `operations` in 3.x, `operationId`s in 2.x).
    #[serde(default)]
    pub replay: Vec<String>,
}

fn two() -> f64 {
    2.0
}

/// How a reconnect delay is randomised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Jitter {
    /// Wait exactly the computed delay.
    #[default]
    None,
    /// Wait a uniformly random time between 0 and the computed delay.
    Full,
}

impl Reconnect {
    /// The delay before reconnect attempt `attempt` (0 = the first), before jitter.
    pub fn delay(&self, attempt: u32) -> std::time::Duration {
        let initial = self.initial_delay.as_std().as_secs_f64();
        let max = self.max_delay.as_std().as_secs_f64();
        let exp = i32::try_from(attempt).unwrap_or(i32::MAX);
        let d = (initial * self.multiplier.powi(exp)).min(max);
        std::time::Duration::try_from_secs_f64(d).unwrap_or(self.max_delay.as_std())
    }
}

impl Extension for Reconnect {
    const NAME: &'static str = "x-asyncgen-reconnect";
    const ON: &'static [&'static str] = &["Server"];

    fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.initial_delay.is_zero() {
            out.push(Problem::value(
                rel(&["initialDelay"]),
                "`initialDelay` must be longer than 0: multiplying 0 never backs off, so a client would reconnect in a busy loop",
            ));
        }
        // Written so that NaN and infinity fail too (JSON has neither, but a caller may).
        let grows = self.multiplier.is_finite() && self.multiplier >= 1.0;
        if !grows {
            out.push(Problem::value(
                rel(&["multiplier"]),
                format!(
                    "`multiplier` is {}, but it must be at least 1: the delay would shrink",
                    self.multiplier
                ),
            ));
        }
        if self.max_delay < self.initial_delay {
            out.push(Problem::value(
                rel(&["maxDelay"]),
                format!(
                    "`maxDelay` ({}) is shorter than `initialDelay` ({})",
                    self.max_delay, self.initial_delay
                ),
            ));
        }
        out
    }
}

impl InContext for Reconnect {
    fn problems_in(&self, cx: &Cx<'_>) -> Vec<Problem> {
        let Some(known) = cx.operation_names() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, name) in self.replay.iter().enumerate() {
            if known.iter().any(|k| k == name) {
                continue;
            }
            let near = super::closest(name, known.iter().map(String::as_str));
            let mut p = Problem::value(
                rel(&["replay"]).push_index(i),
                format!("`replay` names operation `{name}`, which the document does not define"),
            );
            p.help = Some(match near {
                Some(n) => format!("did you mean `{n}`?"),
                None if known.is_empty() => "the document defines no operations".to_owned(),
                None => format!("the operations are: {}", known.join(", ")),
            });
            out.push(p);
        }
        out
    }
}
