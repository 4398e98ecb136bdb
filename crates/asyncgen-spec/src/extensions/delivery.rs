//! `x-asyncgen-delivery`: a webhook provider's per-attempt timeout and retry schedule
//! (Dialer.CX).
//!
//! The http bindings describe a request (method, query, headers, status code), not timeouts or
//! retries.

use serde::{Deserialize, Serialize};

use super::{Duration, Extension, InContext, Problem, rel};

/// The provider's delivery guarantees: a generated sender honours them; a receiver (and its
/// tests) knows to answer within the timeout and to expect redelivery. An attempt fails on a
/// connection error, the timeout, or a non-2xx status; after the last retry fails the delivery
/// is given up. On an Operation it overrides the server's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Delivery {
    /// An attempt that has not received a response after this long has failed.
    pub timeout: Duration,
    /// One entry per retry: the delay before that retry, counted from the previous failure. Its
    /// length is the number of retries; empty means no retry.
    #[serde(default)]
    pub retries: Vec<Duration>,
}

impl Extension for Delivery {
    const NAME: &'static str = "x-asyncgen-delivery";
    const ON: &'static [&'static str] = &["Server", "Operation"];

    fn problems(&self) -> Vec<Problem> {
        if self.timeout.is_zero() {
            vec![Problem::value(
                rel(&["timeout"]),
                "`timeout` must be longer than 0: every attempt would fail at once",
            )]
        } else {
            Vec::new()
        }
    }
}

impl InContext for Delivery {}
