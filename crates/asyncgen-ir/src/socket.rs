//! Websocket connections: what a client of the described application sends and receives on one
//! socket, derived once here so the client, the mock server and the type space agree.
//!
//! A websocket is one connection carrying every channel of a server, so a socket gathers the
//! messages of all of them: the client receives what the described application sends (events)
//! plus the replies to what it receives (acks, errors); the client sends what the described
//! application receives. Servers that serve the same channels (sandbox and production) are one
//! socket with several URLs.

use asyncgen_spec::extensions::{Heartbeat, Reconnect, TokenExpiry};
use indexmap::IndexMap;

use crate::model::{Api, Direction, Origin, Server, extension};

/// One websocket connection a client opens.
#[derive(Debug, Clone, PartialEq)]
pub struct Socket {
    /// Unique among the document's sockets: the first server's key.
    pub key: String,
    /// The servers (keys) a client may connect to, in document order.
    pub servers: Vec<String>,
    /// Channels carried on the connection, in document order.
    pub channels: Vec<String>,
    /// Messages a client receives: the described application's sends, then replies.
    pub incoming: Vec<String>,
    /// Of `incoming`, those that answer a client's message (acks and errors).
    pub replies: Vec<String>,
    /// Messages a client sends.
    pub outgoing: Vec<String>,
    pub reconnect: Option<Reconnect>,
    pub heartbeat: Option<Heartbeat>,
    pub token_expiry: Option<TokenExpiry>,
    pub origin: Origin,
}

/// Every websocket connection of `api`.
pub fn sockets(api: &Api) -> Vec<Socket> {
    // Channel set → servers carrying exactly those channels.
    let mut groups: IndexMap<Vec<String>, Vec<&Server>> = IndexMap::new();
    for server in api.servers.values().filter(|s| is_ws(&s.protocol)) {
        let channels: Vec<String> = api
            .channels
            .values()
            .filter(|c| c.servers.is_empty() || c.servers.contains(&server.key))
            .map(|c| c.key.clone())
            .collect();
        if !channels.is_empty() {
            groups.entry(channels).or_default().push(server);
        }
    }
    groups
        .into_iter()
        .filter_map(|(channels, servers)| socket(api, channels, &servers))
        .collect()
}

fn is_ws(protocol: &str) -> bool {
    matches!(protocol.to_ascii_lowercase().as_str(), "ws" | "wss")
}

fn socket(api: &Api, channels: Vec<String>, servers: &[&Server]) -> Option<Socket> {
    let first = servers.first()?;
    let mut incoming = Vec::new();
    let mut replies = Vec::new();
    let mut outgoing = Vec::new();
    let push = |list: &mut Vec<String>, m: &String| {
        if !list.contains(m) {
            list.push(m.clone());
        }
    };
    for op in api
        .operations
        .values()
        .filter(|o| channels.contains(&o.channel))
    {
        match op.direction {
            Direction::Send => op.messages.iter().for_each(|m| push(&mut incoming, m)),
            Direction::Receive => {
                op.messages.iter().for_each(|m| push(&mut outgoing, m));
                for m in op.reply.iter().flat_map(|r| &r.messages) {
                    push(&mut replies, m);
                }
            }
        }
    }
    for m in &replies {
        push(&mut incoming, m);
    }
    if incoming.is_empty() && outgoing.is_empty() {
        return None;
    }
    Some(Socket {
        key: first.key.clone(),
        servers: servers.iter().map(|s| s.key.clone()).collect(),
        channels,
        incoming,
        replies,
        outgoing,
        reconnect: extension(&first.extensions),
        heartbeat: extension(&first.extensions),
        token_expiry: extension(&first.extensions),
        origin: first.origin.clone(),
    })
}
