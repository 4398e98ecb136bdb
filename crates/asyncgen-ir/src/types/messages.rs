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

    /// A union over the messages `keys` (each variant carrying its message key), dispatched by
    /// derived or explicit rules, with a catch-all for anything else; named after `name`.
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
        let (rules, fallback) = self.derive_rules(&refs, &explicit);
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
