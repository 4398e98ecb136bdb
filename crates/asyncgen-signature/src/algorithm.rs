//! The algorithms, encodings and key formats a document can name, with the facts about each
//! that the verifier, the signer and validation must agree on.

/// The algorithm of a body signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum SignatureAlgorithm {
    /// HMAC with SHA-256 (RFC 2104), keyed with the shared secret.
    #[cfg_attr(feature = "serde", serde(rename = "hmac-sha256"))]
    HmacSha256,
    /// HMAC with SHA-1, keyed with the shared secret: only for providers that still sign with it
    /// (Twilio, Intercom, GitHub's legacy `X-Hub-Signature`).
    #[cfg_attr(feature = "serde", serde(rename = "hmac-sha1"))]
    HmacSha1,
    /// HMAC with SHA-512, keyed with the shared secret.
    #[cfg_attr(feature = "serde", serde(rename = "hmac-sha512"))]
    HmacSha512,
    /// Ed25519 (RFC 8032): the provider signs with its private key, the receiver verifies with
    /// the provider's public key (Discord, Telnyx).
    #[cfg_attr(feature = "serde", serde(rename = "ed25519"))]
    Ed25519,
    /// ECDSA over P-256 with SHA-256, the signature DER-encoded (SendGrid's Event Webhook).
    #[cfg_attr(feature = "serde", serde(rename = "ecdsa-p256-sha256"))]
    EcdsaP256Sha256,
    /// A compact JWT (HS256, keyed with the shared secret) whose `payload_hash` claim is the
    /// hex SHA-256 of the signed payload (Vonage's signed webhooks); `exp`, `nbf` and `iat`
    /// must not be in the future. The token is the signature as written (`encoding` is its
    /// base64url).
    #[cfg_attr(feature = "serde", serde(rename = "jwt-hs256"))]
    JwtHs256,
}

impl SignatureAlgorithm {
    /// Every algorithm, in the order documentation lists them.
    pub const ALL: &'static [SignatureAlgorithm] = &[
        SignatureAlgorithm::HmacSha256,
        SignatureAlgorithm::HmacSha1,
        SignatureAlgorithm::HmacSha512,
        SignatureAlgorithm::Ed25519,
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::JwtHs256,
    ];

    /// The name a document writes.
    pub const fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::HmacSha256 => "hmac-sha256",
            SignatureAlgorithm::HmacSha1 => "hmac-sha1",
            SignatureAlgorithm::HmacSha512 => "hmac-sha512",
            SignatureAlgorithm::Ed25519 => "ed25519",
            SignatureAlgorithm::EcdsaP256Sha256 => "ecdsa-p256-sha256",
            SignatureAlgorithm::JwtHs256 => "jwt-hs256",
        }
    }

    /// The name people write in prose: `HMAC-SHA256`, `Ed25519`.
    pub const fn title(self) -> &'static str {
        match self {
            SignatureAlgorithm::HmacSha256 => "HMAC-SHA256",
            SignatureAlgorithm::HmacSha1 => "HMAC-SHA1",
            SignatureAlgorithm::HmacSha512 => "HMAC-SHA512",
            SignatureAlgorithm::Ed25519 => "Ed25519",
            SignatureAlgorithm::EcdsaP256Sha256 => "ECDSA P-256 with SHA-256",
            SignatureAlgorithm::JwtHs256 => "HS256 JWT",
        }
    }

    /// Whether the receiver verifies with the provider's public key (and the sender signs with
    /// the private one) rather than a secret both hold.
    pub const fn is_asymmetric(self) -> bool {
        match self {
            SignatureAlgorithm::HmacSha256
            | SignatureAlgorithm::HmacSha1
            | SignatureAlgorithm::HmacSha512
            | SignatureAlgorithm::JwtHs256 => false,
            SignatureAlgorithm::Ed25519 | SignatureAlgorithm::EcdsaP256Sha256 => true,
        }
    }

    /// The length of a signature in bytes, where it is fixed: a decoded signature of any other
    /// length never verifies. A DER-encoded ECDSA signature and a JWT vary in length (`None`).
    pub const fn signature_len(self) -> Option<usize> {
        match self {
            SignatureAlgorithm::HmacSha256 => Some(32),
            SignatureAlgorithm::HmacSha1 => Some(20),
            SignatureAlgorithm::HmacSha512 => Some(64),
            SignatureAlgorithm::Ed25519 => Some(64),
            SignatureAlgorithm::EcdsaP256Sha256 | SignatureAlgorithm::JwtHs256 => None,
        }
    }

    /// The key format when the document names none: the secret as text for an HMAC (what
    /// nearly every provider's dashboard shows and its SDK uses as the key), base64 for a
    /// public key.
    pub const fn default_key(self) -> KeyFormat {
        if self.is_asymmetric() {
            KeyFormat::Base64
        } else {
            KeyFormat::Text
        }
    }
}

/// How the signature bytes are written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum SignatureEncoding {
    /// Lowercase hexadecimal, two digits per byte (uppercase is accepted).
    Hex,
    /// Standard base64 with padding (RFC 4648 section 4).
    Base64,
    /// URL-safe base64 (RFC 4648 section 5): `-` and `_` for `+` and `/`, written without
    /// padding.
    Base64url,
}

impl SignatureEncoding {
    /// Every encoding, in the order documentation lists them.
    pub const ALL: &'static [SignatureEncoding] = &[
        SignatureEncoding::Hex,
        SignatureEncoding::Base64,
        SignatureEncoding::Base64url,
    ];

    /// The name a document writes.
    pub const fn name(self) -> &'static str {
        match self {
            SignatureEncoding::Hex => "hex",
            SignatureEncoding::Base64 => "base64",
            SignatureEncoding::Base64url => "base64url",
        }
    }
}

/// How the key in the environment is written: the form the provider's dashboard shows it in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum KeyFormat {
    /// The secret's text is the HMAC key, byte for byte (Stripe's `whsec_...` included: Stripe
    /// keys its HMAC with the whole text).
    Text,
    /// Base64 of the key bytes. For a public key: the raw key, or its SubjectPublicKeyInfo DER.
    Base64,
    /// Standard Webhooks: `whsec_` followed by base64 of the key bytes (the prefix may be
    /// left out, as the reference libraries allow).
    Whsec,
    /// Hexadecimal of the key bytes (Discord's public key).
    Hex,
    /// A PEM `PUBLIC KEY` (SubjectPublicKeyInfo); for a sender's private key, a PEM
    /// `PRIVATE KEY` (PKCS #8).
    Pem,
}

impl KeyFormat {
    /// Every key format, in the order documentation lists them.
    pub const ALL: &'static [KeyFormat] = &[
        KeyFormat::Text,
        KeyFormat::Base64,
        KeyFormat::Whsec,
        KeyFormat::Hex,
        KeyFormat::Pem,
    ];

    /// The name a document writes.
    pub const fn name(self) -> &'static str {
        match self {
            KeyFormat::Text => "text",
            KeyFormat::Base64 => "base64",
            KeyFormat::Whsec => "whsec",
            KeyFormat::Hex => "hex",
            KeyFormat::Pem => "pem",
        }
    }

    /// Whether a key of `algorithm` can be written this way: a shared secret as text, base64,
    /// `whsec_` or hex; a public key as hex, base64 or PEM, never as text (which would let a
    /// public key pass for a shared secret).
    pub const fn fits(self, algorithm: SignatureAlgorithm) -> bool {
        match self {
            KeyFormat::Text | KeyFormat::Whsec => !algorithm.is_asymmetric(),
            KeyFormat::Base64 | KeyFormat::Hex => true,
            KeyFormat::Pem => algorithm.is_asymmetric(),
        }
    }
}

/// The unit of a timestamp's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum TimestampUnit {
    /// Unix seconds.
    #[default]
    Seconds,
    /// Unix milliseconds (HubSpot, Linear).
    Milliseconds,
}

impl TimestampUnit {
    /// The name a document writes.
    pub const fn name(self) -> &'static str {
        match self {
            TimestampUnit::Seconds => "seconds",
            TimestampUnit::Milliseconds => "milliseconds",
        }
    }
}

/// A request some providers send before any event, to check that the endpoint is theirs; the
/// receiver answers it after verifying it, without calling a handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub enum Handshake {
    /// Slack's `{"type": "url_verification", "challenge": C}`: answered `{"challenge": C}`.
    SlackUrlVerification,
    /// Zoom's `{"event": "endpoint.url_validation", "payload": {"plainToken": T}}`: answered
    /// `{"plainToken": T, "encryptedToken": hex(HMAC-SHA256(secret, T))}`.
    ZoomUrlValidation,
    /// Discord's PING, `{"type": 1}`: answered `{"type": 1}`.
    DiscordPing,
}

impl Handshake {
    /// Every handshake.
    pub const ALL: &'static [Handshake] = &[
        Handshake::SlackUrlVerification,
        Handshake::ZoomUrlValidation,
        Handshake::DiscordPing,
    ];

    /// The name a document writes.
    pub const fn name(self) -> &'static str {
        match self {
            Handshake::SlackUrlVerification => "slack-url-verification",
            Handshake::ZoomUrlValidation => "zoom-url-validation",
            Handshake::DiscordPing => "discord-ping",
        }
    }
}
