//! The generated receiver and sender of every webhook spec, snapshotted: the handler trait, the
//! security constants and the delivery policy a user relies on are reviewed on every change.
//! Documents without a webhook endpoint must get neither module.

use asyncgen_tests::{corpus_dir, documents, repo_root};

#[test]
fn webhook_specs_get_a_receiver_and_a_sender() {
    for spec in ["dialpad", "dial9", "dialer-cx"] {
        let files =
            asyncgen_tests::generated(&repo_root().join(format!("specs/{spec}/webhooks.yml")));
        for module in ["receiver.rs", "sender.rs"] {
            let contents = asyncgen_tests::module(&files, spec, module);
            insta::assert_snapshot!(format!("{spec}__{module}"), contents);
        }
    }
}

#[test]
fn documents_without_webhooks_get_neither() {
    let mut docs: Vec<_> = ["specs/voipbin/websocket.yml", "specs/dialpad/websocket.yml"]
        .iter()
        .map(|p| repo_root().join(p))
        .collect();
    if let Some(dir) = corpus_dir() {
        docs.extend(documents(&dir).into_iter().map(|p| dir.join(p)));
    }
    for doc in docs {
        let files = asyncgen_tests::generated(&doc);
        assert!(
            files
                .iter()
                .all(|f| f.path != "receiver.rs" && f.path != "sender.rs"),
            "{}: a receiver for a document without webhook endpoints",
            doc.display()
        );
    }
}

/// Runs the pipeline on `doc` (YAML) written to a temporary file.
fn run_inline(doc: &str) -> asyncgen_codegen::pipeline::Run {
    run_inline_with(doc, &asyncgen_codegen::Settings::default())
}

fn run_inline_with(
    doc: &str,
    settings: &asyncgen_codegen::Settings,
) -> asyncgen_codegen::pipeline::Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("asyncapi.yml");
    std::fs::write(&path, doc).expect("write document");
    asyncgen_codegen::pipeline::run(&path, settings).expect("the pipeline runs")
}

/// Each diagnostic's severity, code and pointer.
fn found(run: &asyncgen_codegen::pipeline::Run) -> Vec<(asyncgen_spec::Severity, &str, &str)> {
    run.diagnostics
        .iter()
        .map(|d| (d.severity, d.code.as_str(), d.location.pointer.as_str()))
        .collect()
}

const TWO_SCHEMES: &str = "components:
  securitySchemes:
    signed:
      type: httpApiKey
      in: header
      name: X-Signature
      x-asyncgen-signature: {algorithm: hmac-sha256, encoding: hex}
    token:
      type: httpApiKey
      in: header
      name: X-Token
      x-asyncgen-body-token: {path: /token}
  messages:
    a: {name: a, payload: {type: object, required: [kind], properties: {kind: {const: a}, token: {type: string}}}}
    b: {name: b, payload: {type: object, required: [kind], properties: {kind: {const: b}, token: {type: string}}}}
";

/// Operations arriving at one endpoint with different security cannot share one receiver: an
/// error located at the second operation's `security`, pointing at the first, and nothing is
/// generated (never a receiver verifying one of them for both).
#[test]
fn operations_of_one_endpoint_with_different_security_are_an_error() {
    let run = run_inline(&format!(
        "asyncapi: 3.0.0
info: {{title: Mixed, version: '1'}}
servers:
  customer: {{host: hooks.example.com, protocol: https}}
channels:
  events:
    address: null
    messages:
      a: {{$ref: '#/components/messages/a'}}
      b: {{$ref: '#/components/messages/b'}}
operations:
  sendA:
    action: send
    channel: {{$ref: '#/channels/events'}}
    messages: [{{$ref: '#/channels/events/messages/a'}}]
    security: [{{$ref: '#/components/securitySchemes/signed'}}]
  sendB:
    action: send
    channel: {{$ref: '#/channels/events'}}
    messages: [{{$ref: '#/channels/events/messages/b'}}]
    security: [{{$ref: '#/components/securitySchemes/token'}}]
{TWO_SCHEMES}"
    ));
    assert_eq!(
        found(&run),
        [(
            asyncgen_spec::Severity::Error,
            "conflicting-security",
            "/operations/sendB/security"
        )],
        "{}",
        run.render()
    );
    let d = run.diagnostics.iter().next().expect("one diagnostic");
    assert_eq!(d.location.line, Some(21), "{}", run.render());
    assert!(d.message.contains("`sendB`") && d.message.contains("`sendA`"));
    assert_eq!(d.related.len(), 1);
    assert_eq!(d.related[0].location.pointer.as_str(), "/operations/sendA");
    assert!(run.files.is_empty(), "nothing is generated");
}

/// The server's requirement and the operations' both hold: the receiver verifies the first
/// verifiable scheme and documents the one it cannot also check, instead of dropping it.
#[test]
fn server_and_operation_security_both_apply() {
    let run = run_inline(&format!(
        "asyncapi: 3.0.0
info: {{title: Both, version: '1'}}
servers:
  customer:
    host: hooks.example.com
    protocol: https
    security: [{{$ref: '#/components/securitySchemes/signed'}}]
channels:
  events:
    address: null
    messages:
      a: {{$ref: '#/components/messages/a'}}
operations:
  sendA:
    action: send
    channel: {{$ref: '#/channels/events'}}
    messages: [{{$ref: '#/channels/events/messages/a'}}]
    security: [{{$ref: '#/components/securitySchemes/token'}}]
{TWO_SCHEMES}"
    ));
    assert!(run.diagnostics.is_empty(), "{}", run.render());
    let e = &run.endpoints[0];
    assert_eq!(e.security.as_ref().map(|s| s.key.as_str()), Some("signed"));
    let receiver = asyncgen_tests::module(&run.files, "both", "receiver.rs");
    assert!(
        receiver.contains("Not checked: the document also requires `token`"),
        "{receiver}"
    );
}

/// Nothing declared: a located warning at generation (an error under `--strict`), and the
/// generated receiver says it refuses to start.
#[test]
fn an_endpoint_without_security_warns_and_strict_refuses() {
    let doc = "asyncapi: 2.6.0
info: {title: Open, version: '1'}
servers:
  customer: {url: 'https://hooks.example.com/open', protocol: https}
channels:
  events:
    subscribe:
      message: {name: a, payload: {type: object}}
";
    let run = run_inline(doc);
    assert_eq!(
        found(&run),
        [(
            asyncgen_spec::Severity::Warning,
            "unverified-endpoint",
            "/servers/customer"
        )]
    );
    let receiver = asyncgen_tests::module(&run.files, "open", "receiver.rs");
    assert!(receiver.contains("ConfigError::Unverified"), "{receiver}");
    assert!(
        !receiver.contains("insecure_no_verification()\n"),
        "{receiver}"
    );

    let mut strict = asyncgen_codegen::Settings::default();
    strict.strict(true);
    let run = run_inline_with(doc, &strict);
    assert!(!run.ok() && run.files.is_empty(), "{}", run.render());
}

/// The document's algorithm and encoding reach the generated scheme: nothing assumes
/// HMAC-SHA256 in hex.
#[test]
fn the_declared_algorithm_and_encoding_are_generated() {
    let run = run_inline(
        "asyncapi: 3.0.0
info: {title: Sha512, version: '1'}
servers:
  customer:
    host: hooks.example.com
    protocol: https
    security: [{$ref: '#/components/securitySchemes/signed'}]
channels:
  events:
    address: null
    messages:
      a: {$ref: '#/components/messages/a'}
operations:
  sendA:
    action: send
    channel: {$ref: '#/channels/events'}
    messages: [{$ref: '#/channels/events/messages/a'}]
components:
  securitySchemes:
    signed:
      type: httpApiKey
      in: header
      name: X-Signature
      x-asyncgen-signature: {algorithm: hmac-sha512, encoding: base64url}
  messages:
    a: {name: a, payload: {type: object}}
",
    );
    assert!(run.diagnostics.is_empty(), "{}", run.render());
    for module in ["receiver.rs", "sender.rs"] {
        let code = asyncgen_tests::module(&run.files, "sha512", module);
        assert!(
            code.contains("::asyncgen_runtime::SignatureAlgorithm::HmacSha512")
                && code.contains("::asyncgen_runtime::SignatureEncoding::Base64url"),
            "{module}: {code}"
        );
    }
    let receiver = asyncgen_tests::module(&run.files, "sha512", "receiver.rs");
    assert!(receiver.contains("an HMAC-SHA512 signature"), "{receiver}");
}

/// `verify`: a document that declares no security (as most providers' published documents)
/// gets the named preset on its endpoints, with no warning; an unknown preset is refused
/// before anything is generated, naming the presets.
#[test]
fn the_verify_option_secures_undeclared_endpoints_with_a_preset() {
    let doc = "asyncapi: 2.6.0
info: {title: Open, version: '1'}
servers:
  customer: {url: 'https://hooks.example.com/open', protocol: https}
channels:
  events:
    subscribe:
      message: {name: a, payload: {type: object}}
";
    let mut settings = asyncgen_codegen::Settings::default();
    settings.verify("stripe");
    let run = run_inline_with(doc, &settings);
    assert!(run.diagnostics.is_empty(), "{}", run.render());
    let receiver = asyncgen_tests::module(&run.files, "open", "receiver.rs");
    assert!(
        receiver.contains("\"stripeSignature\"")
            && receiver.contains("\"Stripe-Signature\"")
            && receiver.contains("in_element(\"t=\")")
            && receiver.contains("STRIPE_SIGNATURE"),
        "{receiver}"
    );
    let security = run.endpoints[0].security.as_ref().expect("secured");
    assert_eq!(security.env_var, "STRIPE_SIGNATURE");

    settings.verify("stirpe");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("asyncapi.yml");
    std::fs::write(&path, doc).expect("write");
    let Err(err) = asyncgen_codegen::pipeline::run(&path, &settings) else {
        panic!("an unknown preset was accepted");
    };
    let text = err.to_string();
    assert!(
        text.contains("`--verify stirpe`") && text.contains("stripe, slack"),
        "{text}"
    );
}
