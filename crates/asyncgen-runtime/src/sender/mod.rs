//! The provider's side of a webhook, for tests and for services that emit the same events:
//! [`Signer`] signs or encodes a payload exactly as a spec's security scheme says (pure, no
//! I/O), and [`Sender`] posts it with the spec's `x-asyncgen-delivery` timeout and retry
//! schedule.

mod post;
mod sign;

pub use self::post::{AttemptError, Delivered, DeliveryPolicy, Replied, SendError, Sender};
pub use self::sign::{Outgoing, SignError, SignedRequest, Signer};
/// The header types of [`Sender::send_with_headers`], so generated code needs no `http`
/// dependency of its own.
pub use http::{HeaderMap, HeaderName, HeaderValue};
