//! A document with two websockets, each with its own `x-asyncgen-topic` type: each socket's
//! subscription protocol and generated client and mock use that socket's topic type, not the
//! first one of the document.

use std::path::Path;

use asyncgen_ir::subscription::subscription;

const DOC: &str = r#"
asyncapi: 2.6.0
info: {title: Two sockets, version: '1'}
defaultContentType: application/json
servers:
  alpha: {url: 'wss://alpha.example.com/ws', protocol: wss}
  beta: {url: 'wss://beta.example.com/ws', protocol: wss}
channels:
  alpha:
    servers: [alpha]
    publish:
      operationId: alphaSubscribe
      message: {$ref: '#/components/messages/AlphaSubscribe'}
    subscribe:
      operationId: alphaEvents
      message: {$ref: '#/components/messages/AlphaEvent'}
  beta:
    servers: [beta]
    publish:
      operationId: betaSubscribe
      message: {$ref: '#/components/messages/BetaSubscribe'}
    subscribe:
      operationId: betaEvents
      message: {$ref: '#/components/messages/BetaEvent'}
components:
  messages:
    AlphaSubscribe:
      payload:
        type: object
        required: [type, topics]
        properties:
          type: {type: string, const: subscribe}
          topics: {type: array, items: {$ref: '#/components/schemas/AlphaTopic'}}
    AlphaEvent:
      payload:
        type: object
        required: [topic]
        properties:
          topic: {$ref: '#/components/schemas/AlphaTopic'}
    BetaSubscribe:
      payload:
        type: object
        required: [op, channels]
        properties:
          op: {type: string, const: join}
          channels: {type: array, items: {$ref: '#/components/schemas/BetaTopic'}}
    BetaEvent:
      payload:
        type: object
        required: [channel]
        properties:
          channel: {$ref: '#/components/schemas/BetaTopic'}
  schemas:
    AlphaTopic:
      type: string
      x-asyncgen-topic:
        pattern: '{room}:{id}'
        segments:
          room: {enum: [lobby, game]}
          id: {format: text}
    BetaTopic:
      type: string
      x-asyncgen-topic:
        pattern: '{market}/{symbol}'
        segments:
          market: {enum: [spot, futures]}
          symbol: {format: text}
"#;

#[test]
fn each_socket_uses_its_own_topic_type() {
    let loaded = asyncgen_spec::load_str("doc.yml", DOC, Path::new("."), &Default::default());
    assert!(
        !loaded.diagnostics.has_errors(),
        "{:#?}",
        loaded.diagnostics
    );
    let api = asyncgen_ir::lower(&loaded).expect("lowers");
    let (space, views, _) = asyncgen_ir::views::build(&api);
    let topics: Vec<(String, Option<String>)> = views
        .sockets
        .iter()
        .map(|v| {
            let sub = subscription(&api, &space, &v.socket);
            let topic = sub.topic.map(|id| space.get(id).name.clone());
            (v.socket.key.clone(), topic)
        })
        .collect();
    assert_eq!(
        topics,
        [
            ("alpha".to_owned(), Some("AlphaTopic".to_owned())),
            ("beta".to_owned(), Some("BetaTopic".to_owned())),
        ]
    );

    let files =
        asyncgen_codegen::generate(&api, &space, &views, &Default::default()).expect("generates");
    let file = |path: &str| {
        files
            .iter()
            .find(|f| f.path == path)
            .unwrap_or_else(|| panic!("no {path}"))
            .contents
            .clone()
    };
    let client = file("client.rs");
    let beta = &client[client.find("impl BetaClient").expect("BetaClient")..];
    assert!(
        beta.contains("Into<types::BetaTopic>") && !beta.contains("AlphaTopic"),
        "the beta client subscribes with the beta topic type:\n{beta}"
    );
    let mock = file("mock.rs");
    let beta = &mock[mock.find("BetaMockProtocol").expect("BetaMockProtocol")..];
    assert!(
        beta.contains("types::BetaTopic::from(pattern)") && !beta.contains("AlphaTopic"),
        "the beta mock matches with the beta topic type:\n{beta}"
    );
}
