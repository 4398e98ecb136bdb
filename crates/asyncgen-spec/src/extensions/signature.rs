//! `x-asyncgen-signature`: a signature of the request a receiver verifies (Dialer.CX, and the
//! providers of `preset`).
//!
//! A security scheme can say that a header carries a key, not that the header's value is a
//! signature of the request; this extension says what is signed, with which algorithm and key,
//! and how the signature and its timestamp are written. A `preset` names a provider's published
//! scheme; the other fields override it.

use serde::{Deserialize, Serialize};

pub use asyncgen_signature::{
    EventId, Handshake, KeyFormat, SignatureAlgorithm, SignatureEncoding, SignedPart,
    TimestampSource, TimestampUnit,
};
use asyncgen_signature::{Preset, TemplateError};

use super::{Cx, Duration, Extension, InContext, Problem, closest, rel};

/// A signature of the request, carried in a header (the security scheme's `name`, or
/// `header`) or in a body field. The receiver recomputes or checks it over the exact bytes
/// received and refuses the request unless one signature verifies; a sender signs the same
/// way. The key (a shared secret, or the provider's public key) is supplied at run time.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Signature {
    /// A provider's published scheme (`github`, `stripe`, `slack`, ...; specs/README.md lists
    /// them). Every other field overrides the preset's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// The signature algorithm; required without a preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<SignatureAlgorithm>,
    /// How the signature bytes are written (hex is lowercase); required without a preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<SignatureEncoding>,
    /// The header carrying the signature, for schemes whose `name` does not say it (any
    /// scheme type but `httpApiKey` in a header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The signature is in this string field of the JSON body (a JSON pointer, Mailgun's
    /// `/signature/signature`) rather than a header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Literal text before each signature, e.g. `sha256=` or `v1,`; items of the header
    /// without it are not signatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// The header holds several items separated by this text: signatures (key rotation; any
    /// one may match) and `key=value` elements such as Stripe's `t=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
    /// What is signed: a template over `{body}` (the raw body), `{timestamp}`, `{method}`,
    /// `{url}` (the full URL the provider called), `{form}` (form parameters sorted by name,
    /// each name followed by its value), `{header:NAME}`, `{field:/pointer}` and literal text.
    /// Default: `{body}`, or `{timestamp}.{body}` with a timestamp in a header or element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_payload: Option<String>,
    /// A signed timestamp (replay protection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<SignatureTimestamp>,
    /// How the key in the environment is written. Default: `text` for an HMAC, `base64` for a
    /// public key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<KeyFormat>,
    /// Where the provider puts the id that stays the same across redeliveries of one event;
    /// the receiver handles each id once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<SignatureEventId>,
    /// A request the provider sends before any event, which the receiver answers after
    /// verifying it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handshake: Option<Handshake>,
}

/// A signed timestamp: exactly one of `header`, `element` or `field` says where it is.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SignatureTimestamp {
    /// The header carrying the timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The item of the signature header starting with this text (Stripe's `t=`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
    /// The body field holding it (a JSON pointer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Seconds (the default) or milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<TimestampUnit>,
    /// Maximum age, in either direction, of an accepted timestamp (default 300 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "derive-schemas", schemars(extend("default" = "300s")))]
    pub tolerance: Option<Duration>,
    /// The signed payload, as the scheme's `signedPayload` (the place this field had before
    /// templates could sign more than a timestamp and the body; still read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_payload: Option<String>,
}

/// Where an event's id is: exactly one of `header` or `field`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "derive-schemas", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SignatureEventId {
    /// A request header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// A body field (a JSON pointer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Where the signature is, once the preset and the scheme's `name` are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureLocation {
    Header(String),
    Field(String),
}

/// A signed timestamp, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedTimestamp {
    pub source: TimestampLocation,
    pub unit: TimestampUnit,
    pub tolerance: Duration,
}

/// Where a timestamp is, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimestampLocation {
    Header(String),
    Element(String),
    Field(String),
}

impl TimestampLocation {
    pub fn source(&self) -> TimestampSource<'_> {
        match self {
            TimestampLocation::Header(h) => TimestampSource::Header(h),
            TimestampLocation::Element(e) => TimestampSource::Element(e),
            TimestampLocation::Field(f) => TimestampSource::Field(f),
        }
    }
}

/// Where an event id is, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventIdLocation {
    Header(String),
    Field(String),
}

/// The whole scheme: the preset with the document's fields over it, every default applied.
/// What generators and the runtime see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSignature {
    pub preset: Option<&'static str>,
    pub location: SignatureLocation,
    pub algorithm: SignatureAlgorithm,
    pub encoding: SignatureEncoding,
    pub prefix: Option<String>,
    pub separator: Option<String>,
    pub signed_payload: String,
    pub timestamp: Option<ResolvedTimestamp>,
    pub key: KeyFormat,
    pub event_id: Option<EventIdLocation>,
    pub handshake: Option<Handshake>,
}

impl ResolvedSignature {
    /// The signed payload template in order (checked by validation).
    pub fn signed_parts(&self) -> Option<Vec<SignedPart<'_>>> {
        let ts = self.timestamp.as_ref().map(|t| t.source.source());
        asyncgen_signature::signed_parts(&self.signed_payload, ts).ok()
    }
}

impl Signature {
    /// The preset named, if it exists.
    pub fn preset(&self) -> Option<&'static Preset> {
        self.preset.as_deref().and_then(asyncgen_signature::preset)
    }

    /// The scheme with the preset and defaults applied; `scheme_header` is the security
    /// scheme's `name` when it is an `httpApiKey` in a header. `None` when it is incomplete
    /// (which validation reports).
    pub fn resolve(&self, scheme_header: Option<&str>) -> Option<ResolvedSignature> {
        let preset = match &self.preset {
            Some(name) => Some(asyncgen_signature::preset(name)?),
            None => None,
        };
        let location = match (&self.field, &self.header, scheme_header) {
            (Some(f), _, _) => SignatureLocation::Field(f.clone()),
            (None, Some(h), _) => SignatureLocation::Header(h.clone()),
            (None, None, Some(h)) => SignatureLocation::Header(h.to_owned()),
            (None, None, None) => match preset.map(|p| (p.field, p.header))? {
                (Some(f), _) => SignatureLocation::Field(f.to_owned()),
                (None, Some(h)) => SignatureLocation::Header(h.to_owned()),
                (None, None) => return None,
            },
        };
        let algorithm = self.algorithm.or(preset.map(|p| p.algorithm))?;
        let encoding = self.encoding.or(preset.map(|p| p.encoding))?;
        let owned = |s: Option<&str>| s.map(str::to_owned);
        let timestamp = match &self.timestamp {
            Some(t) => Some(ResolvedTimestamp {
                source: timestamp_location(t)?,
                unit: t.unit.unwrap_or_default(),
                tolerance: t.tolerance.unwrap_or_else(default_tolerance),
            }),
            None => preset.and_then(|p| p.timestamp).map(|t| ResolvedTimestamp {
                source: match t.source {
                    TimestampSource::Header(h) => TimestampLocation::Header(h.to_owned()),
                    TimestampSource::Element(e) => TimestampLocation::Element(e.to_owned()),
                    TimestampSource::Field(f) => TimestampLocation::Field(f.to_owned()),
                },
                unit: t.unit,
                tolerance: Duration::secs(t.tolerance_secs),
            }),
        };
        let signed_payload = self
            .signed_payload
            .clone()
            .or_else(|| {
                self.timestamp
                    .as_ref()
                    .and_then(|t| t.signed_payload.clone())
            })
            .or_else(|| owned(preset.map(|p| p.signed_payload)))
            .unwrap_or_else(|| {
                asyncgen_signature::default_template(timestamp.as_ref().map(|t| t.source.source()))
                    .to_owned()
            });
        let event_id = match &self.event_id {
            Some(e) => Some(match (&e.header, &e.field) {
                (Some(h), None) => EventIdLocation::Header(h.clone()),
                (None, Some(f)) => EventIdLocation::Field(f.clone()),
                _ => return None,
            }),
            None => preset.and_then(|p| p.event_id).map(|e| match e {
                EventId::Header(h) => EventIdLocation::Header(h.to_owned()),
                EventId::Field(f) => EventIdLocation::Field(f.to_owned()),
            }),
        };
        Some(ResolvedSignature {
            preset: preset.map(|p| p.name),
            location,
            algorithm,
            encoding,
            prefix: self
                .prefix
                .clone()
                .or_else(|| owned(preset.and_then(|p| p.prefix))),
            separator: self
                .separator
                .clone()
                .or_else(|| owned(preset.and_then(|p| p.separator))),
            signed_payload,
            timestamp,
            key: self
                .key
                .or(preset.map(|p| p.key))
                .unwrap_or(algorithm.default_key()),
            event_id,
            handshake: self.handshake.or(preset.and_then(|p| p.handshake)),
        })
    }
}

fn timestamp_location(t: &SignatureTimestamp) -> Option<TimestampLocation> {
    match (&t.header, &t.element, &t.field) {
        (Some(h), None, None) => Some(TimestampLocation::Header(h.clone())),
        (None, Some(e), None) => Some(TimestampLocation::Element(e.clone())),
        (None, None, Some(f)) => Some(TimestampLocation::Field(f.clone())),
        _ => None,
    }
}

fn default_tolerance() -> Duration {
    Duration::secs(asyncgen_signature::DEFAULT_TOLERANCE_SECS)
}

fn pointer_problem(path: &[&str], value: &str) -> Option<Problem> {
    (!value.starts_with('/')).then(|| {
        Problem::value(
            rel(path),
            format!("`{value}` is not a JSON pointer: it must start with `/`"),
        )
        .with_help("e.g. \"/signature/token\"")
    })
}

impl Extension for Signature {
    const NAME: &'static str = "x-asyncgen-signature";
    const ON: &'static [&'static str] = &["Security Scheme"];

    fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        if let Some(name) = &self.preset
            && asyncgen_signature::preset(name).is_none()
        {
            let names = asyncgen_signature::preset_names();
            let mut p = Problem::value(rel(&["preset"]), format!("unknown preset `{name}`"));
            p = match closest(name, names.iter().copied()) {
                Some(near) => p.with_help(format!("did you mean `{near}`?")),
                None => p.with_help(format!("the presets are {}", names.join(", "))),
            };
            return vec![p];
        }
        let preset = self.preset();
        if self.algorithm.is_none() && preset.is_none() {
            out.push(
                Problem::key(
                    rel(&["algorithm"]),
                    "`algorithm` is required without a `preset`",
                )
                .with_help("e.g. `algorithm: hmac-sha256`, or `preset: github`"),
            );
        }
        if self.encoding.is_none() && preset.is_none() {
            out.push(
                Problem::key(
                    rel(&["encoding"]),
                    "`encoding` is required without a `preset`",
                )
                .with_help("e.g. `encoding: hex`"),
            );
        }
        if self.header.is_some() && self.field.is_some() {
            out.push(Problem::key(
                rel(&["field"]),
                "`header` and `field` both say where the signature is; keep one",
            ));
        }
        if let Some(f) = &self.field {
            out.extend(pointer_problem(&["field"], f));
        }
        if self.separator.as_deref() == Some("") {
            out.push(Problem::value(
                rel(&["separator"]),
                "`separator` is empty; give the text between signatures, e.g. \" \" or \",\"",
            ));
        }
        if let Some(ts) = &self.timestamp {
            out.extend(timestamp_problems(ts));
            if ts.signed_payload.is_some() && self.signed_payload.is_some() {
                out.push(Problem::key(
                    rel(&["timestamp", "signedPayload"]),
                    "`signedPayload` is given twice (here and on the scheme); keep the scheme's",
                ));
            }
        }
        if let Some(e) = &self.event_id {
            match (&e.header, &e.field) {
                (Some(_), None) => {}
                (None, Some(f)) => out.extend(pointer_problem(&["eventId", "field"], f)),
                _ => out.push(Problem::value(
                    rel(&["eventId"]),
                    "`eventId` needs exactly one of `header` or `field`",
                )),
            }
        }
        // What is left needs the whole scheme: the preset with these fields over it. The
        // header may still come from the security scheme, so a placeholder stands in for it.
        let Some(resolved) = self.resolve(Some("X-Signature")) else {
            return out;
        };
        if !resolved.key.fits(resolved.algorithm) {
            out.push(
                Problem::value(
                    rel(&["key"]),
                    format!(
                        "a {} key cannot be written as `{}`",
                        resolved.algorithm.title(),
                        resolved.key.name()
                    ),
                )
                .with_help(if resolved.algorithm.is_asymmetric() {
                    "a public key is `hex`, `base64` or `pem`"
                } else {
                    "a shared secret is `text`, `base64`, `whsec` or `hex`"
                }),
            );
        }
        if let Some(ResolvedTimestamp {
            source: TimestampLocation::Element(_),
            ..
        }) = &resolved.timestamp
            && resolved.separator.is_none()
        {
            out.push(
                Problem::key(
                    rel(&["timestamp", "element"]),
                    "a timestamp `element` needs a `separator` between the header's items",
                )
                .with_help("e.g. `separator: \",\"` for `t=...,v1=...`"),
            );
        }
        let ts = resolved.timestamp.as_ref().map(|t| t.source.source());
        if let Err(why) = asyncgen_signature::signed_parts(&resolved.signed_payload, ts) {
            out.push(self.signed_payload_problem(&why));
        }
        out
    }
}

fn timestamp_problems(ts: &SignatureTimestamp) -> Vec<Problem> {
    let mut out = Vec::new();
    let given = [&ts.header, &ts.element, &ts.field]
        .iter()
        .filter(|f| f.is_some())
        .count();
    if given != 1 {
        out.push(
            Problem::key(
                rel(&["timestamp"]),
                "`timestamp` needs exactly one of `header`, `element` or `field` (where the Unix seconds or milliseconds are)",
            )
            .with_help("e.g. `header: X-Timestamp`, `element: \"t=\"` or `field: /timestamp`"),
        );
    }
    for (name, value) in [("header", &ts.header), ("element", &ts.element)] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            out.push(Problem::value(
                rel(&["timestamp", name]),
                format!("`timestamp.{name}` is empty"),
            ));
        }
    }
    if let Some(f) = &ts.field {
        out.extend(pointer_problem(&["timestamp", "field"], f));
    }
    if ts.tolerance.as_ref().is_some_and(Duration::is_zero) {
        out.push(Problem::value(
            rel(&["timestamp", "tolerance"]),
            "`timestamp.tolerance` must be longer than 0: a zero tolerance rejects every request",
        ));
    }
    out
}

impl Signature {
    /// Located where the template was written: the scheme's `signedPayload`, the timestamp's,
    /// or the preset that supplied it. Exhaustive over the grammar's refusals, so a new one
    /// cannot reach users without a message.
    fn signed_payload_problem(&self, why: &TemplateError) -> Problem {
        let at = if self.signed_payload.is_some() {
            rel(&["signedPayload"])
        } else if self
            .timestamp
            .as_ref()
            .is_some_and(|t| t.signed_payload.is_some())
        {
            rel(&["timestamp", "signedPayload"])
        } else if self.preset.is_some() {
            rel(&["preset"])
        } else {
            rel(&["timestamp"])
        };
        match why {
            TemplateError::UnmatchedClose(_)
            | TemplateError::UnmatchedOpen(_)
            | TemplateError::UnknownPlaceholder(_)
            | TemplateError::BadReference(_) => Problem::value(
                at,
                format!("`signedPayload` is not a valid template: {why}"),
            ),
            TemplateError::NoBody(_)
            | TemplateError::NoTimestamp(_)
            | TemplateError::UndeclaredTimestamp(_) => {
                Problem::value(at, format!("`signedPayload` {why}"))
                    .with_help("e.g. \"{timestamp}.{body}\"")
            }
        }
    }
}

impl InContext for Signature {
    fn problems_in(&self, cx: &Cx<'_>) -> Vec<Problem> {
        let ty = cx.str_field("type");
        let location = cx.str_field("in");
        let header_key = ty == Some("httpApiKey") && location == Some("header");
        if header_key {
            return Vec::new();
        }
        if ty == Some("httpApiKey") && self.field.is_none() {
            return vec![
                Problem::whole(format!(
                    "`{}` reads the signature from a header, and this scheme's key is {}",
                    Self::NAME,
                    cx.describe_fields(&["in"]),
                ))
                .with_help("write the scheme as `in: header`, `name: <signature header>`"),
            ];
        }
        // Any other scheme type is fine when the extension or its preset says where the
        // signature is.
        if self.resolve(None).is_some() {
            return Vec::new();
        }
        vec![
            Problem::whole(format!(
                "`{}` does not say where the signature is: found {} without a `header`, `field` or `preset`",
                Self::NAME,
                cx.describe_fields(&["type", "in"]),
            ))
            .with_help("write the scheme as `type: httpApiKey`, `in: header`, `name: <signature header>`, or give `header:` or `preset:`"),
        ]
    }
}
