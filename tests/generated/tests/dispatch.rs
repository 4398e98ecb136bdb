//! Every example of every message arriving at a webhook endpoint, in every document this crate
//! compiles (regression cases, the corpus, the seeds, the hard cases), posted as its provider
//! would post it: through the generated sender, signed with the endpoint's scheme, to the
//! generated receiver. In queued and in direct delivery it must reach the handler method of its
//! own message, exactly once. `build.rs` writes one test per example, so a document's new
//! example, message or endpoint is covered without editing this file; the sender posts the
//! example's JSON as it is (its catch-all variant), so only the receiver decides the message.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncgen_runtime::receiver::{Delivery, HandlerError, Verifier};
use asyncgen_runtime::sender::{HeaderMap, HeaderName, HeaderValue};
use common::{Running, keys};

/// The message each handler call was for, in order (`None`: `unknown`).
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Option<&'static str>>>>);

impl Recorder {
    fn record(
        &self,
        message: Option<&'static str>,
    ) -> std::future::Ready<Result<(), HandlerError>> {
        self.0.lock().expect("lock").push(message);
        std::future::ready(Ok(()))
    }

    fn calls(&self) -> Vec<Option<&'static str>> {
        self.0.lock().expect("lock").clone()
    }

    /// Waits (bounded; the bound only matters when the test fails) for a first call.
    async fn first_call(&self) {
        for _ in 0..3000 {
            if !self.calls().is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// The string-valued headers of an example (none when it gives no object): the event-type header of
/// providers that name events there goes with the example, as the provider would send it.
fn example_headers(json: &str) -> HeaderMap {
    let headers: serde_json::Value = serde_json::from_str(json).expect("the headers are JSON");
    headers
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, value)| {
            let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
            let value = HeaderValue::from_str(value.as_str()?).ok()?;
            Some((name, value))
        })
        .collect()
}

/// For one endpoint (`$endpoint`, a module of its own) of document `$doc`: a handler that
/// records, for each call, the message of the method called (every method but `fallback` is
/// left to its default, which hands the method's own variant to `fallback`), and a test per
/// `$test: $message = $payload, $headers` example, `$message` being the message it must reach
/// (another than its own only where `build.rs` says why).
macro_rules! endpoint_examples {
    ($endpoint:ident: $doc:ident, $handler:ident, $route:ident, $sender:ident, $event:ident,
     $path:ident, $security:ident;
     $( $(#[doc = $why:literal])? $test:ident: $message:literal = $payload:literal, $headers:literal ),* $(,)?) => {
        #[allow(non_snake_case)]
        mod $endpoint {
            use super::*;
            use asyncgen_generated_tests::$doc::{receiver, sender, types};

            impl receiver::$handler for Recorder {
                fn fallback(
                    &self,
                    event: types::$event,
                ) -> impl std::future::Future<Output = Result<(), HandlerError>> + Send {
                    self.record(event.message_name())
                }
            }

            async fn deliver(message: &'static str, payload: &str, headers: &str) {
                let example: serde_json::Value =
                    serde_json::from_str(payload).expect("the example is JSON");
                let headers = example_headers(headers);
                for delivery in [Delivery::Queued, Delivery::Direct] {
                    let (signing, verifying) = keys(receiver::$security);
                    let verifier = match receiver::$security {
                        Some(_) => receiver::$route::<Recorder>::verifier(verifying)
                            .expect("a verifier for the endpoint's scheme"),
                        None => Verifier::insecure_no_verification(),
                    };
                    let recorder = Recorder::default();
                    let route = receiver::$route::new(recorder.clone())
                        .route_at(receiver::$path, verifier);
                    let server = Running::start_at_own_origin(route, delivery).await;
                    let sender = sender::$sender::with_policy(
                        &server.url(receiver::$path),
                        signing,
                        asyncgen_runtime::sender::DeliveryPolicy::new(Duration::from_secs(10), &[]),
                    )
                    .expect("a sender for the endpoint's scheme");
                    let delivered = sender
                        .send_with_headers(&types::$event::Unknown(example.clone()), &headers)
                        .await
                        .unwrap_or_else(|e| panic!("{message} ({delivery:?}): {e}"));
                    assert!(
                        delivered.status.is_success(),
                        "{message} ({delivery:?}): status {}",
                        delivered.status
                    );
                    recorder.first_call().await;
                    // Stopped, the receiver has handled all it will: a second call would be
                    // a duplicate.
                    server.stop().await;
                    assert_eq!(
                        recorder.calls(),
                        [Some(message)],
                        "({delivery:?}) the example must reach the method of `{message}` once"
                    );
                }
            }

            $(
                $(#[doc = $why])?
                #[tokio::test]
                async fn $test() {
                    deliver($message, $payload, $headers).await;
                }
            )*
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/dispatch.rs"));
