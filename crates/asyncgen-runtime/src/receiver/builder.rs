//! [`ReceiverBuilder`]: routes plus the receiver's settings, checked together once so that a
//! misconfiguration is a start-up error rather than a request-time surprise.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::retry::RetryPolicy;
use super::route::{Dedupe, Route};
use super::tls::{Tls, TlsFiles};
use super::{Receiver, RouteState, Shared};
use crate::error::ConfigError;
use crate::queue::{EventQueue, QueueOptions, RedbQueue};

/// When a request is answered relative to its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Store the verified event durably, answer 202, and handle it on a worker with retries
    /// and dead letters. Survives crashes and slow handlers; the default.
    #[default]
    Queued,
    /// Call the handler inline and answer 204 when it succeeds, 500 when it fails (so the
    /// provider retries). Nothing is stored; the provider's retries are the only ones.
    Direct,
}

/// The settings of a receiver; each has a default that suits a webhook endpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Settings {
    pub delivery: Delivery,
    pub body_limit: usize,
    pub workers: usize,
    pub retry: RetryPolicy,
    pub handler_timeout: Duration,
    /// How long a worker's lease holds without a heartbeat; heartbeats come three times in it.
    pub lease: Duration,
    pub poll_interval: Duration,
    pub retry_after: Duration,
    pub shutdown_grace: Duration,
    pub header_timeout: Duration,
    /// `None`: sized from the body limit ([`Settings::body_timeout`]).
    pub body_timeout: Option<Duration>,
    pub write_timeout: Duration,
    /// `None`: from the descriptor limit.
    pub max_connections: Option<usize>,
}

impl Settings {
    /// The time a request's body may take: as set, else [`ReceiverBuilder::DEFAULT_BODY_TIMEOUT`]
    /// or the time to read the body limit at [`ReceiverBuilder::MIN_BODY_RATE`], the longer.
    pub fn body_timeout(&self) -> Duration {
        self.body_timeout.unwrap_or_else(|| {
            let at_min_rate = self.body_limit as f64 / ReceiverBuilder::MIN_BODY_RATE as f64;
            ReceiverBuilder::DEFAULT_BODY_TIMEOUT.max(Duration::from_secs_f64(at_min_rate))
        })
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            delivery: Delivery::Queued,
            body_limit: ReceiverBuilder::DEFAULT_BODY_LIMIT,
            workers: 16,
            retry: RetryPolicy::DEFAULT,
            handler_timeout: Duration::from_secs(300),
            lease: Duration::from_secs(15),
            poll_interval: Duration::from_secs(1),
            retry_after: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
            header_timeout: ReceiverBuilder::DEFAULT_HEADER_TIMEOUT,
            body_timeout: None,
            write_timeout: ReceiverBuilder::DEFAULT_WRITE_TIMEOUT,
            max_connections: None,
        }
    }
}

enum QueueSource {
    None,
    Given(Arc<dyn EventQueue>),
    Dir(PathBuf, QueueOptions),
}

/// Builds a [`Receiver`]: add one [`Route`] per channel, give queued delivery a place to store
/// events (`data_dir` or `queue`), adjust settings, then [`build`](ReceiverBuilder::build).
pub struct ReceiverBuilder {
    routes: Vec<Route>,
    settings: Settings,
    queue: QueueSource,
    public_origin: Option<String>,
    tls: Option<TlsFiles>,
}

impl Default for ReceiverBuilder {
    fn default() -> Self {
        ReceiverBuilder {
            routes: Vec::new(),
            settings: Settings::default(),
            queue: QueueSource::None,
            public_origin: None,
            tls: None,
        }
    }
}

impl ReceiverBuilder {
    /// The default request body limit, 256 KiB; a larger body is answered 413.
    pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;
    /// How long a client may take to send a request's head, and how long a kept-alive
    /// connection may stay idle (default 10 s, nginx's `client_header_timeout` is 60 s).
    pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
    /// The least time a body may take (default 10 s); see [`ReceiverBuilder::body_timeout`].
    pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
    /// The slowest body the default body timeout allows for, in bytes per second (32 KiB/s).
    pub const MIN_BODY_RATE: u64 = 32 * 1024;
    /// How long writing a response may make no progress (default 10 s).
    pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(10);
    /// The file [`ReceiverBuilder::data_dir`] opens in its directory.
    pub const QUEUE_FILE: &'static str = "queue.redb";

    /// A builder with no routes and default settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a route.
    pub fn route(mut self, route: Route) -> Self {
        self.routes.push(route);
        self
    }

    /// The origin the provider calls, `scheme://host[:port]` (what it was given, before any
    /// proxy): routes whose scheme signs the URL (Twilio, Square, HubSpot) verify against it
    /// and the path and query as received, and do not start without it.
    pub fn public_origin(mut self, origin: impl Into<String>) -> Self {
        self.public_origin = Some(origin.into());
        self
    }

    /// Queued (the default) or direct delivery.
    pub fn delivery(mut self, delivery: Delivery) -> Self {
        self.settings.delivery = delivery;
        self
    }

    /// Stores queued events in a [`RedbQueue`] at `dir/queue.redb` (the directory is created)
    /// with the default capacity.
    pub fn data_dir(self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir_with(dir, QueueOptions::default())
    }

    /// Like [`ReceiverBuilder::data_dir`], with queue options (capacity).
    pub fn data_dir_with(mut self, dir: impl Into<PathBuf>, options: QueueOptions) -> Self {
        self.queue = QueueSource::Dir(dir.into(), options);
        self
    }

    /// Stores queued events in `queue` (another backend, or a queue opened by hand).
    pub fn queue(mut self, queue: Arc<dyn EventQueue>) -> Self {
        self.queue = QueueSource::Given(queue);
        self
    }

    /// The largest accepted body in bytes (default 256 KiB); larger is answered 413.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.settings.body_limit = bytes;
        self
    }

    /// How many events are handled concurrently in queued delivery (default 16).
    ///
    /// Each worker waits for its ack to be durable before it takes the next event, so the pool
    /// drains the queue only as fast as `workers` acks share a commit: on a 2-core machine 4
    /// workers drained about 7,000 events/s under load, 16 about 17,500
    /// (`bench/receiver-vs-axum.sh`).
    pub fn workers(mut self, workers: usize) -> Self {
        self.settings.workers = workers;
        self
    }

    /// The retry schedule of queued events (default [`RetryPolicy::DEFAULT`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.settings.retry = retry;
        self
    }

    /// How long one attempt may run before it is abandoned and counted as failed (default
    /// 5 min). The event's lease lasts a little longer, so it is never handled twice at once.
    pub fn handler_timeout(mut self, timeout: Duration) -> Self {
        self.settings.handler_timeout = timeout;
        self
    }

    /// The shortest lease [`ReceiverBuilder::lease`] accepts: three heartbeats must fit in it.
    pub const MIN_LEASE: Duration = Duration::from_millis(30);

    /// How long a worker's lease on an event holds without a heartbeat (default 15 s). While
    /// a handler runs its worker extends the lease three times per period, so a worker whose
    /// process dies gives its events back to the others within this time, not after the
    /// handler timeout. Must exceed the shutdown grace, during which no heartbeat is sent.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.settings.lease = lease;
        self
    }

    /// How often an idle worker looks for due retries (default 1 s); new events wake workers
    /// at once.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.settings.poll_interval = interval;
        self
    }

    /// The `Retry-After` of a 503 when the queue is full (default 30 s).
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.settings.retry_after = after;
        self
    }

    /// How long a worker lets a running handler finish after shutdown is signalled before it
    /// abandons it and returns the event to the queue (default 10 s).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.settings.shutdown_grace = grace;
        self
    }

    /// How long a client may take to send a request's head (request line and headers, and
    /// the TLS handshake), and how long a kept-alive connection may stay idle between requests
    /// (default 10 s). A client that takes longer is disconnected; nothing reaches a handler.
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.settings.header_timeout = timeout;
        self
    }

    /// How long a request's body may take to arrive in full, from the end of its head
    /// (default: 10 s, or the body limit at 32 KiB/s when that is longer). A body still
    /// arriving then is answered 408 and the connection closed; nothing reaches a handler.
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.settings.body_timeout = Some(timeout);
        self
    }

    /// How long writing a response may make no progress before the connection is closed
    /// (default 10 s): a client that stops reading holds its connection no longer.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.settings.write_timeout = timeout;
        self
    }

    /// The most connections served at once (default: the process's descriptor limit less a
    /// quarter, at least 64 kept for the queue, the database and the logs). Beyond it, new
    /// connections wait in the listen backlog until one closes.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.settings.max_connections = Some(connections);
        self
    }

    /// Serves HTTPS with the PEM certificate chain and key of `files` (HTTP/1.1 and HTTP/2 by
    /// ALPN), read again on SIGHUP and whenever either file changes.
    pub fn tls(mut self, files: TlsFiles) -> Self {
        self.tls = Some(files);
        self
    }

    /// Checks the configuration, opens the queue, and returns the receiver.
    pub fn build(self) -> Result<Receiver, ConfigError> {
        let s = &self.settings;
        if self.routes.is_empty() {
            return Err(ConfigError::InvalidSetting("no routes".into()));
        }
        if s.body_limit == 0 {
            return Err(ConfigError::InvalidSetting("a body limit of 0".into()));
        }
        if s.delivery == Delivery::Queued && s.workers == 0 {
            return Err(ConfigError::InvalidSetting(
                "queued delivery with 0 workers".into(),
            ));
        }
        if s.retry.max_attempts == 0 {
            return Err(ConfigError::InvalidSetting(
                "a retry policy of 0 attempts".into(),
            ));
        }
        if s.lease < ReceiverBuilder::MIN_LEASE {
            return Err(ConfigError::InvalidSetting(format!(
                "a lease of {:?}: heartbeats cannot keep a lease shorter than {:?}",
                s.lease,
                ReceiverBuilder::MIN_LEASE
            )));
        }
        if s.lease <= s.shutdown_grace {
            return Err(ConfigError::InvalidSetting(format!(
                "a lease of {:?} that does not outlast the shutdown grace of {:?}: a handler finishing in the grace would lose its event to another worker",
                s.lease, s.shutdown_grace
            )));
        }
        if s.handler_timeout.is_zero() || s.poll_interval.is_zero() {
            return Err(ConfigError::InvalidSetting(
                "a zero handler timeout or poll interval".into(),
            ));
        }
        if s.header_timeout.is_zero() || s.body_timeout().is_zero() || s.write_timeout.is_zero() {
            return Err(ConfigError::InvalidSetting(
                "a zero header, body or write timeout".into(),
            ));
        }
        if s.max_connections == Some(0) {
            return Err(ConfigError::InvalidSetting(
                "a limit of 0 connections".into(),
            ));
        }
        let tls = self.tls.as_ref().map(Tls::load).transpose()?;

        let public_origin = self
            .public_origin
            .as_deref()
            .map(check_origin)
            .transpose()?;

        let mut paths = HashSet::new();
        let mut routes = HashMap::new();
        for route in self.routes {
            route.validate()?;
            if s.delivery == Delivery::Direct && route.dedupe.is_some() {
                return Err(ConfigError::DedupeNeedsQueue(route.id));
            }
            if route.verifier.signs_url() && public_origin.is_none() {
                return Err(ConfigError::PublicOriginRequired(route.id));
            }
            // The provider's event id, where its scheme names one, dedupes by default; only
            // queued delivery keeps the durable record that needs.
            let dedupe = match (route.dedupe, s.delivery) {
                (Some(d), _) => Some(d),
                (None, Delivery::Queued) => route.verifier.event_id().map(Dedupe::from),
                (None, Delivery::Direct) => None,
            };
            if !paths.insert(route.path.clone()) {
                return Err(ConfigError::DuplicatePath(route.path));
            }
            if routes.contains_key(&route.id) {
                return Err(ConfigError::DuplicateRoute(route.id));
            }
            routes.insert(
                route.id.clone(),
                Arc::new(RouteState {
                    id: route.id,
                    path: route.path,
                    verifier: route.verifier,
                    endpoint: route.endpoint,
                    dedupe,
                }),
            );
        }

        let queue = match (s.delivery, self.queue) {
            (Delivery::Direct, _) => None,
            (Delivery::Queued, QueueSource::None) => return Err(ConfigError::NoQueue),
            (Delivery::Queued, QueueSource::Given(q)) => Some(q),
            (Delivery::Queued, QueueSource::Dir(dir, options)) => {
                std::fs::create_dir_all(&dir).map_err(crate::queue::QueueError::backend)?;
                let q = RedbQueue::open(dir.join(Self::QUEUE_FILE), options)?;
                Some(Arc::new(q) as Arc<dyn EventQueue>)
            }
        };

        Ok(Receiver::from_shared(Shared {
            routes,
            settings: self.settings,
            queue,
            public_origin,
            tls,
        }))
    }
}

/// `origin` as `scheme://host[:port]` without a trailing slash, if it is one.
fn check_origin(origin: &str) -> Result<String, ConfigError> {
    let bad = || {
        ConfigError::InvalidSetting(format!(
            "public origin `{origin}`: expected `https://host[:port]`, without a path or query"
        ))
    };
    let trimmed = origin.trim().trim_end_matches('/');
    let uri: http::Uri = trimmed.parse().map_err(|_| bad())?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    let path_ok = uri
        .path_and_query()
        .is_none_or(|p| p.as_str().is_empty() || p == "/");
    if !scheme_ok || uri.authority().is_none() || !path_ok {
        return Err(bad());
    }
    Ok(trimmed.to_owned())
}
