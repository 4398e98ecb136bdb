//! Message unions for the protocol views: one per webhook endpoint and one or two per
//! websocket, each with a catch-all so an unknown message never fails a delivery or a reader.

use super::convert::Converter;
use super::model::SocketTypes;

impl<'a> Converter<'a> {
    /// One union per webhook endpoint over every message that arrives there, even a single
    /// one: its catch-all is what keeps an unknown event from failing a delivery.
    pub(super) fn endpoints(&mut self) {
        let endpoints = crate::webhook::endpoints(self.api);
        let several = endpoints.len() > 1;
        for e in endpoints {
            let name = scoped(several, &e.key, "webhook event");
            let id = self.message_union(&name, &e.messages, &e.origin);
            self.space.types[id.0].docs.description = Some(format!(
                "A webhook event arriving at `{}`: one of its messages, or an unknown event kept as received.",
                e.path
            ));
            self.space.endpoints.insert(e.key, id);
        }
    }

    /// Per websocket, one union over what a client receives and one over what it sends, each
    /// with its catch-all, so a new event or reply never breaks the connection's reader.
    pub(super) fn sockets(&mut self) {
        let sockets = crate::socket::sockets(self.api);
        let several = sockets.len() > 1;
        for s in sockets {
            let incoming = self.message_union(
                &scoped(several, &s.key, "server message"),
                &s.incoming,
                &s.origin,
            );
            self.space.types[incoming.0].docs.description = Some(
                "A message the server sends on the websocket: an event or a reply, or an unknown message kept as received.".to_owned(),
            );
            let outgoing = (!s.outgoing.is_empty()).then(|| {
                let id = self.message_union(
                    &scoped(several, &s.key, "client message"),
                    &s.outgoing,
                    &s.origin,
                );
                self.space.types[id.0].docs.description =
                    Some("A message a client sends on the websocket.".to_owned());
                id
            });
            self.space
                .sockets
                .insert(s.key, SocketTypes { incoming, outgoing });
        }
    }
}

/// A union's name: `what`, after the view's key when the document has several such views.
fn scoped(several: bool, key: &str, what: &str) -> String {
    if several {
        format!("{key} {what}")
    } else {
        what.to_owned()
    }
}
