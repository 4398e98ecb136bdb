//! What a websocket client is told before it starts: where to connect (a fixed URL or a provider
//! of expiring ones), how to space reconnects, how to tell a dead connection from a quiet one, and
//! the bounds on every buffer. Validated once in [`ClientConfig::validate`] so that a bad value is
//! a start-up error rather than a tight reconnect loop.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::ConfigError;

/// Any error a URL provider reports; it is shown in [`Disconnect::UrlProvider`](super::Disconnect).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A boxed, sendable future, what a [`UrlProvider`] returns.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Produces the URL for the next connection, e.g. by asking an API for a signed, short-lived
/// websocket URL.
pub type UrlProvider = Arc<dyn Fn() -> BoxFuture<Result<ExpiringUrl, BoxError>> + Send + Sync>;

/// A URL and how long it stays usable.
#[derive(Clone, PartialEq, Eq)]
pub struct ExpiringUrl {
    /// `ws://` or `wss://` URL.
    pub url: String,
    /// How long after the provider returned it the URL (or the token inside it) expires; `None`
    /// for never.
    pub expires_in: Option<Duration>,
}

impl ExpiringUrl {
    /// A URL that does not expire.
    pub fn new(url: impl Into<String>) -> Self {
        ExpiringUrl {
            url: url.into(),
            expires_in: None,
        }
    }

    /// The same URL, expiring `expires_in` from now.
    pub fn expires_in(mut self, expires_in: Duration) -> Self {
        self.expires_in = Some(expires_in);
        self
    }
}

// URLs often carry tokens: keep them out of logs and `{:?}` output.
impl fmt::Debug for ExpiringUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpiringUrl")
            .field("url", &redact(&self.url))
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// The URL with its query string removed, which is where tokens usually are.
pub(crate) fn redact(url: &str) -> &str {
    url.split_once('?').map_or(url, |(base, _)| base)
}

/// Where the client connects.
#[derive(Clone)]
pub enum ConnectionUrl {
    /// The same URL every time.
    Static(String),
    /// Asked before every connection; when the answer expires, the client reconnects with a
    /// fresh one [`ClientConfig::refresh_before`] ahead of the expiry.
    Provider(UrlProvider),
}

impl ConnectionUrl {
    /// A provider from an async closure, e.g.
    /// `ConnectionUrl::provider(move || { let api = api.clone(); async move { api.ws_url().await } })`.
    pub fn provider<F, Fut>(f: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ExpiringUrl, BoxError>> + Send + 'static,
    {
        ConnectionUrl::Provider(Arc::new(move || Box::pin(f())))
    }
}

impl fmt::Debug for ConnectionUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionUrl::Static(url) => f.debug_tuple("Static").field(&redact(url)).finish(),
            ConnectionUrl::Provider(_) => f.write_str("Provider(..)"),
        }
    }
}

impl From<String> for ConnectionUrl {
    fn from(url: String) -> Self {
        ConnectionUrl::Static(url)
    }
}

impl From<&str> for ConnectionUrl {
    fn from(url: &str) -> Self {
        ConnectionUrl::Static(url.to_owned())
    }
}

/// Randomisation of reconnect delays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// Exactly the computed delay: predictable, but clients dropped together return together.
    None,
    /// "Full jitter": uniformly random between zero and the computed delay, which spreads a
    /// crowd of clients reconnecting after a server restart.
    Full,
}

/// How reconnects are spaced.
///
/// The delay before reconnect attempt `n` (counting failures since the last stable connection,
/// from 1) is `min(max, initial × multiplier^(n-1))`, randomised by `jitter`. A connection that
/// stayed up for `stable_after` resets `n`, so a long-lived connection that drops is retried
/// after `initial` again, while a server that accepts and immediately drops keeps backing off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReconnectPolicy {
    /// The delay after the first failure.
    pub initial: Duration,
    /// The longest delay.
    pub max: Duration,
    /// Growth per failure; at least 1.
    pub multiplier: f64,
    /// Randomisation.
    pub jitter: Jitter,
    /// How long a connection must stay up to count as stable.
    pub stable_after: Duration,
}

impl Default for ReconnectPolicy {
    /// 500 ms doubling to 30 s, full jitter, stable after 30 s.
    fn default() -> Self {
        ReconnectPolicy {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(30),
            multiplier: 2.0,
            jitter: Jitter::Full,
            stable_after: Duration::from_secs(30),
        }
    }
}

impl ReconnectPolicy {
    /// The delay before reconnecting after `failures` (≥ 1) consecutive failures, before jitter.
    pub fn base_delay(&self, failures: u32) -> Duration {
        let exponent = failures.saturating_sub(1).min(1024);
        let exponent = i32::try_from(exponent).unwrap_or(i32::MAX);
        let secs = self.initial.as_secs_f64() * self.multiplier.powi(exponent);
        let max = self.max.as_secs_f64();
        // Also catches overflow to infinity and NaN from odd multipliers.
        if secs.is_finite() && secs < max {
            Duration::try_from_secs_f64(secs).unwrap_or(self.max)
        } else {
            self.max
        }
    }

    /// The delay with jitter applied.
    pub(crate) fn delay(&self, failures: u32) -> Duration {
        let base = self.base_delay(failures);
        match self.jitter {
            Jitter::None => base,
            Jitter::Full => base.mul_f64(random_unit()),
        }
    }
}

/// A random number in [0, 1): std's per-instance random hash keys are enough for jitter, which
/// needs spread, not unpredictability.
fn random_unit() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x9e37_79b9_7f4a_7c15);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Dead-connection detection.
///
/// Every `interval` the client sends a ping; if no frame at all (pong or anything else) arrives
/// within `timeout` of a ping, the connection is dead and is replaced. This catches half-open
/// TCP connections, which otherwise look quiet forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    /// Time between pings.
    pub interval: Duration,
    /// How long to wait for any frame after a ping.
    pub timeout: Duration,
}

impl Default for Heartbeat {
    /// A ping every 20 s, dead after 10 s of silence following one.
    fn default() -> Self {
        Heartbeat {
            interval: Duration::from_secs(20),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Everything a [`Client`](super::Client) needs besides its [`Protocol`](super::Protocol).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Where to connect.
    pub url: ConnectionUrl,
    /// Reconnect spacing.
    pub reconnect: ReconnectPolicy,
    /// Dead-connection detection; `None` to rely on TCP alone.
    pub heartbeat: Option<Heartbeat>,
    /// Limit on asking the URL provider, TCP, TLS and the websocket handshake together.
    pub connect_timeout: Duration,
    /// How long [`ClientHandle::subscribe`](super::ClientHandle::subscribe) waits for the
    /// server's acknowledgement.
    pub ack_timeout: Duration,
    /// Reconnect this long before a provided URL expires.
    pub refresh_before: Duration,
    /// How long [`ClientHandle::close`](super::ClientHandle::close) waits for the close
    /// handshake before dropping the connection.
    pub close_timeout: Duration,
    /// Events (messages and state changes) held for the consumer; when full, the oldest is
    /// dropped and counted (see [`EventStream::dropped`](super::EventStream::dropped)).
    pub event_capacity: usize,
    /// Outgoing messages queued for the socket writer; beyond it `send` fails with
    /// [`ClientError::WriteBufferFull`](super::ClientError::WriteBufferFull).
    pub write_capacity: usize,
    /// tungstenite's `max_write_buffer_size`: bytes buffered in the socket before writes fail.
    pub max_write_buffer_size: usize,
    /// Largest incoming message, in bytes.
    pub max_message_size: usize,
    /// TLS settings for `wss://`; `None` for rustls with the system's root certificates.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl ClientConfig {
    /// Defaults for everything but the URL: [`ReconnectPolicy::default`],
    /// [`Heartbeat::default`], 10 s connect, 10 s ack, 5 min refresh margin, 1 s close, 1024
    /// events, 256 outgoing messages, 4 MiB write buffer, 16 MiB messages.
    pub fn new(url: impl Into<ConnectionUrl>) -> Self {
        ClientConfig {
            url: url.into(),
            reconnect: ReconnectPolicy::default(),
            heartbeat: Some(Heartbeat::default()),
            connect_timeout: Duration::from_secs(10),
            ack_timeout: Duration::from_secs(10),
            refresh_before: Duration::from_secs(300),
            close_timeout: Duration::from_secs(1),
            event_capacity: 1024,
            write_capacity: 256,
            max_write_buffer_size: 4 << 20,
            max_message_size: 16 << 20,
            tls: None,
        }
    }

    /// Replaces the reconnect policy.
    pub fn reconnect(mut self, reconnect: ReconnectPolicy) -> Self {
        self.reconnect = reconnect;
        self
    }

    /// Replaces the heartbeat (`None`: no pings).
    pub fn heartbeat(mut self, heartbeat: Option<Heartbeat>) -> Self {
        self.heartbeat = heartbeat;
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the subscription acknowledgement timeout.
    pub fn ack_timeout(mut self, timeout: Duration) -> Self {
        self.ack_timeout = timeout;
        self
    }

    /// Sets how long before a provided URL's expiry the client reconnects.
    pub fn refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }

    /// Sets the close handshake timeout.
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Sets how many events are held for the consumer.
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.event_capacity = capacity;
        self
    }

    /// Sets how many outgoing messages are queued.
    pub fn write_capacity(mut self, capacity: usize) -> Self {
        self.write_capacity = capacity;
        self
    }

    /// Sets the TLS configuration.
    pub fn tls(mut self, tls: Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Refuses settings that would make the client spin, stall or never buffer anything.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |what: &str| Err(ConfigError::InvalidSetting(format!("ws client: {what}")));
        if let ConnectionUrl::Static(url) = &self.url
            && !(url.starts_with("ws://") || url.starts_with("wss://"))
        {
            return bad("the URL must start with ws:// or wss://");
        }
        let r = &self.reconnect;
        if r.initial.is_zero() || r.max < r.initial {
            return bad("reconnect delays must be positive with initial <= max");
        }
        if !(r.multiplier.is_finite() && r.multiplier >= 1.0) {
            return bad("the reconnect multiplier must be a finite number >= 1");
        }
        if let Some(h) = &self.heartbeat
            && (h.interval.is_zero() || h.timeout.is_zero())
        {
            return bad("heartbeat interval and timeout must be positive");
        }
        if self.connect_timeout.is_zero() || self.ack_timeout.is_zero() {
            return bad("connect and ack timeouts must be positive");
        }
        if self.event_capacity == 0 || self.write_capacity == 0 {
            return bad("event and write capacities must be at least 1");
        }
        if self.max_write_buffer_size == 0 || self.max_message_size == 0 {
            return bad("buffer and message sizes must be positive");
        }
        Ok(())
    }
}

/// `url` with the query parameter `name=value` appended, `value` percent-encoded: how a token
/// goes into a connection URL for servers that read it from the query string.
pub fn with_query(url: &str, name: &str, value: &str) -> String {
    let mut out = String::with_capacity(url.len() + name.len() + value.len() + 2);
    out.push_str(url);
    out.push(if url.contains('?') { '&' } else { '?' });
    for (i, part) in [name, value].into_iter().enumerate() {
        if i == 1 {
            out.push('=');
        }
        for b in part.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod query_tests {
    use super::with_query;

    #[test]
    fn appends_an_encoded_parameter() {
        assert_eq!(
            with_query("wss://h/ws", "token", "a.b-c_d~"),
            "wss://h/ws?token=a.b-c_d~"
        );
        assert_eq!(
            with_query("wss://h/ws?x=1", "token", "a b/+="),
            "wss://h/ws?x=1&token=a%20b%2F%2B%3D"
        );
    }
}
