//! The types of messages: each message's payload and headers, and unions over several
//! messages (an operation's, or one a protocol view asks for) that tell them apart by dispatch
//! rules.

use std::collections::HashSet;

use serde_json::Value;

use super::convert::{Builder, IssueKind, TypeIssue};
use super::model::*;
use super::naming::{type_name, unique_name, variant_name};
use crate::model::Origin;
use crate::schema::SchemaRef;

impl<'a> Builder<'a> {
    pub(super) fn messages(&mut self) {
        for m in self.api.messages.values() {
            let resolve = |r: &Option<SchemaRef>| {
                r.as_ref()
                    .and_then(|k| self.entries.get(k))
                    .map(|id| TypeRef::Named(*id))
            };
            let types = MessageTypes {
                payload: resolve(&m.payload),
                headers: resolve(&m.headers),
            };
            self.space.messages.insert(m.key.clone(), types);
        }
    }

    /// The payload type of message `key`.
    pub fn payload_type(&self, key: &str) -> Option<TypeRef> {
        self.space.messages.get(key)?.payload.clone()
    }

    /// A union over the messages `keys` (each variant carrying its message key), dispatched by
    /// derived or explicit rules, with a catch-all for anything else; named after `name`.
    /// Messages that nothing else tells apart, arriving where the provider of the signature
    /// preset names the event type in a header ([`Builder::with_event_headers`]), are
    /// recognised by that header equal to the message's `name`, each with a warning.
    pub fn message_union(
        &mut self,
        name: &str,
        keys: &[String],
        origin: &Origin,
        description: String,
    ) -> TypeId {
        let null = Value::Null;
        let schemas: Vec<Value> = keys
            .iter()
            .map(|k| {
                self.api
                    .messages
                    .get(k)
                    .and_then(|m| m.payload.as_ref())
                    .and_then(|p| self.store.get(p))
                    .map_or(null.clone(), |e| e.schema.clone())
            })
            .collect();
        let refs: Vec<&Value> = schemas.iter().collect();
        let mut vendor = Vec::new();
        let explicit: Vec<Option<Rule>> = keys
            .iter()
            .map(|k| {
                self.explicit_rule(k).or_else(|| {
                    let (rule, issue) = self.vendor_rule(k);
                    vendor.extend(issue);
                    rule
                })
            })
            .collect();
        // A message in several unions (its operation's, its endpoint's) is reported once.
        for issue in vendor {
            if !self.issues.contains(&issue) {
                self.issues.push(issue);
            }
        }
        let (mut rules, _) = self.derive_rules(&refs, &explicit);
        // Messages their payloads cannot tell apart may still differ by a header.
        for (rule, header) in rules.iter_mut().zip(self.header_rules(keys)) {
            if *rule == Rule::Attempt
                && let Some(header) = header
            {
                *rule = header;
            }
        }
        let tried = |rules: &[Rule]| rules.iter().filter(|r| **r == Rule::Attempt).count();
        // One header for all of them: messages of several providers are not told apart by one.
        let mut headers = keys.iter().map(|k| self.event_headers.get(k).copied());
        let event_header = headers
            .next()
            .flatten()
            .filter(|h| headers.all(|o| o == Some(*h)));
        if let Some(header) = event_header
            && tried(&rules) > 1
        {
            self.preset_rules(keys, &mut rules, header);
        }
        let fallback = tried(&rules) > 1;
        if fallback {
            self.issues.push(TypeIssue {
                kind: IssueKind::AmbiguousDispatch,
                message: format!(
                    "the messages of `{name}` ({}) cannot be told apart: no property holds a distinct `const` in each, and no required property is unique to one; they are tried in order",
                    keys.join(", ")
                ),
                origin: origin.clone(),
                related: Vec::new(),
            });
        }
        // `Unknown` is the catch-all's name.
        let mut used: HashSet<String> = HashSet::from(["Unknown".to_owned()]);
        let variants = keys
            .iter()
            .zip(rules)
            .map(|(k, rule)| {
                let ty = self
                    .space
                    .messages
                    .get(k)
                    .and_then(|t| t.payload.clone())
                    .unwrap_or(TypeRef::Json);
                let m = &self.api.messages[k];
                let d = Docs {
                    title: m.title.clone(),
                    description: m.summary.clone().or(m.description.clone()),
                    ..Docs::default()
                };
                UnionVariant {
                    name: unique_name(&mut used, variant_name(k)),
                    ty,
                    rule,
                    docs: d,
                    message: Some(k.clone()),
                }
            })
            .collect();
        let type_name = self.fresh(&type_name(name, "Message"));
        let docs = Docs {
            description: Some(description),
            ..Docs::default()
        };
        let id = self.alloc(type_name, origin.clone(), docs);
        self.space.types[id.0].kind = TypeKind::Union(UnionDef {
            variants,
            open: true,
        });
        id
    }

    /// Gives each message still tried in order the rule "`header` equals its event type", and
    /// says so where the event type is written.
    fn preset_rules(&mut self, keys: &[String], rules: &mut [Rule], header: &str) {
        for (key, rule) in keys.iter().zip(rules.iter_mut()) {
            let Some(m) = self.api.messages.get(key) else {
                continue;
            };
            if *rule != Rule::Attempt {
                continue;
            }
            // The message's machine-friendly `name` (GitHub's `push`, `issue_comment`): published
            // documents spell the header's value there. Their `x-ballerina-event-type` is
            // another thing (GitHub's: the body's `action`), so it is not read here.
            let Some(value) = m.name.as_deref() else {
                continue;
            };
            let (source, pointer) = ("its `name`", format!("{}/name", m.origin.pointer));
            *rule = Rule::Header {
                name: header.to_owned(),
                value: value.to_owned(),
            };
            let issue = TypeIssue {
                kind: IssueKind::PresetDispatch,
                message: format!(
                    "message `{key}` is recognised by its `{header}` header equal to `{value}` ({source}): its payload cannot tell it apart, and the provider of the signature preset names the event type in that header"
                ),
                origin: Origin {
                    pointer,
                    ..m.origin.clone()
                },
                related: Vec::new(),
            };
            if !self.issues.contains(&issue) {
                self.issues.push(issue);
            }
        }
    }

    pub(super) fn operations(&mut self) {
        let ops: Vec<(String, Vec<String>, Origin, Option<String>)> = self
            .api
            .operations
            .values()
            .filter(|o| o.messages.len() > 1)
            .map(|o| {
                (
                    o.key.clone(),
                    o.messages.clone(),
                    o.origin.clone(),
                    o.summary.clone(),
                )
            })
            .collect();
        for (key, messages, origin, summary) in ops {
            let description = summary.unwrap_or_else(|| format!("A message of operation `{key}`."));
            let id = self.message_union(&format!("{key}Message"), &messages, &origin, description);
            self.space.operations.insert(key, id);
        }
    }
}
