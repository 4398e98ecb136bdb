//! `x-asyncgen-token-expiry`: a connection URL whose token expires and is refreshed out of band
//! (Dialpad websocket).
//!
//! Security schemes and server variables say where a credential goes, never how long it lives,
//! how it is renewed, or that the server cuts connections after a fixed time.

use serde::{Deserialize, Serialize};

use super::{Duration, Extension, InContext, Problem, rel};

/// The server's URL carries a token that expires and must be refreshed out of band, and the
/// server may end connections after a fixed time. A generated client schedules the refresh
/// (through a user-supplied async function returning the new URL), expects the close, and
/// reconnects with a fresh URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TokenExpiry {
    /// Token lifetime, counted from issue.
    pub expires_after: Duration,
    /// Obtain a fresh URL this long before expiry (client policy); shorter than `expiresAfter`.
    #[serde(default = "zero")]
    pub refresh_before: Duration,
    /// The server closes every connection after this long; reconnect with a valid URL
    /// (refreshed if needed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connection_duration: Option<Duration>,
    /// How a fresh URL is obtained.
    pub refresh: TokenRefresh,
}

fn zero() -> Duration {
    Duration::ZERO
}

/// How an expiring connection URL is refreshed. The generator has no model of the provider's REST
/// API, so this is the timing and documentation of the user-supplied refresh function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TokenRefresh {
    /// The HTTP method of the refresh request, e.g. `GET`.
    pub method: HttpMethod,
    /// The API resources that issue the URL: their paths where the provider documents them,
    /// otherwise names explained in `description`.
    #[cfg_attr(feature = "derive-schemas", schemars(length(min = 1)))]
    pub resources: Vec<String>,
    /// The field of the response that carries the fresh connection URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_field: Option<String>,
    /// How to call it (text for generated docs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An HTTP request method (RFC 9110 section 9, plus PATCH).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Head => "HEAD",
            HttpMethod::Options => "OPTIONS",
        }
    }
}

impl Extension for TokenExpiry {
    const NAME: &'static str = "x-asyncgen-token-expiry";
    const ON: &'static [&'static str] = &["Server"];

    fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if self.expires_after.is_zero() {
            out.push(Problem::value(
                rel(&["expiresAfter"]),
                "`expiresAfter` must be longer than 0: the token would never be valid",
            ));
        } else if self.refresh_before >= self.expires_after {
            out.push(
                Problem::value(
                    rel(&["refreshBefore"]),
                    format!(
                        "`refreshBefore` ({}) must be shorter than `expiresAfter` ({}): the refresh would be due before the token is issued",
                        self.refresh_before, self.expires_after
                    ),
                ),
            );
        }
        if self.max_connection_duration.is_some_and(|d| d.is_zero()) {
            out.push(Problem::value(
                rel(&["maxConnectionDuration"]),
                "`maxConnectionDuration` must be longer than 0 (leave it out if the server does not cut connections)",
            ));
        }
        if self.refresh.resources.is_empty() {
            out.push(Problem::value(
                rel(&["refresh", "resources"]),
                "`refresh.resources` is empty; name at least one API resource that issues the URL",
            ));
        }
        for (i, r) in self.refresh.resources.iter().enumerate() {
            if r.trim().is_empty() {
                out.push(Problem::value(
                    rel(&["refresh", "resources"]).push_index(i),
                    "a resource in `refresh.resources` is empty",
                ));
            }
        }
        out
    }
}

impl InContext for TokenExpiry {}
