//! Posting signed events with a provider's delivery policy (`x-asyncgen-delivery`): a timeout
//! per attempt, a list of delays between retries, and failure on a connection error, the
//! timeout or any non-2xx status.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};
use reqwest::{Client, Url};

use super::sign::{Outgoing, SignError, Signer};
use crate::error::ConfigError;

/// A provider's delivery policy: what `x-asyncgen-delivery` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// An attempt without a complete response after this long has failed.
    pub timeout: Duration,
    /// The delay before each retry, counted from the previous failure; empty: no retry.
    pub retries: Cow<'static, [Duration]>,
}

impl DeliveryPolicy {
    /// A policy with this timeout and retry schedule, usable in a `const` (generated code
    /// writes the spec's schedule as a static slice).
    pub const fn new(timeout: Duration, retries: &'static [Duration]) -> Self {
        DeliveryPolicy {
            timeout,
            retries: Cow::Borrowed(retries),
        }
    }

    /// A policy with a schedule computed at run time.
    pub fn with_retries(timeout: Duration, retries: Vec<Duration>) -> Self {
        DeliveryPolicy {
            timeout,
            retries: Cow::Owned(retries),
        }
    }
}

impl Default for DeliveryPolicy {
    /// One attempt of at most 10 s.
    fn default() -> Self {
        DeliveryPolicy::new(Duration::from_secs(10), &[])
    }
}

/// Posts signed events to one URL.
#[derive(Debug, Clone)]
pub struct Sender {
    client: Client,
    url: Url,
    signer: Signer,
    policy: DeliveryPolicy,
}

impl Sender {
    /// A sender to `url` with its own HTTP client (rustls, HTTP/1.1 and 2).
    pub fn new(url: &str, signer: Signer, policy: DeliveryPolicy) -> Result<Sender, ConfigError> {
        let client = Client::builder().build().map_err(ConfigError::Client)?;
        Sender::with_client(client, url, signer, policy)
    }

    /// A sender sharing `client` (its pool and TLS settings).
    pub fn with_client(
        client: Client,
        url: &str,
        signer: Signer,
        policy: DeliveryPolicy,
    ) -> Result<Sender, ConfigError> {
        let url = Url::parse(url)
            .map_err(|e| ConfigError::InvalidSetting(format!("URL `{url}`: {e}")))?;
        Ok(Sender {
            client,
            url,
            signer,
            policy,
        })
    }

    /// Signs and posts `payload` (JSON bytes); see [`Sender::send_with_headers`].
    pub async fn send(&self, payload: &[u8]) -> Result<Delivered, SendError> {
        self.send_with_headers(payload, &HeaderMap::new()).await
    }

    /// Serializes `event`, then signs and posts it.
    pub async fn send_json<T: serde::Serialize>(&self, event: &T) -> Result<Delivered, SendError> {
        let payload = serde_json::to_vec(event).map_err(|e| SignError::NotJson(e.to_string()))?;
        self.send(&payload).await
    }

    /// Serializes `event`, then signs and posts it with the header `name: value` (the event
    /// type, for providers that name it in a header).
    pub async fn send_json_with_header<T: serde::Serialize>(
        &self,
        event: &T,
        name: &str,
        value: &str,
    ) -> Result<Delivered, SendError> {
        self.send_json_with_headers(event, &Sender::headers(&[(name, value)])?)
            .await
    }

    /// The headers `pairs` (name, value); an error names the first that is not a valid header.
    pub fn headers(pairs: &[(&str, &str)]) -> Result<HeaderMap, SendError> {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                super::sign::header_name(name)?,
                super::sign::header_value(value)?,
            );
        }
        Ok(map)
    }

    /// Serializes `event`, then signs and posts it with `extra` headers.
    pub async fn send_json_with_headers<T: serde::Serialize>(
        &self,
        event: &T,
        extra: &HeaderMap,
    ) -> Result<Delivered, SendError> {
        let payload = serde_json::to_vec(event).map_err(|e| SignError::NotJson(e.to_string()))?;
        self.send_with_headers(&payload, extra).await
    }

    /// Signs and posts `payload` with `extra` headers (a delivery id, say), retrying per the
    /// policy. Each attempt is signed afresh, so a signed timestamp is that attempt's time.
    pub async fn send_with_headers(
        &self,
        payload: &[u8],
        extra: &HeaderMap,
    ) -> Result<Delivered, SendError> {
        self.deliver(payload, extra)
            .await
            .map(|(delivered, _)| delivered)
    }

    /// Serializes `event`, signs and posts it with `extra` headers, and reads the receiver's
    /// reply in `format` (a provider that reads replies, imitated).
    pub async fn send_json_for_reply<T: serde::Serialize, R: serde::de::DeserializeOwned>(
        &self,
        event: &T,
        extra: &HeaderMap,
        format: crate::ReplyFormat,
    ) -> Result<Replied<R>, SendError> {
        let payload = serde_json::to_vec(event).map_err(|e| SignError::NotJson(e.to_string()))?;
        let (delivered, body) = self.deliver(&payload, extra).await?;
        let reply = format.decode(&body).map_err(|error| SendError::Reply {
            status: delivered.status,
            error,
        })?;
        Ok(Replied { delivered, reply })
    }

    /// Posts until an attempt is answered 2xx or the policy gives up; the answer's body.
    async fn deliver(
        &self,
        payload: &[u8],
        extra: &HeaderMap,
    ) -> Result<(Delivered, bytes::Bytes), SendError> {
        let mut attempts = 0u32;
        let mut delays = self.policy.retries.iter();
        loop {
            attempts += 1;
            let last = match self.attempt(payload, extra).await {
                Ok((status, body)) => return Ok((Delivered { status, attempts }, body)),
                Err(AttemptOutcome::Sign(e)) => return Err(SendError::Sign(e)),
                Err(AttemptOutcome::Failed(e)) => e,
            };
            match delays.next() {
                Some(delay) => {
                    tracing::debug!(url = %self.url, attempts, error = %last, ?delay, "delivery attempt failed; retrying");
                    tokio::time::sleep(*delay).await;
                }
                None => return Err(SendError::Failed { attempts, last }),
            }
        }
    }

    async fn attempt(
        &self,
        payload: &[u8],
        extra: &HeaderMap,
    ) -> Result<(StatusCode, bytes::Bytes), AttemptOutcome> {
        // The signer sees the request as it goes out: the URL, for the schemes that sign it
        // (Twilio, Plivo, Square, HubSpot), and the caller's headers, which a signature may
        // cover (a message id).
        let request = Outgoing {
            headers: extra.clone(),
            ..Outgoing::post(payload).to(self.url.as_str())
        };
        let signed = self
            .signer
            .sign_request(&request, SystemTime::now())
            .map_err(AttemptOutcome::Sign)?;
        let headers = signed.headers;
        let failed = AttemptOutcome::Failed;
        let response = self
            .client
            .post(self.url.clone())
            .headers(headers)
            .body(signed.body)
            .timeout(self.policy.timeout)
            .send()
            .await
            .map_err(|e| failed(AttemptError::from_reqwest(e)))?;
        let status = response.status();
        // Read the response within the same timeout: an attempt is complete only then.
        let body = response
            .bytes()
            .await
            .map_err(|e| failed(AttemptError::from_reqwest(e)))?;
        if status.is_success() {
            return Ok((status, body));
        }
        let mut text = String::from_utf8_lossy(&body).into_owned();
        if text.len() > 512 {
            let cut = (0..=512).rev().find(|&i| text.is_char_boundary(i));
            text.truncate(cut.unwrap_or(0));
        }
        Err(failed(AttemptError::Status {
            status,
            body: text.trim_end().to_owned(),
        }))
    }
}

enum AttemptOutcome {
    Sign(SignError),
    Failed(AttemptError),
}

/// A delivery that was answered 2xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// The 2xx status.
    pub status: StatusCode,
    /// Attempts made, this one included.
    pub attempts: u32,
}

/// A delivery that was answered 2xx, with the reply the receiver sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replied<R> {
    /// The delivery.
    pub delivered: Delivered,
    /// The reply, decoded.
    pub reply: R,
}

/// A delivery failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The payload could not be signed; nothing was sent.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The receiver accepted the event but its reply is not of the reply's type.
    #[error("answered {status} with a reply that does not decode: {error}")]
    Reply {
        /// The 2xx status.
        status: StatusCode,
        /// Why the reply does not decode.
        error: crate::ReplyError,
    },
    /// Every attempt failed.
    #[error("delivery failed after {attempts} attempt(s): {last}")]
    Failed {
        /// Attempts made.
        attempts: u32,
        /// Why the last one failed.
        last: AttemptError,
    },
}

/// Why one attempt failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttemptError {
    /// The receiver answered with a non-2xx status.
    #[error("answered {status}: {body}")]
    Status {
        /// The status.
        status: StatusCode,
        /// The start of the response body.
        body: String,
    },
    /// No complete response within the timeout.
    #[error("timed out")]
    Timeout,
    /// The connection failed.
    #[error("transport error")]
    Transport(#[source] reqwest::Error),
}

impl AttemptError {
    fn from_reqwest(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            AttemptError::Timeout
        } else {
            AttemptError::Transport(e)
        }
    }

    /// The status, when the receiver answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            AttemptError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}
