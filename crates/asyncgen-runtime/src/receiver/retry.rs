//! How a queued event's failed attempts are spaced and when they stop: exponential backoff
//! with jitter (computed by backon), then the dead letters.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// The retry schedule of queued events.
///
/// After attempt `n` fails, the event waits about `min_delay × factor^(n-1)` (at most
/// `max_delay`, plus up to the same again in random jitter when `jitter` is on, so that events
/// failing together do not retry together), unless `n` is `max_attempts`: then it becomes a
/// dead letter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; at least 1.
    pub max_attempts: u32,
    /// The wait after the first failure.
    pub min_delay: Duration,
    /// The longest wait.
    pub max_delay: Duration,
    /// Growth of the wait per failure.
    pub factor: f32,
    /// Add random jitter to each wait.
    pub jitter: bool,
}

impl RetryPolicy {
    /// 12 attempts, from 1 s doubling to at most 10 min, with jitter: about half an hour of
    /// retries before an event is dead.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        max_attempts: 12,
        min_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(600),
        factor: 2.0,
        jitter: true,
    };

    /// `max_attempts` attempts with the default spacing.
    pub const fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// Waits from `min_delay` growing to at most `max_delay`.
    pub const fn with_delays(mut self, min_delay: Duration, max_delay: Duration) -> Self {
        self.min_delay = min_delay;
        self.max_delay = max_delay;
        self
    }

    /// Jitter on or off (off makes tests exact).
    pub const fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// The wait after attempt `attempt` (from 1) failed; `None` when it was the last.
    pub fn delay_after(&self, attempt: u32) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let mut builder = ExponentialBuilder::new()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_factor(self.factor)
            .without_max_times();
        if self.jitter {
            builder = builder.with_jitter();
        }
        let n = usize::try_from(attempt.max(1) - 1).unwrap_or(usize::MAX);
        builder.build().nth(n)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_caps_and_stops() {
        let p = RetryPolicy::DEFAULT
            .with_max_attempts(5)
            .with_delays(Duration::from_secs(1), Duration::from_secs(4))
            .with_jitter(false);
        let delays: Vec<_> = (1..=5).map(|n| p.delay_after(n)).collect();
        assert_eq!(
            delays,
            [
                Some(Duration::from_secs(1)),
                Some(Duration::from_secs(2)),
                Some(Duration::from_secs(4)),
                Some(Duration::from_secs(4)),
                None
            ]
        );
    }

    #[test]
    fn jitter_stays_within_double() {
        let p = RetryPolicy::DEFAULT;
        for n in 1..p.max_attempts {
            let d = p.delay_after(n).unwrap();
            assert!(d >= p.min_delay && d <= p.max_delay * 2, "{d:?}");
        }
    }
}
