//! How the variants of a union are told apart: rules derived from the constants and required
//! properties of their schemas, from an OpenAPI-style `discriminator`, or written explicitly
//! with `x-asyncgen-dispatch`.

use std::collections::BTreeSet;

use serde_json::Value;

use asyncgen_spec::extensions::{Dispatch, DispatchRule, is_header_name};

use super::convert::{Builder, IssueKind, TypeIssue, is_object_like, single_value};
use super::model::*;
use super::naming::variant_name;
use crate::model::{Origin, extension};
use crate::schema::SchemaStore;

/// Ballerina's webhook extensions, read by [`Builder::vendor_rule`].
const VENDOR_IDENTIFIER: &str = "x-ballerina-event-identifier";
const VENDOR_EVENT_TYPE: &str = "x-ballerina-event-type";

/// A path (object keys from the root) where a schema fixes one value, the value, and whether
/// every property along the path is required.
type ConstPath = (Vec<String>, Value, bool);

impl<'a> Builder<'a> {
    /// A component schema with a `discriminator` that other components extend through `allOf`:
    /// it becomes a union of those subtypes, recognised by the discriminator property.
    pub(super) fn polymorphic_base(
        &mut self,
        schema: &Value,
        own: Option<TypeId>,
    ) -> Option<TypeKind> {
        let own = own?;
        let property = match schema.get("discriminator") {
            Some(Value::String(p)) => p.clone(),
            Some(d) => d.get("propertyName")?.as_str()?.to_owned(),
            None => return None,
        };
        let own_key = self
            .entries
            .iter()
            .find(|(_, id)| **id == own)
            .map(|(k, _)| k.clone())?;
        let mut variants = Vec::new();
        for (key, entry) in self.store.iter() {
            let extends = entry
                .schema
                .get("allOf")
                .and_then(Value::as_array)
                .is_some_and(|parts| {
                    parts
                        .iter()
                        .any(|p| SchemaStore::ref_of(p).as_ref() == Some(&own_key))
                });
            let (true, Some(component), Some(id)) =
                (extends, entry.component.as_ref(), self.entries.get(key))
            else {
                continue;
            };
            let value = self
                .merge_all_of(&entry.schema)
                .and_then(|m| {
                    m.pointer(&format!("/properties/{property}"))
                        .and_then(single_value)
                        .cloned()
                })
                .unwrap_or_else(|| Value::String(component.clone()));
            variants.push(UnionVariant {
                name: variant_name(component),
                ty: TypeRef::Named(*id),
                rule: Rule::Equals {
                    path: vec![property.clone()],
                    value,
                },
                docs: Docs::default(),
                message: None,
            });
        }
        (!variants.is_empty()).then_some(TypeKind::Union(UnionDef {
            variants,
            open: true,
        }))
    }

    /// Paths (up to two objects deep) where a schema fixes a single value, each with whether
    /// every property along it is required.
    fn const_paths(&self, schema: &Value, prefix: &[String], out: &mut Vec<ConstPath>) {
        self.const_paths_under(schema, prefix, true, out);
    }

    fn const_paths_under(
        &self,
        schema: &Value,
        prefix: &[String],
        required_so_far: bool,
        out: &mut Vec<ConstPath>,
    ) {
        let view = self.merged_view(schema);
        let Some(props) = view.get("properties").and_then(Value::as_object) else {
            return;
        };
        let required = |k: &str| {
            view.get("required")
                .and_then(Value::as_array)
                .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(k)))
        };
        for (k, p) in props {
            let mut path = prefix.to_vec();
            path.push(k.clone());
            let target = self.merged_view(p);
            let required = required_so_far && required(k);
            if let Some(v) = single_value(&target) {
                out.push((path, v.clone(), required));
            } else if prefix.is_empty() && is_object_like(&target) {
                self.const_paths_under(p, &path, required, out);
            }
        }
    }

    fn declares(&self, schema: &Value, path: &[String]) -> bool {
        let mut cur = self.merged_view(schema);
        for (i, k) in path.iter().enumerate() {
            let Some(next) = cur.get("properties").and_then(|p| p.get(k)) else {
                return false;
            };
            if i + 1 < path.len() {
                cur = self.merged_view(next);
            }
        }
        true
    }

    /// One rule per variant. `explicit` carries each variant's `x-asyncgen-dispatch` rule.
    /// Returns the rules and whether two or more variants had to fall back to trying in order.
    pub(super) fn derive_rules(
        &self,
        schemas: &[&Value],
        explicit: &[Option<Rule>],
    ) -> (Vec<Rule>, bool) {
        let consts: Vec<Vec<ConstPath>> = schemas
            .iter()
            .map(|s| {
                let mut out = Vec::new();
                self.const_paths(s, &[], &mut out);
                out.sort_by_key(|(p, _, _)| p.len());
                out
            })
            .collect();
        let required: Vec<BTreeSet<String>> = schemas
            .iter()
            .map(|s| {
                self.merged_view(s)
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| {
                        r.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        let rules: Vec<Rule> = (0..schemas.len())
            .map(|i| {
                if let Some(rule) = &explicit[i] {
                    return rule.clone();
                }
                // A const path whose value no other variant can have there.
                let distinct_const = |required_only: bool| {
                    consts[i]
                        .iter()
                        .filter(|(_, _, required)| *required || !required_only)
                        .find(|(path, value, _)| {
                            (0..schemas.len()).filter(|j| *j != i).all(|j| {
                                match consts[j].iter().find(|(p, _, _)| p == path) {
                                    Some((_, v, _)) => v != value,
                                    None => !self.declares(schemas[j], path),
                                }
                            })
                        })
                        .map(|(path, value, _)| Rule::Equals {
                            path: path.clone(),
                            value: value.clone(),
                        })
                };
                // A const on a required path first: a value that omits an optional const
                // (valid by its schema) would match no rule and arrive as unknown.
                if let Some(rule) = distinct_const(true) {
                    return rule;
                }
                // A required property no other variant declares.
                let unique = required[i].iter().find(|p| {
                    (0..schemas.len())
                        .filter(|j| *j != i)
                        .all(|j| !self.declares(schemas[j], std::slice::from_ref(*p)))
                });
                if let Some(p) = unique {
                    return Rule::Present {
                        properties: vec![p.clone()],
                    };
                }
                // Documents often leave their `event` const out of `required`: an optional
                // const still tells messages apart better than trying them in order.
                if let Some(rule) = distinct_const(false) {
                    return rule;
                }
                Rule::Attempt
            })
            .collect();
        // Generated code checks every exact rule before it tries any variant by decoding, so
        // one tried variant is recognised by elimination (a lone message with no `const`, a
        // bare-string payload beside tagged objects); only two or more are told apart by order.
        let tried = rules.iter().filter(|r| **r == Rule::Attempt).count();
        (rules, tried > 1)
    }

    /// Per message, a header its `headers` schema fixes to one value (`const`, or a one-value
    /// `enum`) that no other message fixes to the same value: the event-type header of
    /// providers whose messages share one payload (`X-GitHub-Event`, `X-Shopify-Topic`).
    /// Used for the messages their payloads cannot tell apart.
    pub(super) fn header_rules(&self, keys: &[String]) -> Vec<Option<Rule>> {
        let fixed: Vec<Vec<(String, String)>> = keys
            .iter()
            .map(|k| {
                let Some(schema) = self
                    .api
                    .messages
                    .get(k)
                    .and_then(|m| m.headers.as_ref())
                    .and_then(|h| self.store.get(h))
                    .map(|e| e.schema.clone())
                else {
                    return Vec::new();
                };
                let view = self.merged_view(&schema);
                let Some(props) = view.get("properties").and_then(Value::as_object) else {
                    return Vec::new();
                };
                props
                    .iter()
                    .filter(|(name, _)| is_header_name(name))
                    .filter_map(|(name, p)| {
                        let value = single_value(&self.merged_view(p))?.clone();
                        let text = match value {
                            Value::String(s) => s,
                            Value::Number(_) | Value::Bool(_) => value.to_string(),
                            _ => return None,
                        };
                        // What a header can carry and a receiver reads back unchanged.
                        text.bytes()
                            .all(|b| b.is_ascii_graphic() || b == b' ')
                            .then(|| (name.clone(), text))
                    })
                    .collect()
            })
            .collect();
        (0..keys.len())
            .map(|i| {
                fixed[i]
                    .iter()
                    .find(|(name, value)| {
                        (0..keys.len()).filter(|j| *j != i).all(|j| {
                            !fixed[j]
                                .iter()
                                .any(|(n, v)| n.eq_ignore_ascii_case(name) && v == value)
                        })
                    })
                    .map(|(name, value)| Rule::Header {
                        name: name.clone(),
                        value: value.clone(),
                    })
            })
            .collect()
    }

    /// The rule Ballerina's webhook extensions give a message: the document's
    /// `x-ballerina-event-identifier` says where the event type is (`{type: body, path:
    /// "event.type"}`, dot-separated, or `{type: header, name: ...}`), each message's
    /// `x-ballerina-event-type` its value. Published documents (Slack's, Shopify's) name their
    /// events only this way. Followed with a warning, never silently.
    pub(super) fn vendor_rule(&self, message: &str) -> (Option<Rule>, Option<TypeIssue>) {
        let Some(m) = self.api.messages.get(message) else {
            return (None, None);
        };
        let Some(value) = m.extensions.get(VENDOR_EVENT_TYPE) else {
            return (None, None);
        };
        let identifier = self.api.extensions.get(VENDOR_IDENTIFIER);
        let kind = identifier
            .and_then(|i| i.get("type"))
            .and_then(Value::as_str);
        let path = identifier
            .and_then(|i| i.get("path"))
            .and_then(Value::as_str);
        let origin = Origin {
            pointer: format!("{}/{VENDOR_EVENT_TYPE}", m.origin.pointer),
            ..m.origin.clone()
        };
        let issue = |message: String| TypeIssue {
            kind: IssueKind::VendorDispatch,
            message,
            origin: origin.clone(),
            related: Vec::new(),
        };
        let name = identifier
            .and_then(|i| i.get("name"))
            .and_then(Value::as_str);
        match (kind, path, name) {
            (Some("header"), _, Some(name)) if is_header_name(name) => {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let issue = issue(format!(
                    "message `{message}` is recognised by its `{name}` header, {value}, as `{VENDOR_IDENTIFIER}` and `{VENDOR_EVENT_TYPE}` say"
                ));
                let rule = Rule::Header {
                    name: name.to_owned(),
                    value: text,
                };
                (Some(rule), Some(issue))
            }
            (Some("body"), Some(path), _) if !path.is_empty() => {
                let path: Vec<String> = path.split('.').map(str::to_owned).collect();
                let issue = issue(format!(
                    "message `{message}` is recognised by {value} at `/{}` in its payload, as `{VENDOR_IDENTIFIER}` and `{VENDOR_EVENT_TYPE}` say",
                    path.join("/"),
                ));
                let rule = Rule::Equals {
                    path,
                    value: value.clone(),
                };
                (Some(rule), Some(issue))
            }
            _ => (
                None,
                Some(issue(format!(
                    "message `{message}` names its event type {value} in `{VENDOR_EVENT_TYPE}`, but `{VENDOR_IDENTIFIER}` says neither where in the body (`{{type: body, path: ...}}`) nor in which header (`{{type: header, name: ...}}`) to find it: it is not followed, and the message is told apart by its schema"
                ))),
            ),
        }
    }

    /// An `x-asyncgen-dispatch` rule written on a message.
    pub(super) fn explicit_rule(&self, message: &str) -> Option<Rule> {
        let message = self.api.messages.get(message)?;
        // The spec crate's reader: validation has already refused a rule that is neither.
        let dispatch = extension::<Dispatch>(&message.extensions)?;
        Some(match dispatch.rule()? {
            DispatchRule::Present(properties) => Rule::Present {
                properties: properties.to_vec(),
            },
            DispatchRule::Equals { path, value } => Rule::Equals {
                path: path.tokens().map(|t| t.into_owned()).collect(),
                value: value.to_value(),
            },
            DispatchRule::Header { name, value } => Rule::Header {
                name: name.to_owned(),
                value: value.as_text(),
            },
        })
    }
}
