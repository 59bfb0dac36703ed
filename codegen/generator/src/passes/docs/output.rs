//! Documentation's output pass: the doc comments progenitor and typify leave out, from the
//! spec: builder setters carry their field's or parameter's description, enum variants their
//! wire value.

use std::collections::HashMap;

use syn::{parse_quote, Attribute, ImplItem, Item};

use crate::syntax::{module_items, self_type_name, serde_rename};

use crate::model::ApiModel;

fn has_doc(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("doc"))
}

fn doc(text: &str) -> Attribute {
    parse_quote!(#[doc = #text])
}

fn docs_of(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect()
}

fn first_doc_line(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => s.value().lines().next().map(|l| l.trim().to_string()),
            _ => None,
        },
        _ => None,
    })
}

/// The type path of a one-field tuple variant, such as `Direct(InterconnectDirect)`.
fn single_field_type(fields: &syn::Fields) -> Option<String> {
    match fields {
        syn::Fields::Unnamed(f) if f.unnamed.len() == 1 => {
            crate::syntax::doc_link_path(&f.unnamed[0].ty)
        }
        _ => None,
    }
}

/// A field the spec does not describe (a property Cloudflare added without a description)
/// still gets a doc, its wire name, as typify gives an undescribed type its name: the crates
/// deny missing docs, and a new revision must not fail them.
fn document_bare_fields(file: &mut syn::File) {
    for item in &mut file.items {
        let Item::Struct(s) = item else { continue };
        for field in s.fields.iter_mut() {
            let Some(ident) = &field.ident else { continue };
            let public = matches!(field.vis, syn::Visibility::Public(_));
            if public && !has_doc(&field.attrs) {
                let wire = serde_rename(&field.attrs).unwrap_or_else(|| ident.to_string());
                field.attrs.insert(0, doc(&format!("`{wire}`")));
            }
        }
    }
}

/// Documents the types file: fields, builder entry points, builder structs and setters, enum
/// variants.
pub fn document_types(file: &mut syn::File) {
    document_bare_fields(file);
    // The field docs of every struct, for the builder setters that set those fields.
    let mut field_docs: HashMap<String, HashMap<String, Vec<Attribute>>> = HashMap::new();
    for item in &file.items {
        if let Item::Struct(s) = item {
            let fields = s
                .fields
                .iter()
                .filter_map(|f| Some((f.ident.as_ref()?.to_string(), docs_of(&f.attrs))))
                .collect();
            field_docs.insert(s.ident.to_string(), fields);
        }
    }
    // The first doc line of every struct, for the union variants that wrap them.
    let type_summaries: HashMap<String, String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some((s.ident.to_string(), first_doc_line(&s.attrs)?)),
            _ => None,
        })
        .collect();
    for item in &mut file.items {
        match item {
            Item::Enum(e) => {
                for variant in &mut e.variants {
                    if has_doc(&variant.attrs) {
                        continue;
                    }
                    if variant.fields.is_empty() {
                        let wire = serde_rename(&variant.attrs)
                            .unwrap_or_else(|| variant.ident.to_string());
                        variant.attrs.insert(0, doc(&format!("`{wire}`")));
                    } else if let Some(inner) = single_field_type(&variant.fields) {
                        // A type of another crate (`serde_json::Number`, a union of numbers)
                        // is linked by its path: its last name is not in scope.
                        let summary = type_summaries.get(&inner).cloned().unwrap_or_default();
                        let link = match inner.rsplit_once("::") {
                            Some((_, name)) => format!("[`{name}`]({inner})"),
                            None => format!("[`{inner}`]"),
                        };
                        variant
                            .attrs
                            .insert(0, doc(format!("{summary} See {link}.").trim_start()));
                    }
                }
            }
            Item::Impl(imp) if imp.trait_.is_none() => {
                let Some(name) = self_type_name(imp) else {
                    continue;
                };
                for member in &mut imp.items {
                    if let ImplItem::Fn(f) = member {
                        if f.sig.ident == "builder" && !has_doc(&f.attrs) {
                            f.attrs.insert(
                                0,
                                doc(&format!(
                                    "Starts a [`builder::{name}Builder`]: set the fields, then \
                                     `build()`, which fails naming a required field left unset."
                                )),
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
    document_builders(file, &field_docs);
}

/// typify's builders: each struct names its target, each setter carries its field's doc.
fn document_builders(
    file: &mut syn::File,
    field_docs: &HashMap<String, HashMap<String, Vec<Attribute>>>,
) {
    let Some(builders) = module_items(&mut file.items, "builder") else {
        return;
    };
    for item in builders {
        match item {
            Item::Struct(s) if !has_doc(&s.attrs) => {
                let name = s.ident.to_string();
                // `XBuilder` builds `X` (the builders pass renamed typify's `X`).
                let name = name.strip_suffix("Builder").unwrap_or(&name);
                s.attrs
                    .insert(0, doc(&format!("Builder for [`super::{name}`].")));
            }
            Item::Impl(imp) if imp.trait_.is_none() => {
                let Some(name) = self_type_name(imp) else {
                    continue;
                };
                let built = name.strip_suffix("Builder").unwrap_or(&name);
                let fields = field_docs.get(built);
                for member in &mut imp.items {
                    let ImplItem::Fn(f) = member else { continue };
                    if has_doc(&f.attrs) {
                        continue;
                    }
                    let setter = f.sig.ident.to_string();
                    let mut docs = fields
                        .and_then(|fields| fields.get(&setter))
                        .cloned()
                        .unwrap_or_default();
                    if docs.is_empty() {
                        docs.push(doc(&format!("Sets `{setter}`.")));
                    }
                    f.attrs.splice(0..0, docs);
                }
            }
            _ => {}
        }
    }
}

/// Documents the client's request builders: each setter carries its parameter's description.
pub fn document_client(file: &mut syn::File, model: &ApiModel) {
    let builder_names = crate::syntax::builder_types(file);
    let operations: HashMap<String, &crate::model::OperationModel> = model
        .operations
        .iter()
        .filter_map(|op| Some((builder_names.get(&op.id)?.clone(), op)))
        .collect();
    let Some(builders) = module_items(&mut file.items, "builder") else {
        return;
    };
    for item in builders {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let Some(op) = self_type_name(imp).and_then(|n| operations.get(&n).copied()) else {
            continue;
        };
        for member in &mut imp.items {
            let ImplItem::Fn(f) = member else { continue };
            if has_doc(&f.attrs) {
                continue;
            }
            let name = f.sig.ident.to_string();
            let param = op
                .path_params
                .iter()
                .chain(&op.query_params)
                .find(|p| p.name == name || format!("{}_", p.name) == name);
            let body = op.request_body.as_deref();
            let text = match (name.as_str(), param, body) {
                ("new", _, _) => format!(
                    "Starts the request with nothing set; [`Client::{}`](super::Client::{}) is the usual way in.",
                    op.id, op.id
                ),
                ("body", _, Some(body)) => format!(
                    "The request body: a [`types::{body}`](super::types::{body}), or anything that converts into one."
                ),
                ("body_map", _, Some(body)) => format!(
                    "Edits the request body through [`types::builder::{body}Builder`](super::types::builder::{body}Builder)."
                ),
                // A body with no schema of its own to link (bytes, a JSON value of any shape).
                ("body", _, None) => match &op.request_bytes {
                    Some(media_type) => format!("The request body: its bytes, sent as `{media_type}`."),
                    None => "The request body.".to_string(),
                },
                ("body_map", _, None) => "Edits the request body.".to_string(),
                (_, Some(p), _) if !p.description.is_empty() => {
                    let optional = if p.required { "" } else { " Optional." };
                    let description = super::input::for_rustdoc(&p.description);
                    format!("{}.{optional}", description.trim_end_matches('.'))
                }
                _ => format!("Sets `{name}`."),
            };
            f.attrs.insert(0, doc(&text));
        }
    }
}
/// The pass: the types' and the client's docs.
pub fn apply(
    generated: &mut crate::passes::Generated,
    model: &ApiModel,
    paths: &crate::paths::Paths,
) -> Result<(), crate::error::EmitError> {
    document_types(&mut generated.types);
    document_client(&mut generated.client, model);
    compiled_method_examples(&mut generated.client, model, &paths.client_crate);
    Ok(())
}

/// progenitor's per-method example is an `ignore`d block with unbound variables; each becomes
/// a compiled (`no_run`) example written from the model.
fn compiled_method_examples(file: &mut syn::File, model: &ApiModel, lib: &str) {
    let operations: HashMap<&str, &crate::model::OperationModel> = model
        .operations
        .iter()
        .map(|op| (op.id.as_str(), op))
        .collect();
    for item in file.items.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || self_type_name(imp).as_deref() != Some("Client") {
            continue;
        }
        for member in imp.items.iter_mut() {
            let ImplItem::Fn(f) = member else { continue };
            let Some(op) = operations.get(f.sig.ident.to_string().as_str()) else {
                continue;
            };
            for attr in f.attrs.iter_mut().filter(|a| a.path().is_ident("doc")) {
                let syn::Meta::NameValue(meta) = &attr.meta else {
                    continue;
                };
                let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) = &meta.value
                else {
                    continue;
                };
                let text = text.value();
                let Some(start) = text.find("```ignore") else {
                    continue;
                };
                let end = text[start + 3..]
                    .find("```")
                    .map_or(text.len(), |i| start + 3 + i + 3);
                let example = crate::examples::method_example(model, op, lib);
                let replaced = format!("{}{example}{}", &text[..start], &text[end..]);
                *attr = syn::parse_quote!(#[doc = #replaced]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A union member of another crate's type (a union of numbers holds a
    /// `serde_json::Number`) is linked by its path, so the docs resolve with warnings as
    /// errors; a member of this crate by its name, with the type's summary.
    #[test]
    fn a_union_member_links_to_its_type_where_rustdoc_finds_it() {
        let mut file: syn::File = syn::parse_quote! {
            /// A label.
            pub struct Label(String);
            pub enum Ttl {
                Number(::serde_json::Number),
                Label(Label),
            }
        };
        document_types(&mut file);
        let text = quote::quote!(#file).to_string();
        assert!(
            text.contains(r#""See [`Number`](serde_json::Number).""#),
            "{text}"
        );
        assert!(text.contains(r#""A label. See [`Label`].""#), "{text}");
    }
}
