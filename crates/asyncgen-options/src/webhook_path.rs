//! The `webhook_path` option's value: where the webhook endpoint of a document that declares no
//! server is served, since its URL is the one the user registers with the provider.

use std::fmt;

use super::ToArgs;

/// The route of the one webhook endpoint of a document without servers; `/` by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookPath(String);

impl WebhookPath {
    /// The path as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Why this is not a route a receiver can serve: it must start with `/` and hold no query,
    /// fragment, whitespace or path variable. `None` when it can.
    pub fn problem(&self) -> Option<&'static str> {
        let p = self.0.as_str();
        if !p.starts_with('/') {
            Some("it must start with `/`")
        } else if p.contains(['?', '#']) {
            Some("a query or fragment is not part of a route")
        } else if p.contains(['{', '}']) {
            Some("path variables are not supported here")
        } else if p.chars().any(|c| c.is_whitespace() || c.is_control()) {
            Some("it holds whitespace")
        } else {
            None
        }
    }
}

impl Default for WebhookPath {
    fn default() -> Self {
        WebhookPath("/".to_owned())
    }
}

impl fmt::Display for WebhookPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for WebhookPath {
    fn from(path: &str) -> Self {
        WebhookPath(path.to_owned())
    }
}

impl From<String> for WebhookPath {
    fn from(path: String) -> Self {
        WebhookPath(path)
    }
}

impl ToArgs for WebhookPath {
    fn to_args(&self, flag: &str) -> Vec<String> {
        if *self == WebhookPath::default() {
            Vec::new()
        } else {
            vec![format!("--{flag}={}", self.0)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_routes_a_receiver_can_serve_are_accepted() {
        assert_eq!(WebhookPath::default().problem(), None);
        assert_eq!(WebhookPath::from("/hooks/shopify").problem(), None);
        for bad in ["hooks", "", "/a?b=1", "/a#b", "/{id}", "/a b"] {
            assert!(WebhookPath::from(bad).problem().is_some(), "{bad:?}");
        }
    }

    #[test]
    fn the_default_is_not_written_as_an_argument() {
        assert!(WebhookPath::default().to_args("webhook-path").is_empty());
        assert_eq!(
            WebhookPath::from("/in").to_args("webhook-path"),
            ["--webhook-path=/in"]
        );
    }
}
