//! One route per channel: where it is mounted, how its requests are verified, which endpoint
//! handles them, and how redeliveries of one event are recognised.

use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;

use super::endpoint::{Endpoint, ErasedEndpoint};
use super::verify::Verifier;
use crate::error::ConfigError;

/// A channel's route: built by generated code (`id` is the channel's name, stable across
/// releases because queued events refer to it), mounted at a path the application chooses.
pub struct Route {
    pub(crate) id: String,
    pub(crate) path: String,
    pub(crate) verifier: Verifier,
    pub(crate) endpoint: Arc<dyn ErasedEndpoint>,
    pub(crate) dedupe: Option<Dedupe>,
}

impl Route {
    /// A route `id` at `path` (axum 0.8 syntax, e.g. `/hooks/dialer`), verified by `verifier`,
    /// handled by `endpoint`.
    pub fn new(
        id: impl Into<String>,
        path: impl Into<String>,
        verifier: Verifier,
        endpoint: impl Endpoint,
    ) -> Route {
        Route {
            id: id.into(),
            path: path.into(),
            verifier,
            endpoint: Arc::new(endpoint),
            dedupe: None,
        }
    }

    /// Recognise redeliveries of one event by `dedupe` (queued delivery only).
    pub fn with_dedupe(mut self, dedupe: Dedupe) -> Route {
        self.dedupe = Some(dedupe);
        self
    }

    /// The route's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The route's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.id.is_empty() {
            return Err(ConfigError::InvalidSetting("a route id is empty".into()));
        }
        check_path(&self.path)?;
        if let Some(Dedupe {
            source: DedupeSource::Header(name),
            ..
        }) = &self.dedupe
        {
            http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                ConfigError::InvalidSetting(format!("`{name}` is not a valid header name"))
            })?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("id", &self.id)
            .field("path", &self.path)
            .field("verifier", &self.verifier)
            .field("dedupe", &self.dedupe)
            .finish_non_exhaustive()
    }
}

/// Refuses what axum would panic on: a path must start with `/`, and captures (`{name}`,
/// `{*rest}`) must be closed and named.
fn check_path(path: &str) -> Result<(), ConfigError> {
    let bad = || ConfigError::InvalidPath(path.to_owned());
    if !path.starts_with('/') || path.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let mut rest = path;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err(bad());
        }
        let close = rest[open..].find('}').ok_or_else(bad)? + open;
        let name = rest[open + 1..close].trim_start_matches('*');
        if name.is_empty() || name.contains('{') {
            return Err(bad());
        }
        rest = &rest[close + 1..];
    }
    Ok(())
}

/// How redeliveries of one event are recognised: an id from a header or from the payload,
/// remembered durably for `ttl`. A copy arriving within it is answered 2xx and not handled
/// again. An event without the id is handled without deduplication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dedupe {
    pub(crate) source: DedupeSource,
    pub(crate) ttl: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DedupeSource {
    Header(String),
    Pointer(String),
}

impl From<crate::scheme::EventId<'static>> for Dedupe {
    fn from(id: crate::scheme::EventId<'static>) -> Dedupe {
        match id {
            crate::scheme::EventId::Header(name) => Dedupe::header(name),
            crate::scheme::EventId::Field(pointer) => Dedupe::pointer(pointer),
        }
    }
}

impl Dedupe {
    /// 24 h: longer than providers' retry spans (Dialer.CX retries for under 3 minutes,
    /// others for hours).
    pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);

    /// The id is the value of header `name` (e.g. a delivery id).
    pub fn header(name: impl Into<String>) -> Dedupe {
        Dedupe {
            source: DedupeSource::Header(name.into()),
            ttl: Self::DEFAULT_TTL,
        }
    }

    /// The id is the string or number at JSON `pointer` in the verified payload (e.g.
    /// `/event_id`).
    pub fn pointer(pointer: impl Into<String>) -> Dedupe {
        Dedupe {
            source: DedupeSource::Pointer(pointer.into()),
            ttl: Self::DEFAULT_TTL,
        }
    }

    /// Remember ids for `ttl` instead of 24 h.
    pub fn with_ttl(mut self, ttl: Duration) -> Dedupe {
        self.ttl = ttl;
        self
    }

    /// The event's id, if it has one.
    pub(crate) fn key(&self, headers: &HeaderMap, payload: &[u8]) -> Option<String> {
        match &self.source {
            DedupeSource::Header(name) => headers
                .get(name.as_str())
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned),
            DedupeSource::Pointer(pointer) => {
                let value: serde_json::Value = serde_json::from_slice(payload).ok()?;
                match value.pointer(pointer)? {
                    serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_axum_would_refuse_are_refused() {
        for ok in ["/", "/hooks/dialer", "/t/{tenant}/events", "/files/{*rest}"] {
            assert!(check_path(ok).is_ok(), "{ok}");
        }
        for bad in ["", "hooks", "/a b", "/{", "/}", "/{}", "/{a{b}}"] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_come_from_headers_or_the_payload() {
        let mut headers = HeaderMap::new();
        headers.insert("x-delivery", " d-1 ".parse().unwrap());
        assert_eq!(
            Dedupe::header("X-Delivery").key(&headers, b"{}").as_deref(),
            Some("d-1")
        );
        let p = Dedupe::pointer("/data/id");
        assert_eq!(
            p.key(&headers, br#"{"data":{"id":42}}"#).as_deref(),
            Some("42")
        );
        assert_eq!(p.key(&headers, br#"{"data":{}}"#), None);
    }
}
