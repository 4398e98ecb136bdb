//! What the loopback tests share: a receiver serving generated routes on a free loopback port,
//! stopped when dropped, and the keys a test signs and verifies with for any scheme.

use std::net::SocketAddr;

use asyncgen_runtime::receiver::{Delivery, Receiver, Route};
use asyncgen_runtime::{KeyFormat, Scheme, Secret, Secrets, Security};
use tokio_util::sync::CancellationToken;

/// A receiver on a loopback port, with its queue in a temporary directory.
pub struct Running {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    served: Option<tokio::task::JoinHandle<()>>,
    _data: tempfile::TempDir,
}

impl Running {
    /// Serves `route` alone.
    #[allow(dead_code)] // not every test file uses every helper
    pub async fn start(route: Route, delivery: Delivery) -> Running {
        Running::serve(vec![route], delivery, |_| None).await
    }

    #[allow(dead_code)]
    /// Serves `routes`, told the public `origin` the provider calls when one is given.
    pub async fn start_all(
        routes: Vec<Route>,
        delivery: Delivery,
        origin: Option<&str>,
    ) -> Running {
        Running::serve(routes, delivery, |_| origin.map(str::to_owned)).await
    }

    #[allow(dead_code)]
    /// Serves `route`, told that its public origin is its own loopback address: a sender
    /// posting to [`Running::url`] signs the URL the receiver then reconstructs.
    pub async fn start_at_own_origin(route: Route, delivery: Delivery) -> Running {
        Running::serve(vec![route], delivery, |addr| Some(format!("http://{addr}"))).await
    }

    async fn serve(
        routes: Vec<Route>,
        delivery: Delivery,
        origin: impl FnOnce(SocketAddr) -> Option<String>,
    ) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let data = tempfile::tempdir().expect("temp dir");
        let mut builder = Receiver::builder().delivery(delivery).data_dir(data.path());
        for route in routes {
            builder = builder.route(route);
        }
        if let Some(origin) = origin(addr) {
            builder = builder.public_origin(origin);
        }
        let receiver = builder.build().expect("receiver builds");
        let shutdown = CancellationToken::new();
        let served = tokio::spawn({
            let shutdown = shutdown.clone();
            async move {
                let _ = receiver.serve(listener, shutdown).await;
            }
        });
        Running {
            addr,
            shutdown,
            served: Some(served),
            _data: data,
        }
    }

    /// The URL of `path` on this receiver.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Shuts the receiver down and waits until it has stopped: every accepted event has been
    /// handled (or stays queued), so what a handler saw by then is final.
    #[allow(dead_code)]
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        if let Some(served) = self.served.take() {
            served.await.expect("the receiver's task does not panic");
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The 32 bytes every asymmetric key here derives from (an Ed25519 seed, a P-256 scalar).
pub const SEED: [u8; 32] = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
    27, 28, 29, 30, 31, 32,
];

/// `bytes` in the text form a scheme's key takes (hex, or base64 for the others).
pub fn encode_key(format: KeyFormat, bytes: &[u8]) -> String {
    use base64::Engine as _;
    match format {
        KeyFormat::Hex => hex::encode(bytes),
        _ => base64::engine::general_purpose::STANDARD.encode(bytes),
    }
}

/// What a sender signs with and a receiver verifies with for `security`: one shared secret,
/// or a private key and its public key; `None` for both when nothing is declared.
#[allow(dead_code)]
pub fn keys(security: Option<Security>) -> (Option<Secret>, Option<Secrets>) {
    let Some(security) = security else {
        return (None, None);
    };
    let (signing, verifying) = match security.scheme {
        Scheme::Signature(s) if s.algorithm.is_asymmetric() => {
            let private = encode_key(s.key_format(), &SEED);
            let signer = asyncgen_runtime::sender::Signer::new(
                security,
                Some(Secret::new(&private).expect("key")),
            )
            .expect("a signer for the private key");
            (private, signer.public_key().expect("a public key"))
        }
        Scheme::Signature(s) => {
            let secret = match s.key_format() {
                KeyFormat::Whsec => format!("whsec_{}", encode_key(KeyFormat::Base64, &SEED)),
                KeyFormat::Text => "a-shared-secret-0123456789".to_owned(),
                format => encode_key(format, &SEED),
            };
            (secret.clone(), secret)
        }
        Scheme::Jwt(_) | Scheme::BodyToken(_) => {
            let secret = "a-shared-secret-0123456789".to_owned();
            (secret.clone(), secret)
        }
    };
    (
        Some(Secret::new(&signing).expect("secret")),
        Some(Secrets::single(&verifying).expect("secrets")),
    )
}
