//! What the loopback tests share: a receiver serving generated routes on a free loopback port,
//! stopped when dropped.

use std::net::SocketAddr;

use asyncgen_runtime::receiver::{Delivery, Receiver, Route};
use tokio_util::sync::CancellationToken;

/// A receiver on a loopback port, with its queue in a temporary directory.
pub struct Running {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    _data: tempfile::TempDir,
}

impl Running {
    /// Serves `route` alone.
    #[allow(dead_code)] // not every test file uses every helper
    pub async fn start(route: Route, delivery: Delivery) -> Running {
        Running::start_all(vec![route], delivery, None).await
    }

    #[allow(dead_code)]
    /// Serves `routes`, told the public `origin` the provider calls when one is given.
    pub async fn start_all(
        routes: Vec<Route>,
        delivery: Delivery,
        origin: Option<&str>,
    ) -> Running {
        let data = tempfile::tempdir().expect("temp dir");
        let mut builder = Receiver::builder().delivery(delivery).data_dir(data.path());
        for route in routes {
            builder = builder.route(route);
        }
        if let Some(origin) = origin {
            builder = builder.public_origin(origin);
        }
        let receiver = builder.build().expect("receiver builds");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let shutdown = CancellationToken::new();
        tokio::spawn({
            let shutdown = shutdown.clone();
            async move { receiver.serve(listener, shutdown).await }
        });
        Running {
            addr,
            shutdown,
            _data: data,
        }
    }

    /// The URL of `path` on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
