//! The signed-payload template: which pieces of a request, in which order, a provider signs.
//! Parsed once here so that validation, the verifier and the signer read it the same way.

/// A piece of a signed-payload template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedPart<'a> {
    /// Text signed as written.
    Literal(&'a str),
    /// `{timestamp}`: the timestamp as received (its text, not a reformatted number).
    Timestamp,
    /// `{body}`: the raw body bytes.
    Body,
    /// `{method}`: the request method, e.g. `POST`.
    Method,
    /// `{url}`: the full URL the provider called: the receiver's public origin, then the path
    /// and query as received.
    Url,
    /// `{form}`: the form parameters of an `application/x-www-form-urlencoded` body, sorted by
    /// name, each name followed by its value, all concatenated (Twilio).
    Form,
    /// `{sorted-url-form}`: Plivo's V3 text: the URL without its query; then, when the query or
    /// the form is not empty, `?` and the query parameters decoded and sorted (`name=value`
    /// joined by `&`); then, when the form is not empty, `.` after a non-empty query and the
    /// form parameters sorted, each name followed by its value.
    SortedUrlForm,
    /// `{header:NAME}`: the value of request header `NAME` (Standard Webhooks' message id).
    Header(&'a str),
    /// `{field:/pointer}`: the text of a field of the JSON body (Mailgun's token).
    Field(&'a str),
}

impl SignedPart<'_> {
    /// Whether this part depends on the URL the provider called, so a receiver needs its
    /// public origin.
    pub const fn signs_url(&self) -> bool {
        matches!(self, SignedPart::Url | SignedPart::SortedUrlForm)
    }

    /// Whether this part depends on the body's bytes, so that a signature over it fails when
    /// the body is changed.
    pub const fn covers_body(&self) -> bool {
        matches!(
            self,
            SignedPart::Body | SignedPart::Form | SignedPart::SortedUrlForm | SignedPart::Field(_)
        )
    }
}

/// Where the timestamp a provider signs is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampSource<'a> {
    /// A header of its own (`X-Slack-Request-Timestamp`).
    Header(&'a str),
    /// An element of the signature header, found by its prefix among the separated items
    /// (Stripe's `t=` in `t=...,v1=...`, Paddle's `ts=`).
    Element(&'a str),
    /// A field of the JSON body (Linear's `/webhookTimestamp`, Mailgun's
    /// `/signature/timestamp`).
    Field(&'a str),
}

/// Why a signed-payload template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("`}}` without a matching `{{` in `{0}`")]
    UnmatchedClose(String),
    #[error("`{{` without a matching `}}` in `{0}`")]
    UnmatchedOpen(String),
    #[error(
        "unknown placeholder `{{{0}}}`; the placeholders are `{{body}}`, `{{timestamp}}`, `{{method}}`, `{{url}}`, `{{form}}`, `{{sorted-url-form}}`, `{{header:NAME}}` and `{{field:/pointer}}`"
    )]
    UnknownPlaceholder(String),
    /// `{header:}` or `{field:}` without a name, or a field that is not a JSON pointer.
    #[error("`{{{0}}}` needs a header name or a JSON pointer starting with `/` after the colon")]
    BadReference(String),
    /// The signature would not change when the body does.
    #[error(
        "`{0}` signs nothing of the body (no `{{body}}`, `{{form}}` or `{{field:...}}`): the signature would not cover the message"
    )]
    NoBody(String),
    /// The timestamp would not be signed, so a tolerance would be enforced on a value anyone
    /// on the path can rewrite.
    #[error(
        "`{0}` does not include `{{timestamp}}`: the timestamp would not be signed, so anyone can replace it"
    )]
    NoTimestamp(String),
    /// `{timestamp}` without a declared timestamp: nothing says where to read it.
    #[error("`{0}` includes `{{timestamp}}` but the scheme declares no `timestamp`")]
    UndeclaredTimestamp(String),
}

/// Splits a template such as `v0:{timestamp}:{body}` into its parts; only its syntax is
/// checked (see [`signed_parts`] for what a usable template must contain).
pub fn parse_template(template: &str) -> Result<Vec<SignedPart<'_>>, TemplateError> {
    let mut parts = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        match rest.find(['{', '}']) {
            None => {
                parts.push(SignedPart::Literal(rest));
                break;
            }
            Some(i) if rest[i..].starts_with('}') => {
                return Err(TemplateError::UnmatchedClose(template.to_owned()));
            }
            Some(i) => {
                if i > 0 {
                    parts.push(SignedPart::Literal(&rest[..i]));
                }
                let Some(len) = rest[i..].find('}') else {
                    return Err(TemplateError::UnmatchedOpen(template.to_owned()));
                };
                parts.push(placeholder(&rest[i + 1..i + len])?);
                rest = &rest[i + len + 1..];
            }
        }
    }
    Ok(parts)
}

fn placeholder(name: &str) -> Result<SignedPart<'_>, TemplateError> {
    let reference = |r: &str| {
        if r.is_empty() || r.contains('{') {
            Err(TemplateError::BadReference(name.to_owned()))
        } else {
            Ok(())
        }
    };
    Ok(match name {
        "timestamp" => SignedPart::Timestamp,
        "body" => SignedPart::Body,
        "method" => SignedPart::Method,
        "url" => SignedPart::Url,
        "form" => SignedPart::Form,
        "sorted-url-form" => SignedPart::SortedUrlForm,
        _ => {
            if let Some(header) = name.strip_prefix("header:") {
                reference(header)?;
                SignedPart::Header(header)
            } else if let Some(pointer) = name.strip_prefix("field:") {
                reference(pointer)?;
                if !pointer.starts_with('/') {
                    return Err(TemplateError::BadReference(name.to_owned()));
                }
                SignedPart::Field(pointer)
            } else if name.contains('{') {
                return Err(TemplateError::UnmatchedOpen(name.to_owned()));
            } else {
                return Err(TemplateError::UnknownPlaceholder(name.to_owned()));
            }
        }
    })
}

/// The template when a scheme names none: the body alone, or with a timestamp outside the
/// body, `{timestamp}.{body}`.
pub const fn default_template(timestamp: Option<TimestampSource<'_>>) -> &'static str {
    match timestamp {
        Some(TimestampSource::Header(_) | TimestampSource::Element(_)) => "{timestamp}.{body}",
        Some(TimestampSource::Field(_)) | None => "{body}",
    }
}

/// The parts of a usable template: it parses, it signs something of the body, and a timestamp
/// the receiver enforces is signed (a timestamp in a header or signature element must be in
/// the template; one in a body field is signed when the body or that field is).
pub fn signed_parts<'a>(
    template: &'a str,
    timestamp: Option<TimestampSource<'_>>,
) -> Result<Vec<SignedPart<'a>>, TemplateError> {
    let parts = parse_template(template)?;
    if !parts.iter().any(SignedPart::covers_body) {
        return Err(TemplateError::NoBody(template.to_owned()));
    }
    let signs_timestamp = parts.contains(&SignedPart::Timestamp);
    let signed = match timestamp {
        None if signs_timestamp => {
            return Err(TemplateError::UndeclaredTimestamp(template.to_owned()));
        }
        None => true,
        Some(TimestampSource::Header(_) | TimestampSource::Element(_)) => signs_timestamp,
        Some(TimestampSource::Field(pointer)) => {
            signs_timestamp
                || parts
                    .iter()
                    .any(|p| *p == SignedPart::Body || *p == SignedPart::Field(pointer))
        }
    };
    if !signed {
        return Err(TemplateError::NoTimestamp(template.to_owned()));
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRIPE_T: Option<TimestampSource<'static>> = Some(TimestampSource::Element("t="));

    #[test]
    fn templates_split_into_parts() {
        assert_eq!(
            parse_template("v0:{timestamp}:{body}").unwrap(),
            [
                SignedPart::Literal("v0:"),
                SignedPart::Timestamp,
                SignedPart::Literal(":"),
                SignedPart::Body
            ]
        );
        assert_eq!(parse_template("").unwrap(), []);
        assert_eq!(
            parse_template("{body}").unwrap(),
            [SignedPart::Body],
            "a placeholder at the end leaves no empty literal"
        );
        assert_eq!(
            parse_template("{method}{url}{form}{sorted-url-form}{header:webhook-id}{field:/a/b}")
                .unwrap(),
            [
                SignedPart::Method,
                SignedPart::Url,
                SignedPart::Form,
                SignedPart::SortedUrlForm,
                SignedPart::Header("webhook-id"),
                SignedPart::Field("/a/b"),
            ]
        );
    }

    #[test]
    fn malformed_templates_say_why() {
        assert_eq!(
            parse_template("{nope}"),
            Err(TemplateError::UnknownPlaceholder("nope".into()))
        );
        assert_eq!(
            parse_template("x{body"),
            Err(TemplateError::UnmatchedOpen("x{body".into()))
        );
        assert_eq!(
            parse_template("{a{body}"),
            Err(TemplateError::UnmatchedOpen("a{body".into()))
        );
        assert_eq!(
            parse_template("body}"),
            Err(TemplateError::UnmatchedClose("body}".into()))
        );
        for bad in ["{header:}", "{field:}", "{field:a}"] {
            assert!(
                matches!(parse_template(bad), Err(TemplateError::BadReference(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_usable_template_covers_the_body_and_a_separate_timestamp() {
        assert_eq!(
            signed_parts(default_template(STRIPE_T), STRIPE_T).unwrap(),
            [
                SignedPart::Timestamp,
                SignedPart::Literal("."),
                SignedPart::Body
            ]
        );
        assert_eq!(
            signed_parts("{timestamp}", STRIPE_T),
            Err(TemplateError::NoBody("{timestamp}".into()))
        );
        assert_eq!(
            signed_parts("{url}", None),
            Err(TemplateError::NoBody("{url}".into()))
        );
        assert_eq!(
            signed_parts("v1.{body}", Some(TimestampSource::Header("X-Ts"))),
            Err(TemplateError::NoTimestamp("v1.{body}".into()))
        );
        assert_eq!(
            signed_parts("{timestamp}.{body}", None),
            Err(TemplateError::UndeclaredTimestamp(
                "{timestamp}.{body}".into()
            ))
        );
        assert_eq!(
            signed_parts("{nope}", None),
            Err(TemplateError::UnknownPlaceholder("nope".into()))
        );
    }

    #[test]
    fn a_timestamp_in_the_body_is_signed_by_the_body_or_its_field() {
        let linear = Some(TimestampSource::Field("/webhookTimestamp"));
        assert_eq!(default_template(linear), "{body}");
        assert!(signed_parts("{body}", linear).is_ok());
        let mailgun = Some(TimestampSource::Field("/signature/timestamp"));
        assert!(
            signed_parts(
                "{field:/signature/timestamp}{field:/signature/token}",
                mailgun
            )
            .is_ok()
        );
        assert!(signed_parts("{timestamp}{field:/signature/token}", mailgun).is_ok());
        assert_eq!(
            signed_parts("{field:/signature/token}", mailgun),
            Err(TemplateError::NoTimestamp(
                "{field:/signature/token}".into()
            ))
        );
        assert_eq!(default_template(None), "{body}");
        assert_eq!(
            default_template(Some(TimestampSource::Header("X"))),
            "{timestamp}.{body}"
        );
    }

    #[test]
    fn only_url_pieces_sign_the_url() {
        assert!(SignedPart::Url.signs_url() && SignedPart::SortedUrlForm.signs_url());
        for p in [
            SignedPart::Body,
            SignedPart::Form,
            SignedPart::Method,
            SignedPart::Header("h"),
        ] {
            assert!(!p.signs_url(), "{p:?}");
        }
    }

    #[test]
    fn only_body_pieces_cover_the_body() {
        for p in [
            SignedPart::Body,
            SignedPart::Form,
            SignedPart::SortedUrlForm,
            SignedPart::Field("/a"),
        ] {
            assert!(p.covers_body(), "{p:?}");
        }
        for p in [
            SignedPart::Literal("x"),
            SignedPart::Timestamp,
            SignedPart::Method,
            SignedPart::Url,
            SignedPart::Header("h"),
        ] {
            assert!(!p.covers_body(), "{p:?}");
        }
    }
}
