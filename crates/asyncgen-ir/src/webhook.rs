//! Webhook endpoints: the URLs a provider POSTs its messages to, derived once here so the
//! receiver, the sender and the type space agree on what arrives where and how it is secured.
//!
//! A webhook is posted to a URL the customer registers, so the server is that URL and
//! channels usually have no address of their own: every message the described application
//! sends on the channels of an HTTP server arrives at the server's path, and a receiver tells
//! them apart from the body. Channels whose address is a path (it starts with `/`) get a route
//! of their own below it; other addresses (2.x channel names such as `call-events`) are
//! logical names, not URL segments.

use asyncgen_spec::extensions::{BodyToken, Delivery, Duration, Jwt, ResolvedSignature, Signature};
use indexmap::IndexMap;

use crate::model::{
    Api, Direction, Operation, Origin, SecurityRequirement, SecurityScheme, Server, extension,
};

/// One URL that receives webhooks.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// Unique among the document's endpoints: the server key, with the first channel's key
    /// when the server has routes below several paths.
    pub key: String,
    /// The route: the server's path (variables replaced by their defaults) joined with the
    /// channel address; `/` when the server names no path.
    pub path: String,
    /// Channels served at this path, in document order.
    pub channels: Vec<String>,
    /// Messages the described application sends here, in document order, each once.
    pub messages: Vec<String>,
    /// How each request is authenticated; `None` when neither the server nor the operations
    /// arriving here declare a scheme a receiver can verify (it then refuses to start unless
    /// the application opts out of verification).
    pub security: Option<WebhookSecurity>,
    /// Security schemes the server or the operations require that no `x-asyncgen-*` extension
    /// says how to verify (a receiver cannot check them; generators document it).
    pub unverified: Vec<String>,
    /// Operations arriving here whose security requirements differ from the first one's: one
    /// receiver cannot verify them differently, so each is an error for the user to resolve.
    pub security_conflicts: Vec<SecurityConflict>,
    /// The provider's timeout and retry schedule, from the server or an operation.
    pub delivery: Option<Delivery>,
    /// Per message arriving here whose operation expects a synchronous reply (AsyncAPI 3
    /// `reply`, 2.x `x-asyncgen-reply`): the reply's messages. The provider reads the reply
    /// from the response, so the receiver's handler returns it.
    pub replies: IndexMap<String, Vec<String>>,
    pub origin: Origin,
}

/// Two operations of one endpoint that require different security.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityConflict {
    /// The operation whose requirements the endpoint takes (the first in document order).
    pub first: String,
    pub first_origin: Origin,
    /// An operation that requires something else.
    pub operation: String,
    pub origin: Origin,
}

/// A security scheme a receiver can verify and a sender can apply.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookSecurity {
    /// The scheme's key in `components/securitySchemes`: it names the secret's variable.
    pub key: String,
    pub description: Option<String>,
    pub kind: SecurityKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SecurityKind {
    /// A signature of the request (`x-asyncgen-signature`, its preset applied).
    Signature(ResolvedSignature),
    /// The body is a JWT whose claims are the payload.
    Jwt(Jwt),
    /// A shared token inside the body.
    BodyToken(BodyToken),
}

/// Every webhook endpoint of `api`, in server order.
pub fn endpoints(api: &Api) -> Vec<Endpoint> {
    endpoints_at(api, None)
}

/// Every webhook endpoint of `api`; for a document that declares no server at all, those at
/// `unregistered` when given (see [`SERVERLESS_KEY`]), else none.
pub fn endpoints_at(api: &Api, unregistered: Option<&str>) -> Vec<Endpoint> {
    if api.servers.is_empty() {
        return unregistered
            .and_then(|path| serverless(api, path))
            .map(|server| server_endpoints(api, &server))
            .unwrap_or_default();
    }
    api.servers
        .values()
        .filter(|s| is_http(&s.protocol))
        .flat_map(|server| server_endpoints(api, server))
        .collect()
}

/// The key of the endpoint of a document without servers. Providers publish webhook documents
/// without servers because the URL is the customer's: asked for a receiver, such a document is
/// read as if one HTTP server at the user's route carried every channel, so the messages the
/// described application sends arrive there (channels whose address is a path, below it).
pub const SERVERLESS_KEY: &str = "webhook";

/// The server a document without servers is read as having; `None` when the described
/// application sends nothing. It stands where the first sending operation is written, which
/// is where a diagnostic about it points.
fn serverless(api: &Api, path: &str) -> Option<Server> {
    let first = api
        .operations
        .values()
        .find(|o| o.direction == Direction::Send)?;
    Some(Server {
        key: SERVERLESS_KEY.to_owned(),
        host: String::new(),
        protocol: "https".to_owned(),
        protocol_version: None,
        pathname: Some(path.to_owned()),
        description: None,
        variables: IndexMap::new(),
        security: Vec::new(),
        bindings: IndexMap::new(),
        extensions: IndexMap::new(),
        origin: first.origin.clone(),
    })
}

fn is_http(protocol: &str) -> bool {
    matches!(protocol.to_ascii_lowercase().as_str(), "http" | "https")
}

fn server_endpoints(api: &Api, server: &Server) -> Vec<Endpoint> {
    let base = server_path(server);
    // Path → (channels, messages), in channel order.
    let mut routes: IndexMap<String, (Vec<String>, Vec<String>)> = IndexMap::new();
    for channel in api.channels.values() {
        if !(channel.servers.is_empty() || channel.servers.contains(&server.key)) {
            continue;
        }
        let sent: Vec<&String> = api
            .operations
            .values()
            .filter(|o| o.direction == Direction::Send && o.channel == channel.key)
            .flat_map(|o| &o.messages)
            .collect();
        if sent.is_empty() {
            continue;
        }
        let path = join_path(&base, channel.address.as_deref());
        let (channels, messages) = routes.entry(path).or_default();
        channels.push(channel.key.clone());
        for m in sent {
            if !messages.contains(m) {
                messages.push(m.clone());
            }
        }
    }
    let several = routes.len() > 1;
    routes
        .into_iter()
        .map(|(path, (channels, messages))| {
            let arriving = arriving(api, &channels);
            let (requirements, security_conflicts) = requirements(server, &arriving);
            let (security, unverified) = security(api, &requirements);
            Endpoint {
                key: if several {
                    format!("{}_{}", server.key, channels[0])
                } else {
                    server.key.clone()
                },
                delivery: delivery(&arriving, server)
                    .or_else(|| security.as_ref().and_then(preset_delivery)),
                replies: replies(&arriving),
                path,
                channels,
                messages,
                security,
                unverified,
                security_conflicts,
                // Without servers, the first operation arriving here is what the user wrote.
                origin: match arriving.first() {
                    Some(o) if api.servers.is_empty() => o.origin.clone(),
                    _ => server.origin.clone(),
                },
            }
        })
        .collect()
}

/// The reply each arriving message expects: its first operation's with a reply.
fn replies(arriving: &[&Operation]) -> IndexMap<String, Vec<String>> {
    let mut out = IndexMap::new();
    for op in arriving {
        let Some(reply) = op.reply.as_ref().filter(|r| !r.messages.is_empty()) else {
            continue;
        };
        for m in &op.messages {
            out.entry(m.clone())
                .or_insert_with(|| reply.messages.clone());
        }
    }
    out
}

/// The operations whose messages arrive on `channels`, in document order.
fn arriving<'a>(api: &'a Api, channels: &[String]) -> Vec<&'a Operation> {
    api.operations
        .values()
        .filter(|o| o.direction == Direction::Send && channels.contains(&o.channel))
        .collect()
}

/// What a request to the endpoint must satisfy: the server's requirements and those of the
/// operations arriving there, both at once (any alternative of each). Operations that
/// disagree are conflicts; the first one's requirements stand meanwhile.
fn requirements(
    server: &Server,
    arriving: &[&Operation],
) -> (Vec<SecurityRequirement>, Vec<SecurityConflict>) {
    let Some((first, rest)) = arriving.split_first() else {
        return (server.security.clone(), Vec::new());
    };
    let conflicts = rest
        .iter()
        .filter(|o| o.security != first.security)
        .map(|o| SecurityConflict {
            first: first.key.clone(),
            first_origin: first.origin.clone(),
            operation: o.key.clone(),
            origin: o.origin.clone(),
        })
        .collect();
    (both(&server.security, &first.security), conflicts)
}

/// Requirements that must all hold, each a list of alternatives: every pairing of an
/// alternative of one with an alternative of the other. An empty list requires nothing.
fn both(a: &[SecurityRequirement], b: &[SecurityRequirement]) -> Vec<SecurityRequirement> {
    if a.is_empty() {
        return b.to_vec();
    }
    if b.is_empty() {
        return a.to_vec();
    }
    a.iter()
        .flat_map(|x| {
            b.iter().map(move |y| {
                let mut schemes = x.schemes.clone();
                schemes.extend(y.schemes.iter().filter(|s| !x.schemes.contains(s)).cloned());
                SecurityRequirement { schemes }
            })
        })
        .collect()
}

/// The server's path with its variables' defaults: 3.x `pathname`, or the path of a 2.x `url`.
fn server_path(server: &Server) -> String {
    let substitute = |text: &str| {
        let mut out = text.to_owned();
        for (name, variable) in &server.variables {
            if let Some(default) = &variable.default {
                out = out.replace(&format!("{{{name}}}"), default);
            }
        }
        out
    };
    let path = match &server.pathname {
        Some(p) => substitute(p),
        None => {
            let url = substitute(&server.host);
            let after_scheme = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
            after_scheme
                .find('/')
                .map_or(String::new(), |i| after_scheme[i..].to_owned())
        }
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    // A variable without a default leaves the path unknown: serve the root.
    if path.contains(['{', '}']) || path.is_empty() {
        "/".to_owned()
    } else if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    }
}

fn join_path(base: &str, address: Option<&str>) -> String {
    let path = address.filter(|a| a.starts_with('/'));
    match path.map(|a| a.trim_matches('/')).filter(|a| !a.is_empty()) {
        None => base.to_owned(),
        Some(tail) => format!("{}/{tail}", base.trim_end_matches('/')),
    }
}

/// The first scheme of the requirements that an extension makes verifiable; the rest of the
/// schemes up to the chosen requirement are reported as unverified.
fn security(
    api: &Api,
    requirements: &[SecurityRequirement],
) -> (Option<WebhookSecurity>, Vec<String>) {
    let mut chosen = None;
    let mut unverified = Vec::new();
    for requirement in requirements {
        for used in &requirement.schemes {
            let Some(scheme) = api.security_schemes.get(&used.scheme) else {
                continue;
            };
            // A second verifiable scheme of the same requirement is one the receiver does not
            // check either: listed, so the generated docs say so.
            match webhook_security(scheme) {
                Some(s) if chosen.is_none() => chosen = Some(s),
                _ if !unverified.contains(&scheme.key) => unverified.push(scheme.key.clone()),
                _ => {}
            }
        }
        if chosen.is_some() {
            break;
        }
    }
    (chosen, unverified)
}

fn webhook_security(scheme: &SecurityScheme) -> Option<WebhookSecurity> {
    let kind = if let Some(signature) = extension::<Signature>(&scheme.extensions) {
        // The scheme's `name` says where the signature is when the scheme is a header key.
        let header = (scheme.kind == "httpApiKey" && scheme.location.as_deref() == Some("header"))
            .then_some(scheme.name.as_deref())
            .flatten();
        SecurityKind::Signature(signature.resolve(header)?)
    } else if let Some(jwt) = extension::<Jwt>(&scheme.extensions) {
        SecurityKind::Jwt(jwt)
    } else {
        SecurityKind::BodyToken(extension::<BodyToken>(&scheme.extensions)?)
    };
    Some(WebhookSecurity {
        key: scheme.key.clone(),
        description: scheme.description.clone(),
        kind,
    })
}

impl Endpoint {
    /// The request header in which the provider of this endpoint's signature preset names the
    /// event type (`X-GitHub-Event`), where it has one.
    pub fn event_header(&self) -> Option<&'static str> {
        let SecurityKind::Signature(signature) = &self.security.as_ref()?.kind else {
            return None;
        };
        asyncgen_signature::preset(signature.preset?)?.event_header
    }
}

/// Secures with the signature preset `preset` every endpoint that declares nothing verifiable
/// (the `verify` option): as if its server named a scheme `<preset>Signature` whose
/// `x-asyncgen-signature` is `{preset: NAME}`. `None` when there is no such preset.
pub fn verify_undeclared<'a>(
    endpoints: impl IntoIterator<Item = &'a mut Endpoint>,
    preset: &str,
) -> Option<()> {
    use heck::ToLowerCamelCase;
    let signature = Signature {
        preset: Some(preset.to_owned()),
        ..Signature::default()
    }
    .resolve(None)?;
    let key = format!("{}Signature", preset.to_lower_camel_case());
    for e in endpoints.into_iter().filter(|e| e.security.is_none()) {
        let security = WebhookSecurity {
            key: key.clone(),
            description: Some(format!(
                "The `{preset}` signature preset, given by the `verify` option: the document declares no security a receiver can verify."
            )),
            kind: SecurityKind::Signature(signature.clone()),
        };
        if e.delivery.is_none() {
            e.delivery = preset_delivery(&security);
        }
        e.security = Some(security);
    }
    Some(())
}

/// The delivery of the preset an endpoint's signature names, where the provider documents
/// one: what its sender imitates when the document says nothing.
fn preset_delivery(security: &WebhookSecurity) -> Option<Delivery> {
    let SecurityKind::Signature(signature) = &security.kind else {
        return None;
    };
    let delivery = asyncgen_signature::preset(signature.preset?)?.delivery?;
    Some(Delivery {
        timeout: Duration::secs(delivery.timeout_secs),
        retries: delivery
            .retries_secs
            .iter()
            .map(|s| Duration::secs(*s))
            .collect(),
    })
}

/// An arriving operation's `x-asyncgen-delivery` wins over the server's.
fn delivery(arriving: &[&Operation], server: &Server) -> Option<Delivery> {
    arriving
        .iter()
        .find_map(|o| extension::<Delivery>(&o.extensions))
        .or_else(|| extension::<Delivery>(&server.extensions))
}
