//! Configuration errors: everything that is wrong before the first request, reported when a
//! verifier, signer, receiver or sender is built so that a misconfigured service fails at
//! start-up instead of accepting (or rejecting) every request.

/// A receiver or sender cannot be built as configured.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A scheme value is unusable (bad header name, template or pointer).
    #[error("invalid security scheme: {0}")]
    InvalidScheme(String),
    /// A scheme that is not optional has no secret: the receiver would be open to anyone.
    #[error(
        "security scheme `{scheme}` needs a secret: set the environment variable {env_var} \
         (several secrets for key rotation: separate them with commas)"
    )]
    MissingSecret {
        /// The scheme's key in the spec.
        scheme: String,
        /// The environment variable that would supply it.
        env_var: String,
    },
    /// The key in the environment is not in the form the scheme says (base64, `whsec_`, a
    /// public key as hex, base64 or PEM).
    #[error(
        "the key of security scheme `{scheme}` in the environment variable {env_var} cannot be used: {why}"
    )]
    InvalidKey {
        /// The scheme's key in the spec.
        scheme: String,
        /// The environment variable that supplied it.
        env_var: String,
        /// What is wrong with it (never the key itself).
        why: KeyError,
    },
    /// A route whose scheme signs the URL the provider called, in a receiver that was not
    /// told the public origin the provider calls.
    #[error(
        "route `{0}` verifies a signature over the URL the provider calls: give the receiver its          public origin (`ReceiverBuilder::public_origin(\"https://host[:port]\")`, or the          scaffolded receiver's `--public-url`)"
    )]
    PublicOriginRequired(String),
    /// A route whose document declares nothing a receiver can verify: it would accept anyone's
    /// requests, so it does not start until the application says so.
    #[error(
        "route `{route}` verifies nothing: its document declares no security scheme a receiver \
         can check. Describe how the provider signs requests (x-asyncgen-signature, with a \
         provider preset or written out, x-asyncgen-jwt or x-asyncgen-body-token), or generate \
         with the provider's preset (`--verify PRESET`, or `.verify(\"PRESET\")` in build.rs), \
         or accept unverified requests explicitly with `Verifier::insecure_no_verification()`"
    )]
    Unverified {
        /// The route's id.
        route: String,
    },
    /// An empty secret, which anyone could use to sign.
    #[error("a secret is empty; an empty key authenticates nothing")]
    EmptySecret,
    /// The environment variable holding secrets is not valid UTF-8.
    #[error("the environment variable {0} is not valid UTF-8")]
    EnvNotUnicode(String),
    /// Two routes share a path.
    #[error("two routes share the path `{0}`")]
    DuplicatePath(String),
    /// Two routes share an id (the id names a route in the queue).
    #[error("two routes share the id `{0}`")]
    DuplicateRoute(String),
    /// A route path axum cannot mount.
    #[error("route path `{0}` must start with `/`")]
    InvalidPath(String),
    /// Queued delivery (the default) without a queue.
    #[error(
        "queued delivery needs a queue: call `ReceiverBuilder::data_dir` or \
         `ReceiverBuilder::queue`, or choose `Delivery::Direct`"
    )]
    NoQueue,
    /// Deduplication needs a durable record of accepted events, which only queued delivery has.
    #[error(
        "route `{0}` deduplicates, which needs queued delivery: in direct delivery a failed \
         handler's event would be suppressed on redelivery"
    )]
    DedupeNeedsQueue(String),
    /// A numeric setting out of range (zero workers, zero capacity, ...).
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    /// The queue could not be opened.
    #[cfg(feature = "receiver")]
    #[error("could not open the queue")]
    Queue(#[from] crate::queue::QueueError),
    /// The HTTP client could not be built.
    #[cfg(feature = "sender")]
    #[error("could not build the HTTP client")]
    Client(#[source] reqwest::Error),
}

/// Why a configured key cannot be used; says nothing of the key itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The text does not decode as the scheme's key format says.
    #[error("the key is not valid {0}")]
    Encoding(&'static str),
    /// A Standard Webhooks secret that is not `whsec_` and base64.
    #[error("the key is not a `whsec_` secret (`whsec_` and base64)")]
    Whsec,
    /// The bytes are not a key of the algorithm (wrong length, not on the curve, weak).
    #[error("the key is not {0}")]
    Key(&'static str),
    /// The algorithm's keys cannot be written in this format.
    #[error("a {0} key cannot be written as `{1}`")]
    Format(&'static str, &'static str),
}
