//! The webhook receiver: verification ([`Verifier`]), the axum 0.8 routes of a [`Receiver`]
//! built with [`ReceiverBuilder`], and in queued delivery the worker pool that handles stored
//! events, with retries, dead letters and deduplication.
//!
//! ```no_run
//! # use asyncgen_runtime::receiver::*;
//! # use asyncgen_runtime::*;
//! # struct MyEndpoint;
//! # impl Endpoint for MyEndpoint {
//! #     type Event = serde_json::Value;
//! #     fn decode(&self, p: &[u8], _: &EventHeaders) -> Result<Self::Event, DecodeError> { Ok(serde_json::from_slice(p)?) }
//! #     async fn handle(&self, _: Self::Event) -> Result<Reply, HandlerError> { Ok(Reply::none()) }
//! # }
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! const SIGNATURE: Security = Security::new(
//!     "webhookSignature",
//!     Scheme::Signature(SignatureScheme::new("X-Webhook-Signature", SignatureEncoding::Hex)),
//! );
//! let receiver = Receiver::builder()
//!     .route(Route::new("webhook", "/dialer-cx/webhook", Verifier::from_env(SIGNATURE)?, MyEndpoint))
//!     .data_dir("/var/lib/my-service/webhooks")
//!     .build()?;
//! let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
//! let shutdown = tokio_util::sync::CancellationToken::new();
//! receiver.serve(listener, shutdown).await?;
//! # Ok(()) }
//! ```

mod builder;
mod endpoint;
mod form;
mod ingress;
mod retry;
mod route;
mod serve;
mod tls;
mod verify;
mod worker;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::routing::post;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use self::builder::Settings;
pub use self::builder::{Delivery, ReceiverBuilder};
use self::endpoint::ErasedEndpoint;
pub use self::endpoint::{
    DecodeError, Endpoint, EventHeaders, HandlerError, Reply, accept_unhandled,
};
pub use self::retry::RetryPolicy;
pub use self::route::{Dedupe, Route};
pub use self::tls::TlsFiles;
pub use self::verify::{Incoming, Verifier, VerifyError};
use crate::queue::{DeadLetter, EventId, EventQueue, QueueError};

/// A configured receiver: its routes ([`Receiver::router`]) and, in queued delivery, its queue
/// and workers ([`Receiver::spawn_workers`]). [`Receiver::serve`] runs both. Cloning is cheap
/// and shares everything.
#[derive(Clone)]
pub struct Receiver {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    /// `scheme://host[:port]` the provider calls, for schemes that sign the URL.
    pub public_origin: Option<String>,
    pub routes: HashMap<String, Arc<RouteState>>,
    pub settings: Settings,
    pub queue: Option<Arc<dyn EventQueue>>,
    /// HTTPS, when the builder was given a certificate.
    pub tls: Option<tls::Tls>,
}

pub(crate) struct RouteState {
    pub id: String,
    pub path: String,
    pub verifier: Verifier,
    pub endpoint: Arc<dyn ErasedEndpoint>,
    pub dedupe: Option<Dedupe>,
}

impl Receiver {
    /// Starts configuring a receiver.
    pub fn builder() -> ReceiverBuilder {
        ReceiverBuilder::new()
    }

    pub(crate) fn from_shared(shared: Shared) -> Receiver {
        Receiver {
            shared: Arc::new(shared),
        }
    }

    /// One POST route per channel, to serve alone or to merge into the application's router.
    pub fn router(&self) -> Router {
        let mut router = Router::new();
        for route in self.shared.routes.values() {
            let (route, shared) = (route.clone(), self.shared.clone());
            let path = route.path.clone();
            if route.verifier.is_insecure() {
                // Served without verification because the application asked: said once at
                // start, so it shows in the logs of every deployment that does it.
                tracing::warn!(
                    route = %route.id,
                    path = %path,
                    "serving without verification (Verifier::insecure_no_verification): anyone who can reach this path can post events"
                );
            }
            router = router.route(
                &path,
                post(move |request: Request| {
                    ingress::receive(route.clone(), shared.clone(), request)
                }),
            );
        }
        router
    }

    /// Starts the workers of queued delivery on the current tokio runtime (none in direct
    /// delivery). They stop when `shutdown` is cancelled, returning unfinished events to the
    /// queue; [`Workers::join`] waits for that.
    pub fn spawn_workers(&self, shutdown: CancellationToken) -> Workers {
        let handles = match &self.shared.queue {
            Some(queue) => worker::spawn(&self.shared, queue, &shutdown),
            None => Vec::new(),
        };
        Workers { handles }
    }

    /// Serves the routes on `listener` (HTTPS when the builder was given a certificate) and
    /// runs the workers until `shutdown` is cancelled; then stops accepting, lets requests in
    /// flight finish within the shutdown grace, closes what is still open, and waits for the
    /// workers. Every phase of a request has a deadline and connections are capped (see the
    /// builder's `header_timeout`, `body_timeout`, `write_timeout`, `max_connections`).
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: CancellationToken,
    ) -> std::io::Result<()> {
        let workers = self.spawn_workers(shutdown.clone());
        self.serve_with(listener, shutdown, workers).await
    }

    /// As [`Receiver::serve`] without workers: this process answers and stores events, and
    /// the workers of other processes sharing the queue handle them (a fleet's receivers).
    pub async fn serve_routes(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: CancellationToken,
    ) -> std::io::Result<()> {
        self.serve_with(listener, shutdown, Workers::none()).await
    }

    /// Runs the workers alone until `shutdown` is cancelled, then waits for them: this process
    /// handles what other processes sharing the queue stored (a fleet's workers).
    pub async fn work(&self, shutdown: CancellationToken) {
        let workers = self.spawn_workers(shutdown.clone());
        shutdown.cancelled().await;
        workers.join().await;
    }

    async fn serve_with(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: CancellationToken,
        workers: Workers,
    ) -> std::io::Result<()> {
        let tls = self.shared.tls.clone();
        if let Some(tls) = &tls {
            tls.watch(shutdown.clone());
        }
        let served = serve::run(
            listener,
            self.router(),
            &self.shared.settings,
            tls,
            shutdown.clone(),
        )
        .await;
        // Whether serving ended by shutdown or by an error, the workers must stop too.
        shutdown.cancel();
        workers.join().await;
        served
    }

    /// The queue of queued delivery.
    pub fn queue(&self) -> Option<&Arc<dyn EventQueue>> {
        self.shared.queue.as_ref()
    }

    /// Every dead letter, oldest first (none in direct delivery).
    pub async fn list_dead_letters(&self) -> Result<Vec<DeadLetter>, QueueError> {
        match &self.shared.queue {
            Some(queue) => queue.list_dead_letters().await,
            None => Ok(Vec::new()),
        }
    }

    /// Puts dead letter `id` back in the queue with a fresh retry schedule; `false` if there is
    /// no such dead letter.
    pub async fn replay_dead_letter(&self, id: &EventId) -> Result<bool, QueueError> {
        match &self.shared.queue {
            Some(queue) => queue.replay_dead_letter(id.clone()).await,
            None => Ok(false),
        }
    }

    /// Puts every dead letter back in the queue; returns how many.
    pub async fn replay_all_dead_letters(&self) -> Result<usize, QueueError> {
        match &self.shared.queue {
            Some(queue) => queue.replay_all_dead_letters().await,
            None => Ok(0),
        }
    }
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut routes: Vec<_> = self.shared.routes.values().map(|r| &r.path).collect();
        routes.sort();
        f.debug_struct("Receiver")
            .field("routes", &routes)
            .field("settings", &self.shared.settings)
            .finish_non_exhaustive()
    }
}

/// The running workers of a receiver.
#[derive(Debug)]
pub struct Workers {
    handles: Vec<JoinHandle<()>>,
}

impl Workers {
    fn none() -> Workers {
        Workers {
            handles: Vec::new(),
        }
    }

    /// Waits until every worker has stopped (after the shutdown token is cancelled).
    pub async fn join(self) {
        for handle in self.handles {
            if let Err(e) = handle.await {
                tracing::error!(error = %e, "a worker ended abnormally");
            }
        }
    }
}
