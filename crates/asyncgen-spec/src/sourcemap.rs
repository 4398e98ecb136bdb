//! Maps JSON pointers to line and column, from YAML parser events (JSON is read as YAML here).
//!
//! The values themselves come from serde_yaml / serde_json, which expose no positions; this
//! second, event-level pass is only made when a diagnostic needs a location.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use saphyr_parser::{Event, Parser, Span};

use crate::pointer::Pointer;

#[derive(Debug, Clone, Copy)]
struct NodePos {
    key: Option<(u32, u32)>,
    value: (u32, u32),
}

#[derive(Debug, Default)]
pub struct SourceMap {
    nodes: HashMap<String, NodePos>,
    /// Keys written twice in one mapping: (pointer, position of the repeat).
    duplicates: Vec<(String, (u32, u32))>,
}

enum Frame {
    Map {
        ptr: Pointer,
        key: Option<(String, (u32, u32))>,
    },
    Seq {
        ptr: Pointer,
        index: usize,
    },
    /// A complex (non-scalar) mapping key: its contents have no pointer.
    Skip {
        depth: usize,
    },
}

fn pos(span: &Span) -> (u32, u32) {
    let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
    let col = u32::try_from(span.start.col()).unwrap_or(u32::MAX - 1);
    (line, col.saturating_add(1))
}

impl SourceMap {
    /// Walks the first document's events. A syntax error ends the walk; what was mapped so far
    /// is kept (the parser's own error already carries the failing position).
    pub fn build(text: &str) -> SourceMap {
        let mut map = SourceMap::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut parser = Parser::new_from_str(text);
        let mut seen_root = false;
        while let Some(Ok((event, span))) = parser.next_event() {
            let p = pos(&span);
            match event {
                Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => continue,
                Event::DocumentEnd | Event::StreamEnd => break,
                _ => {}
            }
            if let Some(Frame::Skip { depth }) = stack.last_mut() {
                match event {
                    Event::MappingStart(..) | Event::SequenceStart(..) => *depth += 1,
                    Event::MappingEnd | Event::SequenceEnd => {
                        *depth -= 1;
                        if *depth == 0 {
                            stack.pop();
                            // The complex key is done; its value follows with no pointer.
                            if let Some(Frame::Map { key, .. }) = stack.last_mut() {
                                *key = Some(("\u{0}complex".to_owned(), p));
                            }
                        }
                    }
                    _ => {}
                }
                continue;
            }
            if matches!(event, Event::MappingEnd | Event::SequenceEnd) {
                stack.pop();
                continue;
            }
            // Is this event a mapping key?
            if let Some(Frame::Map {
                key: key @ None, ..
            }) = stack.last_mut()
            {
                match &event {
                    Event::Scalar(text, ..) => *key = Some((text.to_string(), p)),
                    Event::Alias(_) => *key = Some(("\u{0}alias".to_owned(), p)),
                    _ => stack.push(Frame::Skip { depth: 1 }),
                }
                continue;
            }
            // It is a value: find its pointer.
            let (ptr, key_pos) = match stack.last_mut() {
                None if !seen_root => {
                    seen_root = true;
                    (Pointer::root(), None)
                }
                None => break,
                Some(Frame::Map { ptr, key }) => {
                    let (k, kp) = key.take().unwrap_or_default();
                    (ptr.push(&k), Some(kp))
                }
                Some(Frame::Seq { ptr, index }) => {
                    let p = ptr.push_index(*index);
                    *index += 1;
                    (p, None)
                }
                Some(Frame::Skip { .. }) => continue,
            };
            match map.nodes.entry(ptr.as_str().to_owned()) {
                Entry::Occupied(_) => {
                    if let Some(k) = key_pos.filter(|_| !ptr.as_str().contains('\u{0}')) {
                        map.duplicates.push((ptr.as_str().to_owned(), k));
                    }
                }
                Entry::Vacant(v) => {
                    v.insert(NodePos {
                        key: key_pos,
                        value: p,
                    });
                }
            }
            match event {
                Event::MappingStart(..) => stack.push(Frame::Map { ptr, key: None }),
                Event::SequenceStart(..) => stack.push(Frame::Seq { ptr, index: 0 }),
                _ => {}
            }
        }
        map
    }

    /// Where a key is first written a second time in the same mapping.
    pub fn first_duplicate(&self, key: &str) -> Option<(u32, u32)> {
        self.duplicates
            .iter()
            .find(|(p, _)| {
                Pointer::from_escaped(p)
                    .ok()
                    .and_then(|p| p.last())
                    .as_deref()
                    == Some(key)
            })
            .map(|(_, pos)| *pos)
    }

    pub fn position(&self, pointer: &Pointer, at_key: bool) -> Option<(u32, u32)> {
        let mut cur = Some(pointer.clone());
        let mut exact = true;
        while let Some(p) = cur {
            if let Some(node) = self.nodes.get(p.as_str()) {
                return Some(match (exact && at_key, node.key) {
                    (true, Some(k)) => k,
                    _ => node.value,
                });
            }
            exact = false;
            cur = p.parent();
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(map: &SourceMap, p: &str, key: bool) -> Option<(u32, u32)> {
        map.position(&Pointer::from_escaped(p).unwrap(), key)
    }

    #[test]
    fn block_and_flow_yaml() {
        let map = SourceMap::build("a:\n  b: [1, 2]\n  'c/d': {e: x}\n");
        assert_eq!(at(&map, "/a/b/1", false), Some((2, 10)));
        assert_eq!(at(&map, "/a/c~1d/e", false), Some((3, 14)));
        assert_eq!(at(&map, "/a/c~1d", true), Some((3, 3)));
        // Missing nodes fall back to the nearest ancestor's value.
        assert_eq!(at(&map, "/a/b/7", true), Some((2, 6)));
    }

    #[test]
    fn json_text_maps_too() {
        let map = SourceMap::build("{\n  \"a\": {\n    \"b\": [true]\n  }\n}\n");
        assert_eq!(at(&map, "/a/b/0", false), Some((3, 11)));
        assert_eq!(at(&map, "/a/b", true), Some((3, 5)));
    }

    #[test]
    fn repeated_keys_are_recorded() {
        let map = SourceMap::build("a:\n  b: 1\n  b: 2\n");
        assert_eq!(map.first_duplicate("b"), Some((3, 3)));
        assert_eq!(map.first_duplicate("a"), None);
    }

    #[test]
    fn complex_keys_are_skipped() {
        let map = SourceMap::build("? [x, y]\n: 1\nz: 2\n");
        assert_eq!(at(&map, "/z", false), Some((3, 4)));
    }
}
