//! Tagged unions' output pass: each union an enum that reads and writes its tag. The variant
//! structs do not repeat the tag (the input pass strips it from them); the
//! union reads and writes it. typify's untagged `Deserialize` tries each variant in turn and,
//! when none fits, says only "data did not match any variant"; the one emitted here reads the
//! tag first and decodes the member it names, so an error says which field of which member
//! failed, and a tag this version does not know decodes as `Unknown`, kept whole and written
//! back unchanged. Validation refuses `Unknown` in a request, pointing at the tag.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::punctuated::Punctuated;
use syn::{parse_quote, Item, Token};

use crate::error::EmitError;
use crate::model::{ApiModel, UnionModel};
use crate::paths::Paths;

/// Drops `Serialize`, `Deserialize` and `Validate` from an item's derives (their impls are
/// emitted here instead) and every `#[serde(...)]` attribute (`untagged`, `tag = ...`: serde no
/// longer reads them); whether `Deserialize` was derived.
fn drop_derived_impls(attrs: &mut Vec<syn::Attribute>) -> bool {
    let mut had_deserialize = false;
    let replaced: Vec<syn::Attribute> = attrs
        .drain(..)
        .filter_map(|attr| {
            if attr.path().is_ident("serde") {
                return None;
            }
            if !attr.path().is_ident("derive") {
                return Some(attr);
            }
            let Ok(paths) =
                attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
            else {
                return Some(attr);
            };
            let kept: Punctuated<syn::Path, Token![,]> = paths
                .iter()
                .filter(|p| {
                    let last = p.segments.last().map(|s| s.ident.to_string());
                    if last.as_deref() == Some("Deserialize") {
                        had_deserialize = true;
                    }
                    !matches!(
                        last.as_deref(),
                        Some("Deserialize" | "Serialize" | "Validate")
                    )
                })
                .cloned()
                .collect();
            (!kept.is_empty()).then(|| parse_quote!(#[derive(#kept)]))
        })
        .collect();
    *attrs = replaced;
    had_deserialize
}

fn union_impls(union: &syn::ItemEnum, model: &UnionModel, paths: &Paths) -> TokenStream {
    let name = &union.ident;
    let name_text = name.to_string();
    let validate = &paths.validate;
    let property = &model.property;
    let mut read_arms = Vec::new();
    let mut write_arms = Vec::new();
    let mut validate_arms = Vec::new();
    let mut conversions = Vec::new();
    for variant in &model.variants {
        let (tag, ident) = (&variant.tag, format_ident!("{}", variant.name));
        let ty = format_ident!("{}", variant.schema);
        read_arms.push(quote! {
            #tag => tagged_union::variant::<#ty, D::Error>(fields, #tag, #name_text).map(Self::#ident),
        });
        write_arms.push(quote! {
            Self::#ident(value) => tagged_union::write(serializer, #property, #tag, value),
        });
        validate_arms.push(quote! {
            Self::#ident(value) => #validate::Validate::validate_into(value, path, report),
        });
        conversions.push(quote! {
            impl ::std::convert::From<#ty> for #name {
                fn from(value: #ty) -> Self {
                    Self::#ident(value)
                }
            }
        });
    }
    let tags: Vec<&String> = model.variants.iter().map(|v| &v.tag).collect();
    let expected = tags
        .iter()
        .map(|t| format!("{t:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    quote! {
        #(#conversions)*

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let (tag, fields) = tagged_union::read(deserializer, #property, #name_text)?;
                match tag.as_str() {
                    #(#read_arms)*
                    _ => ::std::result::Result::Ok(Self::Unknown(UnknownVariant::new(tag, fields))),
                }
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self {
                    #(#write_arms)*
                    Self::Unknown(unknown) => tagged_union::write(serializer, #property, unknown.tag(), unknown.fields()),
                }
            }
        }

        impl #validate::Validate for #name {
            fn validate_into(&self, path: &#validate::Path<'_>, report: &mut #validate::Report) {
                match self {
                    #(#validate_arms)*
                    Self::Unknown(unknown) => report.push(&path.field(#property), #validate::Code::UnknownValue, || {
                        format!("unknown {} {:?} for {}: expected one of {}", #property, unknown.tag(), #name_text, #expected)
                    }),
                }
            }
        }
    }
}

/// The helpers every emitted impl calls, and the type that keeps an unknown member, once per
/// types crate.
fn support_items() -> Vec<Item> {
    let file: syn::File = parse_quote! {
        /// A member of a tagged union of a kind this version of the crate does not know: its
        /// tag and every other field, kept as they came and sent back unchanged.
        #[derive(Clone, Debug, Eq, PartialEq)]
        pub struct UnknownVariant {
            tag: ::std::string::String,
            fields: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
        }

        impl UnknownVariant {
            /// A member of kind `tag` with these fields (the tag itself is not among them).
            /// Sending one is deliberate: validation refuses it unless turned off.
            pub fn new(
                tag: impl ::std::convert::Into<::std::string::String>,
                fields: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
            ) -> Self {
                UnknownVariant { tag: tag.into(), fields }
            }

            /// The tag's value, such as a kind added to the API after this crate was made.
            pub fn tag(&self) -> &str {
                &self.tag
            }

            /// Every field but the tag.
            pub fn fields(&self) -> &::serde_json::Map<::std::string::String, ::serde_json::Value> {
                &self.fields
            }
        }

        /// Decoding and encoding of tag-discriminated unions (see each union's impls).
        mod tagged_union {
            use ::serde::de::{Error, MapAccess, Visitor};
            use ::serde::ser::SerializeMap;

            struct Object {
                property: &'static str,
                union: &'static str,
            }

            impl<'de> Visitor<'de> for Object {
                type Value = (::std::string::String, ::serde_json::Map<::std::string::String, ::serde_json::Value>);
                fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    write!(f, "a {} object with a `{}`", self.union, self.property)
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> ::std::result::Result<Self::Value, A::Error> {
                    let mut tag: ::std::option::Option<::std::string::String> = ::std::option::Option::None;
                    let mut fields = ::serde_json::Map::new();
                    while let ::std::option::Option::Some(key) = map.next_key::<::std::string::String>()? {
                        if key == self.property {
                            if tag.is_some() {
                                return ::std::result::Result::Err(A::Error::duplicate_field(self.property));
                            }
                            tag = ::std::option::Option::Some(map.next_value()?);
                        } else {
                            fields.insert(key, map.next_value()?);
                        }
                    }
                    match tag {
                        ::std::option::Option::Some(tag) => ::std::result::Result::Ok((tag, fields)),
                        ::std::option::Option::None => ::std::result::Result::Err(A::Error::custom(format_args!(
                            "missing field `{}`, which tells the kind of {}", self.property, self.union
                        ))),
                    }
                }
            }

            /// Reads an object: its `property` (the tag) and every other field.
            pub(super) fn read<'de, D: ::serde::Deserializer<'de>>(
                deserializer: D,
                property: &'static str,
                union: &'static str,
            ) -> ::std::result::Result<(::std::string::String, ::serde_json::Map<::std::string::String, ::serde_json::Value>), D::Error> {
                deserializer.deserialize_map(Object { property, union })
            }

            /// Decodes the member a tag named; an error names the field's path within it.
            pub(super) fn variant<T: ::serde::de::DeserializeOwned, E: Error>(
                fields: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
                tag: &str,
                union: &str,
            ) -> ::std::result::Result<T, E> {
                ::serde_path_to_error::deserialize(::serde_json::Value::Object(fields)).map_err(|error| {
                    let path = error.path().to_string();
                    let inner = error.into_inner();
                    if path == "." {
                        E::custom(format_args!("{inner} in a {tag:?} {union}"))
                    } else {
                        E::custom(format_args!("{path}: {inner} in a {tag:?} {union}"))
                    }
                })
            }

            /// Writes a member: the tag first, then its fields.
            pub(super) fn write<S: ::serde::Serializer, T: ::serde::Serialize>(
                serializer: S,
                property: &str,
                tag: &str,
                value: &T,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                let fields = match ::serde_json::to_value(value) {
                    ::std::result::Result::Ok(::serde_json::Value::Object(fields)) => fields,
                    ::std::result::Result::Ok(_) => {
                        return ::std::result::Result::Err(::serde::ser::Error::custom("a union member must encode as an object"))
                    }
                    ::std::result::Result::Err(error) => return ::std::result::Result::Err(::serde::ser::Error::custom(error)),
                };
                let mut map = serializer.serialize_map(::std::option::Option::Some(fields.len() + 1))?;
                map.serialize_entry(property, tag)?;
                for (key, value) in fields.iter().filter(|(key, _)| key.as_str() != property) {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    };
    file.items
}

/// Rewrites every discriminated union of the types file into an enum that reads and writes its
/// tag itself: one variant per member, named as the model names it (never after its siblings,
/// so a member added later renames nothing), and an `Unknown` member for kinds this version
/// does not know.
pub fn rewrite_unions(
    file: &mut syn::File,
    model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    let mut impls = Vec::new();
    let mut rewritten = Vec::new();
    for item in &mut file.items {
        let Item::Enum(union) = item else { continue };
        let Some(union_model) = model
            .schemas
            .get(&union.ident.to_string())
            .and_then(|s| s.union.as_ref())
        else {
            continue;
        };
        if !drop_derived_impls(&mut union.attrs) {
            return Err(EmitError::UnexpectedShape {
                item: format!("schema `{}`", union.ident),
                expected: "a derived `Deserialize` on the union".to_string(),
            });
        }
        union.variants = union_model
            .variants
            .iter()
            .map(|variant| {
                let (name, ty) = (
                    format_ident!("{}", variant.name),
                    format_ident!("{}", variant.schema),
                );
                let variant: syn::Variant = parse_quote!(#name(#ty));
                variant
            })
            .collect();
        union.variants.push(parse_quote! {
            /// A kind this version of the crate does not know, kept as it came.
            Unknown(UnknownVariant)
        });
        impls.push(union_impls(union, union_model, paths));
        rewritten.push(union.ident.to_string());
    }
    // typify's `From<member>` impls name its own variants; the model's names replace them
    // (`union_impls` writes one per member).
    file.items.retain(|item| match item {
        Item::Impl(imp) => {
            let is_from = imp
                .trait_
                .as_ref()
                .is_some_and(|(path, _)| path.segments.last().is_some_and(|s| s.ident == "From"));
            !(is_from && crate::syntax::self_type_name(imp).is_some_and(|n| rewritten.contains(&n)))
        }
        _ => true,
    });
    if !impls.is_empty() {
        file.items.extend(support_items());
        for tokens in impls {
            let impl_file: syn::File =
                syn::parse2(tokens).map_err(|e| EmitError::Output(format!("union impls: {e}")))?;
            file.items.extend(impl_file.items);
        }
    }
    Ok(())
}

/// The pass: every union of the types.
pub fn apply(
    generated: &mut crate::passes::Generated,
    model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    rewrite_unions(&mut generated.types, model, paths)?;
    add_accessors(&mut generated.types, model);
    Ok(())
}

/// The string fields of a union's members, each with the members that have it as a string:
/// an accessor exists when any member has the field, so a member added later never takes one
/// away (it answers `None` where it has no such field).
fn string_fields(types: &syn::File, union: &UnionModel) -> Vec<(String, Vec<String>)> {
    let fields_of = |schema: &str| -> Vec<String> {
        types
            .items
            .iter()
            .find_map(|item| match item {
                Item::Struct(s) if s.ident == schema => match &s.fields {
                    syn::Fields::Named(named) => Some(
                        named
                            .named
                            .iter()
                            .filter(|f| crate::syntax::is_path(&f.ty, &["std", "string", "String"]))
                            .filter_map(|f| f.ident.as_ref().map(|i| i.to_string()))
                            .collect(),
                    ),
                    _ => None,
                },
                _ => None,
            })
            .unwrap_or_default()
    };
    let mut fields: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for variant in &union.variants {
        for field in fields_of(&variant.schema) {
            fields.entry(field).or_default().push(variant.name.clone());
        }
    }
    fields.into_iter().collect()
}

/// `is_direct()`, `as_direct()` per member; the tag (`tag()`, and `state()` when the
/// property's name can be a method); and each string field any member has (`name()`), read
/// from an unknown member's fields too.
fn add_accessors(types: &mut syn::File, model: &ApiModel) {
    let mut impls: Vec<Item> = Vec::new();
    for (union_name, schema) in &model.schemas {
        let Some(union) = &schema.union else { continue };
        let ty = format_ident!("{}", union_name);
        let mut methods: Vec<syn::ImplItem> = Vec::new();
        for variant in &union.variants {
            let member = format_ident!("{}", variant.name);
            let member_ty = format_ident!("{}", variant.schema);
            let snake = crate::naming::snake_case(&variant.name);
            let (is, as_) = (format_ident!("is_{}", snake), format_ident!("as_{}", snake));
            let is_doc = format!(
                " Whether this is a `{}` member (`{}: {}`).",
                variant.name, union.property, variant.tag
            );
            let as_doc = format!(" The `{}` member, if this is one.", variant.name);
            methods.push(parse_quote! {
                #[doc = #is_doc]
                pub fn #is(&self) -> bool {
                    ::std::matches!(self, Self::#member(_))
                }
            });
            methods.push(parse_quote! {
                #[doc = #as_doc]
                pub fn #as_(&self) -> ::std::option::Option<&#member_ty> {
                    match self {
                        Self::#member(member) => ::std::option::Option::Some(member),
                        _ => ::std::option::Option::None,
                    }
                }
            });
        }
        let arms = union.variants.iter().map(|v| {
            let (member, tag) = (format_ident!("{}", v.name), &v.tag);
            quote!(Self::#member(_) => #tag,)
        });
        let tag_doc = format!(
            " The `{}` tag: which member this is, known or not.",
            union.property
        );
        methods.push(parse_quote! {
            #[doc = #tag_doc]
            pub fn tag(&self) -> &str {
                match self {
                    #(#arms)*
                    Self::Unknown(unknown) => unknown.tag(),
                }
            }
        });
        // By the property's name alone, so that no member added later can take it away.
        let property_is_method =
            syn::parse_str::<syn::Ident>(&union.property).is_ok() && union.property != "tag";
        if property_is_method {
            let method = format_ident!("{}", union.property);
            let doc = format!(
                " The `{}`: [`tag`](Self::tag) by its name in the API.",
                union.property
            );
            methods.push(parse_quote! {
                #[doc = #doc]
                pub fn #method(&self) -> &str {
                    self.tag()
                }
            });
        }
        let taken: Vec<String> = union
            .variants
            .iter()
            .flat_map(|v| {
                let snake = crate::naming::snake_case(&v.name);
                [format!("is_{snake}"), format!("as_{snake}")]
            })
            .chain(["tag".to_string(), union.property.clone()])
            .collect();
        for (field, members) in string_fields(types, union) {
            if taken.contains(&field) || syn::parse_str::<syn::Ident>(&field).is_err() {
                continue;
            }
            let method = format_ident!("{}", field);
            let arms = members.iter().map(|name| {
                let member = format_ident!("{}", name);
                quote!(Self::#member(member) => ::std::option::Option::Some(member.#method.as_str()),)
            });
            let doc = format!(
                " The `{field}` of the members that hold it as text, and an unknown member's when \
                 it sent one as text; `None` for the others."
            );
            methods.push(parse_quote! {
                #[doc = #doc]
                #[allow(unreachable_patterns)]
                pub fn #method(&self) -> ::std::option::Option<&str> {
                    match self {
                        #(#arms)*
                        Self::Unknown(unknown) => unknown.fields().get(#field).and_then(|value| value.as_str()),
                        _ => ::std::option::Option::None,
                    }
                }
            });
        }
        impls.push(parse_quote! {
            impl #ty {
                #(#methods)*
            }
        });
    }
    types.items.extend(impls);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SchemaModel;

    fn model(variants: &[(&str, &str)]) -> ApiModel {
        let union = UnionModel {
            wait_failures: Default::default(),
            property: "kind".into(),
            variants: variants
                .iter()
                .map(|(t, s)| crate::model::UnionVariant {
                    tag: t.to_string(),
                    schema: s.to_string(),
                    name: crate::naming::value_name(t),
                    former_name: None,
                })
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
                    usage: Default::default(),
                    enum_values: None,
                    former_names: Vec::new(),
                },
            )]
            .into(),
        }
    }

    fn types_file() -> syn::File {
        parse_quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
            #[serde(untagged)]
            #[derive(::validate::Validate)]
            pub enum Shape { Round(ShapeRound), Square(ShapeSquare) }
        }
    }

    fn paths() -> Paths {
        Paths::new(&crate::config::Config::default(), quote!(::types))
    }

    #[test]
    fn the_union_reads_and_writes_its_tag_and_keeps_unknown_kinds() {
        let mut file = types_file();
        let model = model(&[("round", "ShapeRound"), ("square", "ShapeSquare")]);
        rewrite_unions(&mut file, &model, &paths()).unwrap();
        use crate::syntax::has_tokens;
        assert!(!has_tokens(&file, "untagged"));
        assert!(has_tokens(&file, "Unknown(UnknownVariant)"));
        assert!(has_tokens(
            &file,
            "impl<'de> ::serde::Deserialize<'de> for Shape"
        ));
        assert!(has_tokens(&file, "impl ::serde::Serialize for Shape"));
        assert!(has_tokens(
            &file,
            r#""round" => tagged_union::variant::<ShapeRound"#
        ));
        assert!(has_tokens(&file, "Round(ShapeRound)"));
        assert!(has_tokens(&file, "mod tagged_union"));
    }

    #[test]
    fn variants_are_named_by_the_model_and_a_new_member_renames_nothing() {
        let names = |variants: &[(&str, &str)]| {
            let mut file = types_file();
            rewrite_unions(&mut file, &model(variants), &paths()).unwrap();
            let Item::Enum(union) = &file.items[0] else {
                panic!("the union comes first")
            };
            union
                .variants
                .iter()
                .cloned()
                .collect::<Vec<syn::Variant>>()
        };
        let before = names(&[("round", "ShapeRound"), ("square", "ShapeSquare")]);
        let after = names(&[
            ("round", "ShapeRound"),
            ("square", "ShapeSquare"),
            ("oval", "Oval"),
        ]);
        assert!(
            before[..2].iter().all(|v| after.contains(v)),
            "{before:?} {after:?}"
        );
        let oval: syn::Variant = parse_quote!(Oval(Oval));
        assert!(after.contains(&oval), "{after:?}");
        assert!(
            crate::syntax::has_tokens(&before[0], "Round(ShapeRound)"),
            "{before:?}"
        );
    }

    #[test]
    fn a_text_field_of_any_member_has_an_accessor_so_a_new_member_takes_none_away() {
        let types: syn::File = parse_quote! {
            pub struct Round { pub name: ::std::string::String, pub radius: i64 }
            pub struct Square { pub name: ::std::string::String, pub owner: ::std::string::String }
            pub struct Blob { pub size: i64 }
        };
        let union = |members: &[(&str, &str)]| UnionModel {
            wait_failures: Default::default(),
            property: "kind".into(),
            variants: members
                .iter()
                .map(|(tag, schema)| crate::model::UnionVariant {
                    tag: tag.to_string(),
                    schema: schema.to_string(),
                    name: schema.to_string(),
                    former_name: None,
                })
                .collect(),
        };
        let before = string_fields(&types, &union(&[("round", "Round"), ("square", "Square")]));
        let after = string_fields(
            &types,
            &union(&[("round", "Round"), ("square", "Square"), ("blob", "Blob")]),
        );
        assert_eq!(
            before, after,
            "a member without text fields changes nothing"
        );
        assert_eq!(
            after,
            [
                (
                    "name".to_string(),
                    vec!["Round".to_string(), "Square".to_string()]
                ),
                ("owner".to_string(), vec!["Square".to_string()]),
            ]
        );
    }
}
