//! The shape of every AsyncAPI object, per major version, as data the walker checks against.
//!
//! Keeping the specification as tables (rather than serde structs) lets one walk report every
//! problem with its pointer instead of stopping at the first, and tells "unknown field" apart
//! from "field of the other version".

/// What a field may hold.
#[derive(Debug)]
pub enum Kind {
    Str,
    Bool,
    Num,
    /// Any JSON value (examples, bindings' free-form parts).
    Any,
    StrArray,
    /// A string that must be one of these.
    OneOf(&'static [&'static str]),
    /// An object of this shape, inline only.
    Obj(&'static Obj),
    /// A Reference Object or an object of this shape.
    RefOr(&'static Obj),
    /// A Reference Object only (3.x `channel`, `messages` in operations).
    Ref,
    /// An object whose values are all of one kind.
    Map(&'static Kind),
    Array(&'static Kind),
    /// A JSON Schema (or a Reference Object to one).
    Schema,
    /// A message payload or headers: a schema, or a 3.x Multi Format Schema Object.
    Payload,
    /// 2.x security requirement: scheme name → list of scopes.
    SecurityRequirement,
    /// 2.x operation `message`: a message, a reference, or `{oneOf: [...]}`.
    OperationMessage2,
    /// 3.x channel `address`: a string or null.
    NullableStr,
    /// `bindings`: protocol name → free-form object (or a reference).
    Bindings,
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

#[derive(Debug)]
pub struct Obj {
    /// Name as the specification calls it, for messages.
    pub name: &'static str,
    pub fields: &'static [Field],
    /// Fields that belong to the other version or elsewhere, with a hint.
    pub misplaced: &'static [(&'static str, &'static str)],
}

impl Obj {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

const fn f(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

pub const SECURITY_TYPES: &[&str] = &[
    "userPassword",
    "apiKey",
    "X509",
    "symmetricEncryption",
    "asymmetricEncryption",
    "httpApiKey",
    "http",
    "oauth2",
    "openIdConnect",
    "plain",
    "scramSha256",
    "scramSha512",
    "gssapi",
];

// ---- shared by both versions ----

pub static CONTACT: Obj = Obj {
    name: "Contact",
    fields: &[
        f("name", Kind::Str),
        f("url", Kind::Str),
        f("email", Kind::Str),
    ],
    misplaced: &[],
};

pub static LICENSE: Obj = Obj {
    name: "License",
    fields: &[req("name", Kind::Str), f("url", Kind::Str)],
    misplaced: &[],
};

pub static EXTERNAL_DOCS: Obj = Obj {
    name: "External Documentation",
    fields: &[f("description", Kind::Str), req("url", Kind::Str)],
    misplaced: &[],
};

pub static TAG: Obj = Obj {
    name: "Tag",
    fields: &[
        req("name", Kind::Str),
        f("description", Kind::Str),
        f("externalDocs", Kind::RefOr(&EXTERNAL_DOCS)),
    ],
    misplaced: &[],
};

pub static SERVER_VARIABLE: Obj = Obj {
    name: "Server Variable",
    fields: &[
        f("enum", Kind::StrArray),
        f("default", Kind::Str),
        f("description", Kind::Str),
        f("examples", Kind::StrArray),
    ],
    misplaced: &[],
};

pub static CORRELATION_ID: Obj = Obj {
    name: "Correlation ID",
    fields: &[f("description", Kind::Str), req("location", Kind::Str)],
    misplaced: &[],
};

pub static OAUTH_FLOW: Obj = Obj {
    name: "OAuth Flow",
    fields: &[
        f("authorizationUrl", Kind::Str),
        f("tokenUrl", Kind::Str),
        f("refreshUrl", Kind::Str),
        f("scopes", Kind::Map(&Kind::Str)),
        f("availableScopes", Kind::Map(&Kind::Str)),
    ],
    misplaced: &[],
};

pub static OAUTH_FLOWS: Obj = Obj {
    name: "OAuth Flows",
    fields: &[
        f("implicit", Kind::Obj(&OAUTH_FLOW)),
        f("password", Kind::Obj(&OAUTH_FLOW)),
        f("clientCredentials", Kind::Obj(&OAUTH_FLOW)),
        f("authorizationCode", Kind::Obj(&OAUTH_FLOW)),
    ],
    misplaced: &[],
};

pub static SECURITY_SCHEME: Obj = Obj {
    name: "Security Scheme",
    fields: &[
        req("type", Kind::OneOf(SECURITY_TYPES)),
        f("description", Kind::Str),
        f("name", Kind::Str),
        f(
            "in",
            Kind::OneOf(&["user", "password", "query", "header", "cookie"]),
        ),
        f("scheme", Kind::Str),
        f("bearerFormat", Kind::Str),
        f("flows", Kind::Obj(&OAUTH_FLOWS)),
        f("openIdConnectUrl", Kind::Str),
        f("scopes", Kind::StrArray),
    ],
    misplaced: &[],
};

pub static MESSAGE_EXAMPLE: Obj = Obj {
    name: "Message Example",
    fields: &[
        f("headers", Kind::Map(&Kind::Any)),
        f("payload", Kind::Any),
        f("name", Kind::Str),
        f("summary", Kind::Str),
    ],
    misplaced: &[],
};

// ---- AsyncAPI 2.x ----

pub static INFO2: Obj = Obj {
    name: "Info",
    fields: &[
        req("title", Kind::Str),
        req("version", Kind::Str),
        f("description", Kind::Str),
        f("termsOfService", Kind::Str),
        f("contact", Kind::Obj(&CONTACT)),
        f("license", Kind::Obj(&LICENSE)),
    ],
    misplaced: &[
        (
            "tags",
            "`info.tags` is AsyncAPI 3.x; in 2.x tags sit at the document root",
        ),
        (
            "externalDocs",
            "`info.externalDocs` is AsyncAPI 3.x; in 2.x it sits at the document root",
        ),
    ],
};

pub static SERVER2: Obj = Obj {
    name: "Server",
    fields: &[
        req("url", Kind::Str),
        req("protocol", Kind::Str),
        f("protocolVersion", Kind::Str),
        f("description", Kind::Str),
        f("variables", Kind::Map(&Kind::RefOr(&SERVER_VARIABLE))),
        f("security", Kind::Array(&Kind::SecurityRequirement)),
        f("tags", Kind::Array(&Kind::Obj(&TAG))),
        f("bindings", Kind::Bindings),
    ],
    misplaced: &[
        ("host", "`host` is AsyncAPI 3.x; a 2.x server has `url`"),
        (
            "pathname",
            "`pathname` is AsyncAPI 3.x; a 2.x server has `url`",
        ),
    ],
};

pub static PARAMETER2: Obj = Obj {
    name: "Parameter",
    fields: &[
        f("description", Kind::Str),
        f("schema", Kind::Schema),
        f("location", Kind::Str),
    ],
    misplaced: &[],
};

pub static MESSAGE_TRAIT2: Obj = Obj {
    name: "Message Trait",
    fields: &[
        f("messageId", Kind::Str),
        f("headers", Kind::Payload),
        f("correlationId", Kind::RefOr(&CORRELATION_ID)),
        f("schemaFormat", Kind::Str),
        f("contentType", Kind::Str),
        f("name", Kind::Str),
        f("title", Kind::Str),
        f("summary", Kind::Str),
        f("description", Kind::Str),
        f("tags", Kind::Array(&Kind::Obj(&TAG))),
        f("externalDocs", Kind::RefOr(&EXTERNAL_DOCS)),
        f("bindings", Kind::Bindings),
        f("examples", Kind::Array(&Kind::Obj(&MESSAGE_EXAMPLE))),
    ],
    misplaced: &[],
};

pub static MESSAGE2: Obj = Obj {
    name: "Message",
    fields: &[
        f("messageId", Kind::Str),
        f("headers", Kind::Payload),
        f("payload", Kind::Payload),
        f("correlationId", Kind::RefOr(&CORRELATION_ID)),
        f("schemaFormat", Kind::Str),
        f("contentType", Kind::Str),
        f("name", Kind::Str),
        f("title", Kind::Str),
        f("summary", Kind::Str),
        f("description", Kind::Str),
        f("tags", Kind::Array(&Kind::Obj(&TAG))),
        f("externalDocs", Kind::RefOr(&EXTERNAL_DOCS)),
        f("bindings", Kind::Bindings),
        f("examples", Kind::Array(&Kind::Obj(&MESSAGE_EXAMPLE))),
        f("traits", Kind::Array(&Kind::RefOr(&MESSAGE_TRAIT2))),
    ],
    misplaced: &[],
};

pub static OPERATION_TRAIT2: Obj = Obj {
    name: "Operation Trait",
    fields: &[
        f("operationId", Kind::Str),
        f("summary", Kind::Str),
        f("description", Kind::Str),
        f("security", Kind::Array(&Kind::SecurityRequirement)),
        f("tags", Kind::Array(&Kind::Obj(&TAG))),
        f("externalDocs", Kind::RefOr(&EXTERNAL_DOCS)),
        f("bindings", Kind::Bindings),
    ],
    misplaced: &[],
};

pub static OPERATION2: Obj = Obj {
    name: "Operation",
    fields: &[
        f("operationId", Kind::Str),
        f("summary", Kind::Str),
        f("description", Kind::Str),
        f("security", Kind::Array(&Kind::SecurityRequirement)),
        f("tags", Kind::Array(&Kind::Obj(&TAG))),
        f("externalDocs", Kind::RefOr(&EXTERNAL_DOCS)),
        f("bindings", Kind::Bindings),
        f("traits", Kind::Array(&Kind::RefOr(&OPERATION_TRAIT2))),
        f("message", Kind::OperationMessage2),
    ],
    misplaced: &[
        (
            "messages",
            "AsyncAPI 2.x operations take one `message` (use `oneOf` for several)",
        ),
        (
            "action",
            "`action` is AsyncAPI 3.x; in 2.x the key `publish` or `subscribe` says it",
        ),
        (
            "channel",
            "`channel` is AsyncAPI 3.x; a 2.x operation sits inside its channel",
        ),
    ],
};

pub static CHANNEL2: Obj = Obj {
    name: "Channel Item",
    fields: &[
        f("$ref", Kind::Str),
        f("description", Kind::Str),
        f("servers", Kind::StrArray),
        f("subscribe", Kind::Obj(&OPERATION2)),
        f("publish", Kind::Obj(&OPERATION2)),
        f("parameters", Kind::Map(&Kind::RefOr(&PARAMETER2))),
        f("bindings", Kind::Bindings),
    ],
    misplaced: &[
        (
            "address",
            "`address` is AsyncAPI 3.x; in 2.x the channel's key is its address",
        ),
        (
            "messages",
            "`messages` on a channel is AsyncAPI 3.x; in 2.x use `publish`/`subscribe` with `message`",
        ),
        ("title", "`title` on a channel is AsyncAPI 3.x"),
        ("summary", "`summary` on a channel is AsyncAPI 3.x"),
        (
            "oneOf",
            "`oneOf` belongs under the operation's `message`: it is read there (indent it under `message`)",
        ),
    ],
};

pub static COMPONENTS2: Obj = Obj {
    name: "Components",
    fields: &[
        f("schemas", Kind::Map(&Kind::Schema)),
        f("servers", Kind::Map(&Kind::RefOr(&SERVER2))),
        f("serverVariables", Kind::Map(&Kind::RefOr(&SERVER_VARIABLE))),
        f("channels", Kind::Map(&Kind::RefOr(&CHANNEL2))),
        f("messages", Kind::Map(&Kind::RefOr(&MESSAGE2))),
        f("securitySchemes", Kind::Map(&Kind::RefOr(&SECURITY_SCHEME))),
        f("parameters", Kind::Map(&Kind::RefOr(&PARAMETER2))),
        f("correlationIds", Kind::Map(&Kind::RefOr(&CORRELATION_ID))),
        f(
            "operationTraits",
            Kind::Map(&Kind::RefOr(&OPERATION_TRAIT2)),
        ),
        f("messageTraits", Kind::Map(&Kind::RefOr(&MESSAGE_TRAIT2))),
        f("serverBindings", Kind::Map(&Kind::Bindings)),
        f("channelBindings", Kind::Map(&Kind::Bindings)),
        f("operationBindings", Kind::Map(&Kind::Bindings)),
        f("messageBindings", Kind::Map(&Kind::Bindings)),
    ],
    misplaced: &[
        ("operations", "`components.operations` is AsyncAPI 3.x"),
        ("replies", "`components.replies` is AsyncAPI 3.x"),
        (
            "replyAddresses",
            "`components.replyAddresses` is AsyncAPI 3.x",
        ),
    ],
};

pub static ROOT2: Obj = Obj {
    name: "AsyncAPI",
    fields: &[
        req("asyncapi", Kind::Str),
        f("id", Kind::Str),
        req("info", Kind::Obj(&INFO2)),
        f("servers", Kind::Map(&Kind::RefOr(&SERVER2))),
        f("defaultContentType", Kind::Str),
        req("channels", Kind::Map(&Kind::RefOr(&CHANNEL2))),
        f("components", Kind::Obj(&COMPONENTS2)),
        f("tags", Kind::Array(&Kind::Obj(&TAG))),
        f("externalDocs", Kind::RefOr(&EXTERNAL_DOCS)),
    ],
    misplaced: &[(
        "operations",
        "`operations` at the root is AsyncAPI 3.x; in 2.x operations sit in channels as `publish`/`subscribe`",
    )],
};

// ---- AsyncAPI 3.x ----

pub static INFO3: Obj = Obj {
    name: "Info",
    fields: &[
        req("title", Kind::Str),
        req("version", Kind::Str),
        f("description", Kind::Str),
        f("termsOfService", Kind::Str),
        f("contact", Kind::Obj(&CONTACT)),
        f("license", Kind::Obj(&LICENSE)),
        f("tags", Kind::Array(&Kind::RefOr(&TAG))),
        f("externalDocs", Kind::RefOr(&EXTERNAL_DOCS)),
    ],
    misplaced: &[],
};

pub static SERVER3: Obj = Obj {
    name: "Server",
    fields: &[
        req("host", Kind::Str),
        req("protocol", Kind::Str),
        f("protocolVersion", Kind::Str),
        f("pathname", Kind::Str),
        f("description", Kind::Str),
        f("title", Kind::Str),
        f("summary", Kind::Str),
        f("variables", Kind::Map(&Kind::RefOr(&SERVER_VARIABLE))),
        f("security", Kind::Array(&Kind::RefOr(&SECURITY_SCHEME))),
        f("tags", Kind::Array(&Kind::RefOr(&TAG))),
        f("externalDocs", Kind::RefOr(&EXTERNAL_DOCS)),
        f("bindings", Kind::Bindings),
    ],
    misplaced: &[(
        "url",
        "`url` is AsyncAPI 2.x; a 3.x server has `host` (and `pathname`)",
    )],
};

pub static PARAMETER3: Obj = Obj {
    name: "Parameter",
    fields: &[
        f("enum", Kind::StrArray),
        f("default", Kind::Str),
        f("description", Kind::Str),
        f("examples", Kind::StrArray),
        f("location", Kind::Str),
    ],
    misplaced: &[(
        "schema",
        "`schema` on a parameter is AsyncAPI 2.x; 3.x parameters take `enum`, `default` and `examples` directly",
    )],
};

pub static MESSAGE_TRAIT3: Obj = Obj {
    name: "Message Trait",
    fields: &[
        f("headers", Kind::Payload),
        f("correlationId", Kind::RefOr(&CORRELATION_ID)),
        f("contentType", Kind::Str),
        f("name", Kind::Str),
        f("title", Kind::Str),
        f("summary", Kind::Str),
        f("description", Kind::Str),
        f("tags", Kind::Array(&Kind::RefOr(&TAG))),
        f("externalDocs", Kind::RefOr(&EXTERNAL_DOCS)),
        f("bindings", Kind::Bindings),
        f("examples", Kind::Array(&Kind::Obj(&MESSAGE_EXAMPLE))),
    ],
    misplaced: &[(
        "messageId",
        "`messageId` is AsyncAPI 2.x; in 3.x a message is identified by its key",
    )],
};

pub static MESSAGE3: Obj = Obj {
    name: "Message",
    fields: &[
        f("headers", Kind::Payload),
        f("payload", Kind::Payload),
        f("correlationId", Kind::RefOr(&CORRELATION_ID)),
        f("contentType", Kind::Str),
        f("name", Kind::Str),
        f("title", Kind::Str),
        f("summary", Kind::Str),
        f("description", Kind::Str),
        f("tags", Kind::Array(&Kind::RefOr(&TAG))),
        f("externalDocs", Kind::RefOr(&EXTERNAL_DOCS)),
        f("bindings", Kind::Bindings),
        f("examples", Kind::Array(&Kind::Obj(&MESSAGE_EXAMPLE))),
        f("traits", Kind::Array(&Kind::RefOr(&MESSAGE_TRAIT3))),
    ],
    misplaced: &[
        (
            "messageId",
            "`messageId` is AsyncAPI 2.x; in 3.x a message is identified by its key",
        ),
        (
            "schemaFormat",
            "in 3.x `schemaFormat` moved into a Multi Format Schema Object under `payload`",
        ),
    ],
};

pub static OPERATION_TRAIT3: Obj = Obj {
    name: "Operation Trait",
    fields: &[
        f("title", Kind::Str),
        f("summary", Kind::Str),
        f("description", Kind::Str),
        f("security", Kind::Array(&Kind::RefOr(&SECURITY_SCHEME))),
        f("tags", Kind::Array(&Kind::RefOr(&TAG))),
        f("externalDocs", Kind::RefOr(&EXTERNAL_DOCS)),
        f("bindings", Kind::Bindings),
    ],
    misplaced: &[],
};

pub static REPLY_ADDRESS3: Obj = Obj {
    name: "Operation Reply Address",
    fields: &[f("description", Kind::Str), req("location", Kind::Str)],
    misplaced: &[],
};

pub static REPLY3: Obj = Obj {
    name: "Operation Reply",
    fields: &[
        f("address", Kind::RefOr(&REPLY_ADDRESS3)),
        f("channel", Kind::Ref),
        f("messages", Kind::Array(&Kind::Ref)),
    ],
    misplaced: &[],
};

pub static OPERATION3: Obj = Obj {
    name: "Operation",
    fields: &[
        req("action", Kind::OneOf(&["send", "receive"])),
        req("channel", Kind::Ref),
        f("title", Kind::Str),
        f("summary", Kind::Str),
        f("description", Kind::Str),
        f("security", Kind::Array(&Kind::RefOr(&SECURITY_SCHEME))),
        f("tags", Kind::Array(&Kind::RefOr(&TAG))),
        f("externalDocs", Kind::RefOr(&EXTERNAL_DOCS)),
        f("bindings", Kind::Bindings),
        f("traits", Kind::Array(&Kind::RefOr(&OPERATION_TRAIT3))),
        f("messages", Kind::Array(&Kind::Ref)),
        f("reply", Kind::RefOr(&REPLY3)),
    ],
    misplaced: &[
        (
            "operationId",
            "`operationId` is AsyncAPI 2.x; in 3.x an operation is identified by its key",
        ),
        (
            "message",
            "`message` is AsyncAPI 2.x; 3.x operations list `messages` as references",
        ),
    ],
};

pub static CHANNEL3: Obj = Obj {
    name: "Channel",
    fields: &[
        f("address", Kind::NullableStr),
        f("messages", Kind::Map(&Kind::RefOr(&MESSAGE3))),
        f("title", Kind::Str),
        f("summary", Kind::Str),
        f("description", Kind::Str),
        f("servers", Kind::Array(&Kind::Ref)),
        f("parameters", Kind::Map(&Kind::RefOr(&PARAMETER3))),
        f("tags", Kind::Array(&Kind::RefOr(&TAG))),
        f("externalDocs", Kind::RefOr(&EXTERNAL_DOCS)),
        f("bindings", Kind::Bindings),
    ],
    misplaced: &[
        (
            "publish",
            "`publish` is AsyncAPI 2.x; in 3.x declare an operation with `action: receive` under `operations`",
        ),
        (
            "subscribe",
            "`subscribe` is AsyncAPI 2.x; in 3.x declare an operation with `action: send` under `operations`",
        ),
    ],
};

pub static COMPONENTS3: Obj = Obj {
    name: "Components",
    fields: &[
        f("schemas", Kind::Map(&Kind::Payload)),
        f("servers", Kind::Map(&Kind::RefOr(&SERVER3))),
        f("channels", Kind::Map(&Kind::RefOr(&CHANNEL3))),
        f("operations", Kind::Map(&Kind::RefOr(&OPERATION3))),
        f("messages", Kind::Map(&Kind::RefOr(&MESSAGE3))),
        f("securitySchemes", Kind::Map(&Kind::RefOr(&SECURITY_SCHEME))),
        f("serverVariables", Kind::Map(&Kind::RefOr(&SERVER_VARIABLE))),
        f("parameters", Kind::Map(&Kind::RefOr(&PARAMETER3))),
        f("correlationIds", Kind::Map(&Kind::RefOr(&CORRELATION_ID))),
        f("replies", Kind::Map(&Kind::RefOr(&REPLY3))),
        f("replyAddresses", Kind::Map(&Kind::RefOr(&REPLY_ADDRESS3))),
        f("externalDocs", Kind::Map(&Kind::RefOr(&EXTERNAL_DOCS))),
        f("tags", Kind::Map(&Kind::RefOr(&TAG))),
        f(
            "operationTraits",
            Kind::Map(&Kind::RefOr(&OPERATION_TRAIT3)),
        ),
        f("messageTraits", Kind::Map(&Kind::RefOr(&MESSAGE_TRAIT3))),
        f("serverBindings", Kind::Map(&Kind::Bindings)),
        f("channelBindings", Kind::Map(&Kind::Bindings)),
        f("operationBindings", Kind::Map(&Kind::Bindings)),
        f("messageBindings", Kind::Map(&Kind::Bindings)),
    ],
    misplaced: &[],
};

pub static ROOT3: Obj = Obj {
    name: "AsyncAPI",
    fields: &[
        req("asyncapi", Kind::Str),
        f("id", Kind::Str),
        req("info", Kind::Obj(&INFO3)),
        f("servers", Kind::Map(&Kind::RefOr(&SERVER3))),
        f("defaultContentType", Kind::Str),
        f("channels", Kind::Map(&Kind::RefOr(&CHANNEL3))),
        f("operations", Kind::Map(&Kind::RefOr(&OPERATION3))),
        f("components", Kind::Obj(&COMPONENTS3)),
    ],
    misplaced: &[
        ("tags", "in AsyncAPI 3.x `tags` moved into `info`"),
        (
            "externalDocs",
            "in AsyncAPI 3.x `externalDocs` moved into `info`",
        ),
    ],
};

pub static MESSAGE2_OR_REF: Kind = Kind::RefOr(&MESSAGE2);
pub static EXTERNAL_DOCS_OR_REF: Kind = Kind::RefOr(&EXTERNAL_DOCS);
