//! Forward compatibility's output pass: every generated struct and enum `#[non_exhaustive]`,
//! string enums that keep a value they do not know (`Unknown(String)`), and builders whose map
//! of unknown fields starts empty.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::punctuated::Punctuated;
use syn::{parse_quote, Fields, Item, Token};

use crate::error::EmitError;
use crate::model::ApiModel;
use crate::paths::Paths;

/// Adds `#[non_exhaustive]` to every top-level struct and enum, and documents the `extra` maps.
pub fn add_non_exhaustive(file: &mut syn::File) {
    let marker: syn::Attribute = parse_quote!(#[non_exhaustive]);
    for item in &mut file.items {
        match item {
            Item::Struct(s) => {
                if !s.attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) {
                    s.attrs.push(marker.clone());
                }
                // A member with no fields of its own (typify's newtype over the map of fields it
                // does not know) is built with `Default::default()`.
                let map_newtype = matches!(&s.fields, Fields::Unnamed(f)
                    if f.unnamed.len() == 1 && is_json_map(&f.unnamed[0].ty));
                if map_newtype {
                    s.attrs.push(parse_quote!(#[derive(Default)]));
                }
                if let Fields::Named(fields) = &mut s.fields {
                    for field in fields.named.iter_mut() {
                        let flattened = crate::syntax::has_serde_flag(&field.attrs, "flatten");
                        if flattened && !field.attrs.iter().any(|a| a.path().is_ident("doc")) {
                            let doc = super::input::UNKNOWN_FIELDS_DOC;
                            field.attrs.insert(0, parse_quote!(#[doc = #doc]));
                        }
                    }
                }
            }
            Item::Enum(e) if !e.attrs.iter().any(|a| a.path().is_ident("non_exhaustive")) => {
                e.attrs.push(marker.clone());
            }
            _ => {}
        }
    }
}

/// Whether `ty` is `serde_json::Map<..>`.
fn is_json_map(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Map"))
}

/// The names of the top-level structs' flattened fields: `(struct, field)`.
fn flattened_fields(file: &syn::File) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for item in &file.items {
        let Item::Struct(s) = item else { continue };
        let Fields::Named(fields) = &s.fields else {
            continue;
        };
        for field in &fields.named {
            let flattened = crate::syntax::has_serde_flag(&field.attrs, "flatten");
            if let (true, Some(ident)) = (flattened, &field.ident) {
                out.push((s.ident.to_string(), ident.to_string()));
            }
        }
    }
    out
}

/// typify's builders start a flattened map unset, so `try_into()` would fail until the caller
/// sets the map of unknown fields; it starts empty instead.
pub fn default_flattened_builder_fields(file: &mut syn::File) -> Result<(), EmitError> {
    let flattened = flattened_fields(file);
    let Some(builders) = crate::syntax::module_items(&mut file.items, "builder") else {
        return if flattened.is_empty() {
            Ok(())
        } else {
            Err(EmitError::UnexpectedShape {
                item: "the types".to_string(),
                expected: "a `builder` module".to_string(),
            })
        };
    };
    for (type_name, field_name) in flattened {
        let mut found = false;
        for item in builders.iter_mut() {
            let Item::Impl(imp) = item else { continue };
            let is_default = imp
                .trait_
                .as_ref()
                .is_some_and(|t| t.0.segments.last().is_some_and(|s| s.ident == "Default"));
            if !is_default || crate::syntax::self_type_name(imp).as_deref() != Some(&type_name) {
                continue;
            }
            for member in &mut imp.items {
                let syn::ImplItem::Fn(f) = member else {
                    continue;
                };
                let Some(syn::Stmt::Expr(syn::Expr::Struct(init), _)) = f.block.stmts.last_mut()
                else {
                    continue;
                };
                for field in init.fields.iter_mut() {
                    if matches!(&field.member, syn::Member::Named(n) if *n == field_name) {
                        field.expr = parse_quote!(Ok(Default::default()));
                        found = true;
                    }
                }
            }
        }
        if !found {
            return Err(EmitError::UnexpectedShape {
                item: format!("schema `{type_name}`"),
                expected: format!("a builder `Default` that sets `{field_name}`"),
            });
        }
    }
    Ok(())
}

/// A string enum's variants: (Rust name, wire value), from typify's unit variants.
fn string_enum_values(e: &syn::ItemEnum) -> Option<Vec<(syn::Ident, String)>> {
    e.variants
        .iter()
        .map(|v| {
            if !matches!(v.fields, Fields::Unit) {
                return None;
            }
            let wire = crate::syntax::serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string());
            Some((v.ident.clone(), super::input::decode_enum_value(&wire)))
        })
        .collect()
}

fn has_serde_derive(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .is_ok_and(|paths| {
                    paths
                        .iter()
                        .any(|p| p.segments.last().is_some_and(|s| s.ident == "Deserialize"))
                })
        })
}

/// Rewrites every string enum of the types file: its known values (named as the model names
/// them), an `Unknown(String)` that keeps any other value, and the conversions, serde and
/// validation that go with it.
pub fn rewrite_string_enums(
    file: &mut syn::File,
    model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    let mut rewritten: Vec<(usize, Vec<Item>)> = Vec::new();
    let mut names = Vec::new();
    // (enum, typify's variant) → the variant's name now: typify's defaults name its own.
    let mut renamed = std::collections::BTreeMap::new();
    for (index, item) in file.items.iter().enumerate() {
        let Item::Enum(e) = item else { continue };
        let name = e.ident.to_string();
        let is_union = model.schemas.get(&name).is_some_and(|s| s.union.is_some());
        if is_union || !has_serde_derive(&e.attrs) {
            continue;
        }
        let Some(mut values) = string_enum_values(e) else {
            continue;
        };
        // Every value is named by the model (the overlay's `x-cni-enum-names`, else the rule),
        // an enum the model does not hold (an inline one) by the rule: typify's own names
        // would change with a value added beside them.
        let known = model
            .schemas
            .get(&name)
            .and_then(|s| s.enum_values.as_ref());
        let mut taken = std::collections::BTreeSet::new();
        for (ident, wire) in values.iter_mut() {
            let chosen = known
                .and_then(|known| known.iter().find(|v| v.wire == *wire))
                .map_or_else(|| crate::naming::value_name(wire), |v| v.name.clone());
            // Two values the rule names alike: the later one, in the spec's order, numbered.
            let mut unique = chosen.clone();
            let mut n = 2;
            while !taken.insert(unique.clone()) {
                unique = format!("{chosen}{n}");
                n += 1;
            }
            let chosen = format_ident!("{}", unique);
            if *ident != chosen {
                renamed.insert((name.clone(), ident.to_string()), chosen.clone());
            }
            *ident = chosen;
        }
        rewritten.push((index, string_enum(e, &values, paths)));
        names.push(name);
    }
    // typify's own impls for these enums (Display, FromStr, TryFrom) are replaced too.
    file.items.retain(|item| match item {
        Item::Impl(imp) => !crate::syntax::self_type_name(imp).is_some_and(|n| names.contains(&n)),
        _ => true,
    });
    // Indices shifted when impls were removed: find each enum again by name.
    for (_, items) in rewritten {
        let Some(Item::Enum(new_enum)) = items.first() else {
            continue;
        };
        let position = file
            .items
            .iter()
            .position(|i| matches!(i, Item::Enum(e) if e.ident == new_enum.ident));
        if let Some(position) = position {
            file.items.splice(position..=position, items);
        }
    }
    syn::visit_mut::VisitMut::visit_file_mut(&mut VariantPaths(&renamed), file);
    Ok(())
}

/// Renames typify's variant in every path that names it (`super::Method::Get` in a default
/// value's function becomes `super::Method::GET`).
struct VariantPaths<'r>(&'r std::collections::BTreeMap<(String, String), syn::Ident>);

impl syn::visit_mut::VisitMut for VariantPaths<'_> {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        let count = path.segments.len();
        if count >= 2 {
            let key = (
                path.segments[count - 2].ident.to_string(),
                path.segments[count - 1].ident.to_string(),
            );
            if let Some(new) = self.0.get(&key) {
                path.segments[count - 1].ident = new.clone();
            }
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

fn string_enum(e: &syn::ItemEnum, values: &[(syn::Ident, String)], paths: &Paths) -> Vec<Item> {
    let name = &e.ident;
    let validate = &paths.validate;
    let docs: Vec<&syn::Attribute> = e
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let idents: Vec<&syn::Ident> = values.iter().map(|(i, _)| i).collect();
    let wires: Vec<&String> = values.iter().map(|(_, w)| w).collect();
    let variant_docs: Vec<String> = wires.iter().map(|w| format!("`{w}`")).collect();
    let expected = wires
        .iter()
        .map(|w| format!("{w:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let tokens: TokenStream = quote! {
        #(#docs)*
        ///
        /// A value this version of the crate does not know decodes as `Unknown` and encodes
        /// back unchanged; validation refuses it in a request.
        ///
        /// Values compare, order and hash by what they are on the wire (`as_str`), so a value a
        /// later version knows equals its `Unknown` in this one, and a value added later moves
        /// no other in the order.
        #[derive(Clone, Debug)]
        #[non_exhaustive]
        pub enum #name {
            #(#[doc = #variant_docs] #idents,)*
            /// A value this version of the crate does not know, kept as it came.
            Unknown(::std::string::String),
        }

        /// The value as sent on the wire (a path segment or a query value takes it so).
        impl ::std::convert::AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl #name {
            /// Every value this version knows, as sent on the wire, in the spec's order.
            pub const KNOWN: &'static [&'static str] = &[#(#wires),*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#idents => #wires,)*
                    Self::Unknown(value) => value.as_str(),
                }
            }

            /// Whether this version of the crate knows the value.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::cmp::PartialEq for #name {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl ::std::cmp::Eq for #name {}

        impl ::std::hash::Hash for #name {
            fn hash<H: ::std::hash::Hasher>(&self, state: &mut H) {
                self.as_str().hash(state)
            }
        }

        impl ::std::cmp::PartialOrd for #name {
            fn partial_cmp(&self, other: &Self) -> ::std::option::Option<::std::cmp::Ordering> {
                ::std::option::Option::Some(self.cmp(other))
            }
        }

        impl ::std::cmp::Ord for #name {
            fn cmp(&self, other: &Self) -> ::std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#wires => Self::#idents,)*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    #(#wires => Self::#idents,)*
                    _ => Self::Unknown(value),
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(value.into())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                <::std::string::String as ::serde::Deserialize>::deserialize(deserializer).map(Self::from)
            }
        }

        impl #validate::Validate for #name {
            fn validate_into(&self, path: &#validate::Path<'_>, report: &mut #validate::Report) {
                if let Self::Unknown(value) = self {
                    report.push(path, #validate::Code::UnknownValue, || {
                        format!("unknown value {value:?}: expected one of {}", #expected)
                    });
                }
            }
        }
    };
    let file: syn::File = parse_quote!(#tokens);
    file.items
}
/// The pass: string enums, builders' maps of unknown fields, `#[non_exhaustive]`.
pub fn apply(
    generated: &mut crate::passes::Generated,
    model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    rewrite_string_enums(&mut generated.types, model, paths)?;
    default_flattened_builder_fields(&mut generated.types)?;
    add_non_exhaustive(&mut generated.types);
    Ok(())
}
