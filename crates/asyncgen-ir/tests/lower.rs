//! Lowering semantics a generator relies on: one direction model for 2.x and 3.x, traits
//! applied with each version's precedence, ids, content types and security.

use asyncgen_ir::{Api, Direction};

fn lower(text: &str) -> Api {
    let loaded = asyncgen_spec::load_str(
        "doc.yml",
        text,
        std::path::Path::new("."),
        &Default::default(),
    );
    assert!(
        !loaded.diagnostics.has_errors(),
        "{:#?}",
        loaded.diagnostics
    );
    asyncgen_ir::lower(&loaded).expect("valid document")
}

#[test]
fn v2_publish_is_receive_and_subscribe_is_send() {
    let api = lower(
        r#"
asyncapi: 2.6.0
info: {title: t, version: '1'}
defaultContentType: application/json
channels:
  in:
    publish:
      operationId: takeOrder
      message: {payload: {type: string}}
  out:
    subscribe:
      message:
        oneOf:
          - {messageId: shipped, payload: {type: string}}
          - {messageId: cancelled, contentType: text/plain, payload: {type: string}}
"#,
    );
    let take = &api.operations["takeOrder"];
    assert_eq!(
        (take.direction, take.channel.as_str()),
        (Direction::Receive, "in")
    );
    assert_eq!(take.messages, ["takeOrderMessage"]);
    let out = &api.operations["out_subscribe"];
    assert_eq!(out.direction, Direction::Send);
    assert_eq!(out.messages, ["shipped", "cancelled"]);
    assert_eq!(
        api.messages["shipped"].content_type.as_deref(),
        Some("application/json")
    );
    assert_eq!(
        api.messages["cancelled"].content_type.as_deref(),
        Some("text/plain")
    );
}

#[test]
fn v3_send_and_receive_keep_their_meaning() {
    let api = lower(
        r#"
asyncapi: 3.0.0
info: {title: t, version: '1'}
channels:
  c:
    address: 'x/{id}'
    parameters: {id: {enum: [a, b], default: a}}
    messages:
      m: {payload: {type: string}}
operations:
  produce: {action: send, channel: {$ref: '#/channels/c'}}
  consume: {action: receive, channel: {$ref: '#/channels/c'}, messages: [{$ref: '#/channels/c/messages/m'}]}
"#,
    );
    assert_eq!(api.operations["produce"].direction, Direction::Send);
    // No `messages` means every message of the channel.
    assert_eq!(api.operations["produce"].messages, ["m"]);
    assert_eq!(api.operations["consume"].direction, Direction::Receive);
    assert_eq!(api.channels["c"].parameters["id"].allowed, ["a", "b"]);
}

#[test]
fn v2_traits_override_the_message_and_v3_messages_override_traits() {
    let doc = |version: &str, ops: &str| {
        format!(
            r#"
asyncapi: {version}
info: {{title: t, version: '1'}}
channels:
  c:
{ops}
components:
  messageTraits:
    tr: {{summary: from trait, description: only in trait}}
  messages:
    m:
      summary: from message
      payload: {{type: string}}
      traits: [{{$ref: '#/components/messageTraits/tr'}}]
"#
        )
    };
    let v2 = lower(&doc(
        "2.6.0",
        "    subscribe:\n      message: {$ref: '#/components/messages/m'}",
    ));
    assert_eq!(v2.messages["m"].summary.as_deref(), Some("from trait"));
    assert_eq!(
        v2.messages["m"].description.as_deref(),
        Some("only in trait")
    );
    let v3 = lower(&doc(
        "3.0.0",
        "    messages:\n      m: {$ref: '#/components/messages/m'}\noperations:\n  o: {action: send, channel: {$ref: '#/channels/c'}}",
    ));
    assert_eq!(v3.messages["m"].summary.as_deref(), Some("from message"));
    assert_eq!(
        v3.messages["m"].description.as_deref(),
        Some("only in trait")
    );
}

#[test]
fn security_requirements_name_their_schemes() {
    let api = lower(
        r#"
asyncapi: 3.1.0
info: {title: t, version: '1'}
servers:
  prod:
    host: example.com
    protocol: wss
    security:
      - $ref: '#/components/securitySchemes/token'
      - {type: http, scheme: bearer}
components:
  securitySchemes:
    token: {type: httpApiKey, in: query, name: token}
"#,
    );
    let server = &api.servers["prod"];
    let names: Vec<&str> = server
        .security
        .iter()
        .map(|r| r.schemes[0].scheme.as_str())
        .collect();
    assert_eq!(names, ["token", "prod_security_2"]);
    assert_eq!(
        api.security_schemes["token"].location.as_deref(),
        Some("query")
    );
    assert_eq!(api.security_schemes["prod_security_2"].kind, "http");
}

#[test]
fn unreferenced_components_are_still_collected_and_extensions_kept() {
    let api = lower(
        r#"
asyncapi: 3.1.0
info: {title: t, version: '1', x-team: core}
x-root: 1
components:
  schemas:
    Lonely: {type: integer}
  messages:
    Alone: {payload: {$ref: '#/components/schemas/Lonely'}, x-note: kept}
"#,
    );
    assert!(
        api.schemas
            .get(&asyncgen_ir::SchemaRef(
                "doc.yml#/components/schemas/Lonely".into()
            ))
            .is_some()
    );
    assert_eq!(api.messages["Alone"].extensions["x-note"], "kept");
    assert_eq!(api.info.extensions["x-team"], "core");
    assert_eq!(api.extensions["x-root"], 1);
}

#[test]
fn documents_with_errors_are_not_lowered() {
    let loaded = asyncgen_spec::load_str(
        "doc.yml",
        "asyncapi: 3.1.0\n",
        std::path::Path::new("."),
        &Default::default(),
    );
    assert!(asyncgen_ir::lower(&loaded).is_err());
}
