//! Topic types (`x-asyncgen-topic`): a string newtype that keeps any value it is given (an event
//! must never fail to decode over its topic) with segment accessors, wildcard matching and,
//! where the pattern is `{enum}:{id}` pairs, a builder (`Topic::customer(id).calls()`).

use proc_macro2::{Literal, TokenStream};

use quote::quote;

use asyncgen_ir::types::{TopicDef, TopicPiece, TopicSegmentDef, TypeSpace, field_name, type_name};

use crate::paths::{Paths, ident};

/// The items of topic type `name`.
pub fn topic(
    space: &TypeSpace,
    p: &Paths,
    name: &str,
    def: &TopicDef,
    attrs: TokenStream,
    schema_derive: &TokenStream,
) -> TokenStream {
    let ty = ident(name);
    let (ser, de, string) = (&p.serialize, &p.deserialize, &p.string);
    let segments: Vec<&TopicSegmentDef> = def.segments().collect();
    let n = Literal::usize_unsuffixed(segments.len());
    let n1 = Literal::usize_unsuffixed(segments.len() + 1);

    let literals = literals(def);
    let wildcards = segments.iter().map(|s| match &s.wildcard {
        Some(w) => quote!(::std::option::Option::Some(#w)),
        None => quote!(::std::option::Option::None),
    });
    let pattern = &def.pattern;
    let accessors = segments.iter().enumerate().map(|(i, s)| {
        let i = Literal::usize_unsuffixed(i);
        let method = ident(&field_name(&s.name));
        let doc = format!(
            " The `{}` segment; `None` when the value does not follow the pattern.",
            s.name
        );
        quote! {
            #[doc = #doc]
            pub fn #method(&self) -> ::std::option::Option<&str> {
                self.segments().map(|s| s[#i])
            }
        }
    });
    let builder = builder(space, name, &segments, &literals);
    quote! {
        #attrs
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, #ser, #de, #schema_derive)]
        #[serde(transparent)]
        pub struct #ty(#string);

        impl #ty {
            /// The topic pattern, as the spec writes it.
            pub const PATTERN: &'static str = #pattern;
            const LITERALS: [&'static str; #n1] = [#(#literals),*];
            const WILDCARDS: [::std::option::Option<&'static str>; #n] = [#(#wildcards),*];

            /// The topic as written on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The segments in pattern order; `None` when the value does not follow the
            /// pattern (it is still kept, as received).
            pub fn segments(&self) -> ::std::option::Option<[&str; #n]> {
                Self::split(&self.0)
            }

            fn split(value: &str) -> ::std::option::Option<[&str; #n]> {
                let mut rest = value.strip_prefix(Self::LITERALS[0])?;
                let mut out = [""; #n];
                for (i, slot) in out.iter_mut().enumerate() {
                    if i + 1 == #n {
                        *slot = rest.strip_suffix(Self::LITERALS[#n])?;
                    } else {
                        let (segment, tail) = rest.split_once(Self::LITERALS[i + 1])?;
                        *slot = segment;
                        rest = tail;
                    }
                }
                out.iter().all(|s| !s.is_empty()).then_some(out)
            }

            /// Whether this topic, used as a subscription pattern, covers `topic`: equal
            /// segment by segment, a segment's wildcard covering any value of it.
            pub fn matches(&self, topic: &str) -> bool {
                match (self.segments(), Self::split(topic)) {
                    (::std::option::Option::Some(pattern), ::std::option::Option::Some(topic)) => pattern
                        .iter()
                        .zip(topic.iter())
                        .zip(Self::WILDCARDS.iter())
                        .all(|((p, t), w)| p == t || ::std::option::Option::Some(*p) == *w),
                    _ => self.0 == topic,
                }
            }

            #(#accessors)*
        }

        impl ::std::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::convert::From<#string> for #ty {
            fn from(value: #string) -> Self {
                Self(value)
            }
        }

        impl ::std::convert::From<&str> for #ty {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl ::std::convert::From<#ty> for #string {
            fn from(value: #ty) -> Self {
                value.0
            }
        }

        impl ::std::convert::AsRef<str> for #ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        #builder
    }
}

/// The literal before each segment, then the one after the last (empty where there is none).
fn literals(def: &TopicDef) -> Vec<String> {
    let mut out = vec![String::new()];
    for piece in &def.pieces {
        match piece {
            TopicPiece::Literal(l) => {
                if let Some(last) = out.last_mut() {
                    last.push_str(l);
                }
            }
            TopicPiece::Segment(_) => out.push(String::new()),
        }
    }
    out
}

/// A staged builder for patterns made of `{enum}{sep}{text}` pairs: one constructor per value
/// of the first pair, one method per value on each following stage; the last stage finishes
/// with an id (`call(id)`), the id wildcard (`calls()`) or both wildcards (`all()`).
fn builder(
    space: &TypeSpace,
    name: &str,
    segments: &[&TopicSegmentDef],
    literals: &[String],
) -> TokenStream {
    let pairs: Vec<(&TopicSegmentDef, &TopicSegmentDef)> = segments
        .chunks(2)
        .filter_map(|c| Some((*c.first()?, *c.get(1)?)))
        .collect();
    let shaped = segments.len() >= 2
        && segments.len() % 2 == 0
        && pairs
            .iter()
            .all(|(e, t)| !e.values.is_empty() && t.values.is_empty())
        && literals.first().is_some_and(String::is_empty)
        && literals.last().is_some_and(String::is_empty);
    let stage_names: Vec<String> = pairs
        .iter()
        .skip(1)
        .map(|(e, _)| format!("{name}{}Builder", type_name(&e.name, "Segment")))
        .collect();
    let taken = |n: &String| space.types.iter().any(|t| &t.name == n);
    if !shaped || stage_names.iter().any(taken) {
        return TokenStream::new();
    }
    let ty = ident(name);
    let mut out = TokenStream::new();
    for (k, (enum_seg, text_seg)) in pairs.iter().enumerate() {
        let before = &literals[2 * k];
        let between = &literals[2 * k + 1];
        let last = k + 1 == pairs.len();
        let (owner, next) = if k == 0 {
            (quote!(#ty), stage_names.first())
        } else {
            let own = ident(&stage_names[k - 1]);
            (quote!(#own), stage_names.get(k))
        };
        let start = if k == 0 {
            quote!(let mut value = ::std::string::String::new();)
        } else {
            quote!(let mut value = self.0;)
        };
        let finish = |value: TokenStream| match next {
            Some(n) if !last => {
                let n = ident(n);
                quote!(#n(#value))
            }
            _ => quote!(#ty(#value)),
        };
        let ret = match next {
            Some(n) if !last => {
                let n = ident(n);
                quote!(#n)
            }
            _ => quote!(#ty),
        };
        let self_arg = (k > 0).then(|| quote!(self,));
        let stems = stems(&enum_seg.values);
        // Methods on the topic type itself must not shadow its accessors.
        if k == 0
            && stems.iter().any(|s| {
                ["as_str", "segments", "split", "matches", "all"].contains(&s.as_str())
                    || segments.iter().any(|seg| field_name(&seg.name) == *s)
            })
        {
            return TokenStream::new();
        }
        let mut methods = Vec::new();
        for (value, stem) in enum_seg.values.iter().zip(&stems) {
            let prefix = format!("{before}{value}{between}");
            let method = ident(stem);
            let doc = format!(" `{prefix}{{{}}}`", text_seg.name);
            let built = finish(quote!(value));
            methods.push(quote! {
                #[doc = #doc]
                pub fn #method(#self_arg id: impl ::std::fmt::Display) -> #ret {
                    #start
                    value.push_str(#prefix);
                    value.push_str(&id.to_string());
                    #built
                }
            });
            if let (true, Some(w)) = (last, &text_seg.wildcard) {
                let plural = plural(stem);
                if !stems.contains(&plural) && plural != "all" {
                    let method = ident(&plural);
                    let full = format!("{prefix}{w}");
                    let doc = format!(" `{full}`: every {value}.");
                    let built = finish(quote!(value));
                    methods.push(quote! {
                        #[doc = #doc]
                        pub fn #method(#self_arg) -> #ret {
                            #start
                            value.push_str(#full);
                            #built
                        }
                    });
                }
            }
        }
        if let (true, Some(we), Some(wt), false) = (
            last,
            &enum_seg.wildcard,
            &text_seg.wildcard,
            stems.iter().any(|s| s == "all"),
        ) {
            let full = format!("{before}{we}{between}{wt}");
            let doc = format!(" `{full}`: everything.");
            let built = finish(quote!(value));
            methods.push(quote! {
                #[doc = #doc]
                pub fn all(#self_arg) -> #ret {
                    #start
                    value.push_str(#full);
                    #built
                }
            });
        }
        if k > 0 {
            let doc = format!(
                " A [`{name}`] being built: the segments before `{}`.",
                enum_seg.name
            );
            out.extend(quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq, Eq)]
                pub struct #owner(::std::string::String);
            });
        }
        out.extend(quote! {
            impl #owner {
                #(#methods)*
            }
        });
    }
    out
}

/// Method names for `values`: stems, or full names when two stems coincide.
fn stems(values: &[String]) -> Vec<String> {
    let short: Vec<String> = values.iter().map(|v| stem(v)).collect();
    let unique = short
        .iter()
        .enumerate()
        .all(|(i, s)| !short[..i].contains(s));
    if unique {
        short
    } else {
        values.iter().map(|v| field_name(v)).collect()
    }
}

/// `customer_id` → `customer`: the value names what the following id identifies.
fn stem(value: &str) -> String {
    let snake = field_name(value);
    let trimmed = snake.strip_suffix("_id").unwrap_or(&snake);
    if trimmed.is_empty() {
        snake
    } else {
        trimmed.to_owned()
    }
}

/// An English plural good enough for resource names (`call` → `calls`, `activity` →
/// `activities`, `box` → `boxes`).
fn plural(word: &str) -> String {
    let consonant_y = word.ends_with('y')
        && !word.ends_with("ay")
        && !word.ends_with("ey")
        && !word.ends_with("oy")
        && !word.ends_with("uy");
    if consonant_y {
        format!("{}ies", &word[..word.len() - 1])
    } else if ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|e| word.ends_with(e))
    {
        format!("{word}es")
    } else {
        format!("{word}s")
    }
}
