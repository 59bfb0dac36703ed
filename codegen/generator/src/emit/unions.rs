//! Decoding of the spec's discriminated unions by their tag. typify derives an untagged
//! `Deserialize`, which tries each variant in turn and, when none fits, says only "data did not
//! match any variant": it names neither the tag nor the field. The `Deserialize` emitted here
//! reads the tag first, refuses an unknown one at the tag's own path with the accepted values,
//! and decodes the variant it names, so an error says which field of which variant failed.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::punctuated::Punctuated;
use syn::{parse_quote, Fields, Item, Token, Type};

use super::progenitor::EmitError;
use crate::model::{ApiModel, UnionModel};

/// The variant's payload type name, for a one-field tuple variant.
fn payload_name(variant: &syn::Variant) -> Option<String> {
    let Fields::Unnamed(fields) = &variant.fields else {
        return None;
    };
    let [field] = fields.unnamed.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let Type::Path(path) = &field.ty else {
        return None;
    };
    Some(path.path.segments.last()?.ident.to_string())
}

/// Drops `Deserialize` from an item's derives (its impl is emitted here instead).
fn drop_derived_deserialize(attrs: &mut [syn::Attribute]) -> bool {
    let mut dropped = false;
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
        else {
            continue;
        };
        let kept: Punctuated<syn::Path, Token![,]> = paths
            .iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != "Deserialize"))
            .cloned()
            .collect();
        if kept.len() != paths.len() {
            dropped = true;
            *attr = parse_quote!(#[derive(#kept)]);
        }
    }
    dropped
}

fn deserialize_impl(union: &syn::ItemEnum, model: &UnionModel) -> Result<TokenStream, EmitError> {
    let name = &union.ident;
    let name_text = name.to_string();
    let unexpected = |expected: String| EmitError::UnexpectedShape {
        item: format!("schema `{name_text}`"),
        expected,
    };
    let mut arms = Vec::new();
    for (tag, schema) in &model.variants {
        let variant = union
            .variants
            .iter()
            .find(|v| payload_name(v).as_deref() == Some(schema.as_str()))
            .ok_or_else(|| unexpected(format!("a variant holding `{schema}` (tag {tag:?})")))?;
        let ident = &variant.ident;
        let ty = format_ident!("{}", schema);
        arms.push(quote! {
            #tag => tagged_union::variant::<#ty, D::Error>(object, #tag, #name_text).map(Self::#ident),
        });
    }
    let tags: Vec<&String> = model.variants.iter().map(|(tag, _)| tag).collect();
    let property = &model.property;
    Ok(quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                const TAGS: &[&str] = &[#(#tags),*];
                let (tag, object) = tagged_union::read(deserializer, #property, TAGS, #name_text)?;
                match tag.as_str() {
                    #(#arms)*
                    // `read` refused every other tag.
                    _ => ::std::result::Result::Err(<D::Error as ::serde::de::Error>::unknown_variant(&tag, TAGS)),
                }
            }
        }
    })
}

/// The helpers every emitted impl calls, once per types crate.
fn support_module() -> Item {
    parse_quote! {
        /// Decoding of tag-discriminated unions (see each union's `Deserialize`).
        mod tagged_union {
            use ::serde::de::{DeserializeSeed, Error, MapAccess, Visitor};

            struct Tag {
                property: &'static str,
                tags: &'static [&'static str],
                union: &'static str,
            }

            impl<'de> DeserializeSeed<'de> for Tag {
                type Value = ::std::string::String;
                fn deserialize<D: ::serde::Deserializer<'de>>(self, deserializer: D) -> ::std::result::Result<Self::Value, D::Error> {
                    let tag = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                    if self.tags.contains(&tag.as_str()) {
                        return ::std::result::Result::Ok(tag);
                    }
                    let expected = self.tags.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", ");
                    ::std::result::Result::Err(D::Error::custom(format_args!(
                        "unknown {} {tag:?} for {}: expected one of {expected}",
                        self.property, self.union
                    )))
                }
            }

            struct Object(Tag);

            impl<'de> Visitor<'de> for Object {
                type Value = (::std::string::String, ::serde_json::Map<::std::string::String, ::serde_json::Value>);
                fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    write!(f, "a {} object with a `{}`", self.0.union, self.0.property)
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> ::std::result::Result<Self::Value, A::Error> {
                    let Object(tag_seed) = self;
                    let (property, union) = (tag_seed.property, tag_seed.union);
                    let mut seed = ::std::option::Option::Some(tag_seed);
                    let mut tag = ::std::option::Option::None;
                    let mut object = ::serde_json::Map::new();
                    while let ::std::option::Option::Some(key) = map.next_key::<::std::string::String>()? {
                        if key == property {
                            // The tag is read through its own seed, so an unknown one fails
                            // at the tag's path.
                            let Some(seed) = seed.take() else {
                                return ::std::result::Result::Err(A::Error::duplicate_field(property));
                            };
                            let value = map.next_value_seed(seed)?;
                            object.insert(key, ::serde_json::Value::String(value.clone()));
                            tag = ::std::option::Option::Some(value);
                        } else {
                            object.insert(key, map.next_value()?);
                        }
                    }
                    match tag {
                        ::std::option::Option::Some(tag) => ::std::result::Result::Ok((tag, object)),
                        ::std::option::Option::None => ::std::result::Result::Err(A::Error::custom(format_args!(
                            "missing field `{property}`, which tells the kind of {union}"
                        ))),
                    }
                }
            }

            /// Reads an object whose `property` is one of `tags`: the tag and every member.
            pub(super) fn read<'de, D: ::serde::Deserializer<'de>>(
                deserializer: D,
                property: &'static str,
                tags: &'static [&'static str],
                union: &'static str,
            ) -> ::std::result::Result<(::std::string::String, ::serde_json::Map<::std::string::String, ::serde_json::Value>), D::Error> {
                deserializer.deserialize_map(Object(Tag { property, tags, union }))
            }

            /// Decodes the variant a tag named; an error names the field's path within it.
            pub(super) fn variant<T: ::serde::de::DeserializeOwned, E: Error>(
                object: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                tag: &str,
                union: &str,
            ) -> ::std::result::Result<T, E> {
                ::serde_path_to_error::deserialize(::serde_json::Value::Object(object)).map_err(|error| {
                    let path = error.path().to_string();
                    let inner = error.into_inner();
                    if path == "." {
                        E::custom(format_args!("{inner} in a {tag:?} {union}"))
                    } else {
                        E::custom(format_args!("{path}: {inner} in a {tag:?} {union}"))
                    }
                })
            }
        }
    }
}

/// Replaces the derived `Deserialize` of every discriminated union in the types file.
pub fn add_tagged_deserialize(file: &mut syn::File, model: &ApiModel) -> Result<(), EmitError> {
    let mut impls = Vec::new();
    for item in &mut file.items {
        let Item::Enum(union) = item else { continue };
        let Some(union_model) = model
            .schemas
            .get(&union.ident.to_string())
            .and_then(|s| s.union.as_ref())
        else {
            continue;
        };
        if !drop_derived_deserialize(&mut union.attrs) {
            return Err(EmitError::UnexpectedShape {
                item: format!("schema `{}`", union.ident),
                expected: "a derived `Deserialize` on the union".to_string(),
            });
        }
        impls.push(deserialize_impl(union, union_model)?);
    }
    if !impls.is_empty() {
        file.items.push(support_module());
        for tokens in impls {
            file.items.push(
                syn::parse2(tokens)
                    .map_err(|e| EmitError::Output(format!("union decoding: {e}")))?,
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SchemaModel;

    fn model(variants: &[(&str, &str)]) -> ApiModel {
        let union = UnionModel {
            property: "kind".into(),
            variants: variants
                .iter()
                .map(|(t, s)| (t.to_string(), s.to_string()))
                .collect(),
        };
        ApiModel {
            title: String::new(),
            version: String::new(),
            description: String::new(),
            base_url: String::new(),
            tags: Vec::new(),
            operations: Vec::new(),
            schemas: [(
                "Shape".to_string(),
                SchemaModel {
                    name: "Shape".into(),
                    description: String::new(),
                    constraints: Vec::new(),
                    union: Some(union),
                },
            )]
            .into(),
        }
    }

    fn types_file() -> syn::File {
        parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            #[serde(untagged)]
            pub enum Shape { Round(ShapeRound), Square(ShapeSquare) }
        }
    }

    #[test]
    fn the_derived_deserialize_is_replaced_by_tag_dispatch() {
        let mut file = types_file();
        add_tagged_deserialize(
            &mut file,
            &model(&[("round", "ShapeRound"), ("square", "ShapeSquare")]),
        )
        .unwrap();
        let text = quote!(#file).to_string();
        assert!(
            !text.contains(":: serde :: Deserialize , :: serde :: Serialize"),
            "{text}"
        );
        assert!(
            text.contains("impl < 'de > :: serde :: Deserialize < 'de > for Shape"),
            "{text}"
        );
        assert!(
            text.contains("\"round\" => tagged_union :: variant :: < ShapeRound"),
            "{text}"
        );
        assert!(text.contains("mod tagged_union"), "{text}");
    }

    #[test]
    fn a_variant_missing_from_the_enum_is_an_error_naming_the_schema() {
        let mut file = types_file();
        let error = add_tagged_deserialize(&mut file, &model(&[("oval", "ShapeOval")]))
            .unwrap_err()
            .to_string();
        assert!(error.contains("schema `Shape`"), "{error}");
        assert!(error.contains("`ShapeOval`"), "{error}");
    }
}
