//! Scoped handles, as kube-rs's `Api::namespaced` and octocrab's `issues(owner, repo)`: for each
//! `*_id` string parameter that starts operations' paths (`account_id`), `client.account(id)`
//! gives an `Account` whose methods are those operations with that parameter set. Where a
//! request body is an object with a string field named after the scope (`account`), the body
//! starts with it set, so a body built through `body_map` need not repeat it. Where the body is
//! a tagged union, its request builder gets a `body_<member>(|b| ..)` per member with a builder,
//! the member's `account` starting as the path's `account_id` (so the handle's calls fill it
//! too). A handle follows the parameter's name alone: an operation added elsewhere adds or
//! changes no other handle.

use quote::format_ident;
use syn::{parse_quote, Item};

use crate::error::EmitError;
use crate::model::{ApiModel, OperationModel, ScalarType};
use crate::naming::{camel_case, progenitor_field_name};
use crate::passes::Generated;

/// The scopes: each `*_id` string parameter that starts some operation's path, with the
/// scope's name (`account_id` → `account`) and those operations.
fn scopes(model: &ApiModel) -> Vec<(String, String, Vec<&OperationModel>)> {
    let mut scopes: std::collections::BTreeMap<(&str, &str), Vec<&OperationModel>> =
        Default::default();
    for op in &model.operations {
        if let Some(scope) = op.scope() {
            scopes.entry(scope).or_default().push(op);
        }
    }
    scopes
        .into_iter()
        .map(|((parameter, name), ops)| (parameter.to_string(), name.to_string(), ops))
        .collect()
}

/// Whether the operation's body is an object (not a union) with a string field `/{field}`.
fn body_names_the_scope(model: &ApiModel, op: &OperationModel, field: &str) -> bool {
    let Some(body) = &op.request_body else {
        return false;
    };
    let is_object = model.schemas.get(body).is_some_and(|s| s.union.is_none());
    is_object
        && op
            .request_fields
            .iter()
            .any(|f| f.pointer == format!("/{field}") && f.ty == ScalarType::String && !f.many)
}

pub fn apply(
    generated: &mut Generated,
    model: &ApiModel,
    paths: &crate::paths::Paths,
) -> Result<(), EmitError> {
    let mut read_by_scope = std::collections::BTreeSet::new();
    for (parameter, name, operations) in scopes(model) {
        for op in operations
            .iter()
            .filter(|op| body_names_the_scope(model, op, &name))
        {
            fill_body_from_path(
                &mut builder_module(&mut generated.client)?.1,
                op,
                &parameter,
                &name,
                &paths.client_runtime,
            )?;
            if let Some(body) = &op.request_body {
                if read_by_scope.insert((body.clone(), name.clone())) {
                    scope_field_reader(&mut generated.types, body, &name)?;
                }
            }
        }
        let member_bodies: Vec<Item> = operations
            .iter()
            .filter_map(|op| {
                union_body_members(
                    &generated.types,
                    model,
                    op,
                    &parameter,
                    &name,
                    &paths.client_runtime,
                )
            })
            .collect();
        if !member_bodies.is_empty() {
            builder_module(&mut generated.client)?
                .1
                .extend(member_bodies);
        }
        generated
            .client
            .items
            .extend(handle(model, &parameter, &name, &operations));
    }
    Ok(())
}

/// The client's `builder` module, where the request builders (and their private fields) are.
fn builder_module(
    client: &mut syn::File,
) -> Result<&mut (syn::token::Brace, Vec<Item>), EmitError> {
    client
        .items
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == "builder" => m.content.as_mut(),
            _ => None,
        })
        .ok_or_else(|| EmitError::UnexpectedShape {
            item: "the client".to_string(),
            expected: "a `builder` module".to_string(),
        })
}

/// The named fields of the struct `name` in the types.
fn struct_fields(types: &syn::File, name: &str) -> Vec<String> {
    types
        .items
        .iter()
        .find_map(|item| match item {
            Item::Struct(s) if s.ident == name => Some(
                s.fields
                    .iter()
                    .filter_map(|f| f.ident.as_ref().map(|i| i.to_string()))
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
}

/// Whether the types give `union` the constructor `method` (a member with a builder).
fn has_constructor(types: &syn::File, union: &str, method: &str) -> bool {
    types.items.iter().any(|item| match item {
        Item::Impl(i) => {
            crate::syntax::self_type_name(i).as_deref() == Some(union)
                && i.items
                    .iter()
                    .any(|m| matches!(m, syn::ImplItem::Fn(f) if f.sig.ident == method))
        }
        _ => false,
    })
}

/// For an operation whose body is a tagged union, `body_<member>(|b| ..)` on its request
/// builder for each member with a builder: the member's builder starts from the union's
/// constructor, with the scope's field (`account`) set from the path parameter when the member
/// has it and the parameter is set.
fn union_body_members(
    types: &syn::File,
    model: &ApiModel,
    op: &OperationModel,
    parameter: &str,
    field: &str,
    rt: &proc_macro2::TokenStream,
) -> Option<Item> {
    let body = op.request_body.as_ref()?;
    let union = model.schemas.get(body)?.union.as_ref()?;
    let builder = format_ident!("{}", camel_case(&op.id));
    let union_ty = format_ident!("{}", body);
    let setter = format_ident!("{}", progenitor_field_name(parameter));
    let fill = format_ident!("{}", progenitor_field_name(field));
    let methods: Vec<syn::ImplItem> = union
        .variants
        .iter()
        .filter_map(|variant| {
            let constructor = crate::naming::constructor_name(&variant.tag);
            if !has_constructor(types, body, &constructor) {
                return None;
            }
            let method = format_ident!("body_{}", constructor);
            let constructor = format_ident!("{}", constructor);
            let member_builder = format_ident!("{}Builder", variant.schema);
            let fills = struct_fields(types, &variant.schema).iter().any(|f| f == field);
            let start = if fills {
                quote::quote! {
                    let mut start = types::#union_ty::#constructor();
                    if let ::std::result::Result::Ok(value) = &self.#setter {
                        start = start.#fill(::std::clone::Clone::clone(value));
                    }
                }
            } else {
                quote::quote! { let start = types::#union_ty::#constructor(); }
            };
            let doc = format!(
                " Sets the body to a `{}` member (`{}: {}`) built by `f`{}.",
                variant.name,
                union.property,
                variant.tag,
                if fills {
                    format!(", its `{field}` starting as `{parameter}` (set `{parameter}` first)")
                } else {
                    String::new()
                }
            );
            Some(parse_quote! {
                #[doc = #doc]
                pub fn #method<F>(mut self, f: F) -> Self
                where
                    F: ::std::ops::FnOnce(types::builder::#member_builder) -> types::builder::#member_builder,
                {
                    #start
                    self.body = f(start)
                        .build()
                        .map(types::#union_ty::from)
                        .map_err(|e| #rt::__private::not_valid("body", e));
                    self
                }
            })
        })
        .collect();
    if methods.is_empty() {
        return None;
    }
    Some(parse_quote! {
        impl #builder {
            #(#methods)*
        }
    })
}

/// An object body with a field named after the scope (`account` beside the path's
/// `account_id`): `body(..)` takes the body or its builder, complete or not, and at send time
/// the field is the path's value when the body leaves it out, or the request is refused naming
/// both when the body gives another (`fill_from_path`). So `client.account(id).create_cni()
/// .body(builder)` keeps the handle's account, and no request is about two accounts.
fn fill_body_from_path(
    builder_items: &mut [Item],
    op: &OperationModel,
    parameter: &str,
    field: &str,
    rt: &proc_macro2::TokenStream,
) -> Result<(), EmitError> {
    let unexpected = |expected: &str| EmitError::UnexpectedShape {
        item: format!("operation `{}`", op.id),
        expected: expected.to_string(),
    };
    let body = op
        .request_body
        .as_ref()
        .ok_or_else(|| unexpected("a request body"))?;
    let builder = camel_case(&op.id);
    let imp = builder_items
        .iter_mut()
        .find_map(|item| match item {
            Item::Impl(imp)
                if imp.trait_.is_none()
                    && crate::syntax::self_type_name(imp).as_deref() == Some(&builder) =>
            {
                Some(imp)
            }
            _ => None,
        })
        .ok_or_else(|| unexpected(&format!("an `impl` of `builder::{builder}`")))?;
    let body_builder = format_ident!("{}Builder", body);
    let path_value = format_ident!("{}", progenitor_field_name(parameter));
    let fill = format_ident!("{}", progenitor_field_name(field));
    let reader = format_ident!("__scope_{}", fill);
    let setter_doc = format!(
        " The request body: a [`types::{body}`](super::types::{body}) or its builder, complete \
         or not. Its `{field}`, when left out, is the path's `{parameter}`; a different one is \
         refused before sending."
    );
    let mut setter = false;
    let mut filled = false;
    for member in imp.items.iter_mut() {
        let syn::ImplItem::Fn(f) = member else {
            continue;
        };
        if f.sig.ident == "body" {
            *f = parse_quote! {
                #[doc = #setter_doc]
                pub fn body<V>(mut self, value: V) -> Self
                where
                    V: ::std::convert::Into<types::builder::#body_builder>,
                {
                    self.body = ::std::result::Result::Ok(value.into());
                    self
                }
            };
            setter = true;
        } else if f.sig.ident == "send_raw" {
            let at = f.block.stmts.iter().position(|stmt| {
                matches!(stmt, syn::Stmt::Local(local) if matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "body"))
            });
            if let Some(at) = at {
                f.block.stmts.insert(
                    at,
                    parse_quote! {
                        let body = body.and_then(|body| {
                            #rt::__private::fill_from_path(
                                body,
                                #field,
                                #parameter,
                                &#path_value,
                                |body| body.#reader(),
                                |body, value| body.#fill(value),
                            )
                        });
                    },
                );
                filled = true;
            }
        }
    }
    if !setter {
        return Err(unexpected("a `body` setter on its request builder"));
    }
    if !filled {
        return Err(unexpected("a `let body = ...` statement in `send_raw`"));
    }
    Ok(())
}

/// The body builder's hidden `__scope_{field}()`: the field as set so far, read in place.
/// Sending reads it to fill or check the field against the path; without it, the builder was
/// cloned whole and built, a dozen allocations per call.
fn scope_field_reader(types: &mut syn::File, body: &str, field: &str) -> Result<(), EmitError> {
    let unexpected = |expected: String| EmitError::UnexpectedShape {
        item: format!("the body builder `builder::{body}Builder`"),
        expected,
    };
    let builder = format!("{body}Builder");
    let fill = format_ident!("{}", progenitor_field_name(field));
    let items = crate::syntax::module_items(&mut types.items, "builder")
        .ok_or_else(|| unexpected("a `builder` module in the types".into()))?;
    let ty = items
        .iter()
        .find_map(|item| match item {
            Item::Struct(s) if s.ident == builder.as_str() => s
                .fields
                .iter()
                .find(|f| f.ident.as_ref().is_some_and(|i| *i == fill))
                .map(|f| f.ty.clone()),
            _ => None,
        })
        .ok_or_else(|| unexpected(format!("a field `{fill}`")))?;
    let value = crate::syntax::result_ok_type(&ty)
        .ok_or_else(|| unexpected(format!("`{fill}` held as a `Result`")))?;
    let read: syn::Expr = match crate::syntax::option_inner(value) {
        Some(_) => parse_quote!(self.#fill.as_ref().ok().and_then(|v| v.as_deref())),
        None => parse_quote!(self.#fill.as_ref().ok().map(|v| v.as_str())),
    };
    let reader = format_ident!("__scope_{}", fill);
    let builder = format_ident!("{}", builder);
    items.push(parse_quote! {
        impl #builder {
            #[doc(hidden)]
            pub fn #reader(&self) -> ::std::option::Option<&str> {
                #read
            }
        }
    });
    Ok(())
}

/// One scope's handle: its struct, `Client::{name}`, and a method per operation.
fn handle(
    model: &ApiModel,
    parameter: &str,
    name: &str,
    operations: &[&OperationModel],
) -> Vec<Item> {
    let handle = format_ident!("{}", camel_case(name));
    let method = format_ident!("{}", name);
    let setter = format_ident!("{}", progenitor_field_name(parameter));
    let methods: Vec<syn::ImplItem> = operations
        .iter()
        .map(|op| {
            let id = format_ident!("{}", op.id);
            let builder = format_ident!("{}", camel_case(&op.id));
            let fills_body = body_names_the_scope(model, op, name);
            let union_body = op
                .request_body
                .as_ref()
                .and_then(|b| model.schemas.get(b))
                .is_some_and(|s| s.union.is_some());
            let doc = format!(
                " [`Client::{}`] with `{parameter}` set{}: {}",
                op.id,
                if fills_body {
                    format!(", and the body's `{name}`")
                } else if union_body {
                    format!(
                        " (a body given by its `body_<member>` methods gets it as its `{name}`)"
                    )
                } else {
                    String::new()
                },
                op.summary
            );
            // A body's field named after the scope is filled from the path at send time (see
            // `fill_body_from_path`), so setting the body later keeps it.
            let call =
                quote::quote! { self.client.#id().#setter(::std::clone::Clone::clone(&self.id)) };
            parse_quote! {
                #[doc = #doc]
                pub fn #id(&self) -> builder::#builder {
                    #call
                }
            }
        })
        .collect();
    let handle_doc = format!(
        " The client's operations for one `{parameter}`: [`Client::{name}`]. Each method is the \
         client's, with `{parameter}` set (and a body's `{name}`, where the body has one). It \
         holds a clone of the client (cheap: the connection pool is shared)."
    );
    let open_doc = format!(
        " The operations for one `{parameter}`, which each call then need not repeat: \
         `client.{name}(\"<{parameter}>\")`."
    );
    vec![
        parse_quote! {
            #[doc = #handle_doc]
            #[derive(Clone, Debug)]
            pub struct #handle {
                client: Client,
                id: ::std::string::String,
            }
        },
        parse_quote! {
            impl Client {
                #[doc = #open_doc]
                pub fn #method(&self, #setter: impl ::std::convert::Into<::std::string::String>) -> #handle {
                    #handle { client: ::std::clone::Clone::clone(self), id: #setter.into() }
                }
            }
        },
        parse_quote! {
            impl #handle {
                /// The identifier every call is made for.
                pub fn id(&self) -> &str {
                    &self.id
                }

                /// The client the calls go through.
                pub fn client(&self) -> &Client {
                    &self.client
                }

                #(#methods)*
            }
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ParamModel;

    fn op(id: &str, first: &str) -> OperationModel {
        OperationModel::for_test(
            id,
            &format!("/{{{first}}}/things"),
            vec![ParamModel::for_test(first, ScalarType::String)],
        )
    }

    fn model(operations: Vec<OperationModel>) -> ApiModel {
        ApiModel::for_test(operations)
    }

    fn names(model: &ApiModel) -> Vec<(String, Vec<String>)> {
        scopes(model)
            .into_iter()
            .map(|(_, name, ops)| (name, ops.iter().map(|op| op.id.clone()).collect()))
            .collect()
    }

    #[test]
    fn each_id_parameter_that_starts_paths_is_a_scope_of_its_own() {
        let shared = model(vec![op("a", "account_id"), op("b", "account_id")]);
        assert_eq!(
            names(&shared),
            [(
                "account".to_string(),
                vec!["a".to_string(), "b".to_string()]
            )]
        );
        // An operation under another parameter adds its own scope and changes no other.
        let mixed = model(vec![
            op("a", "account_id"),
            op("b", "zone_id"),
            op("c", "account_id"),
        ]);
        assert_eq!(
            names(&mixed),
            [
                (
                    "account".to_string(),
                    vec!["a".to_string(), "c".to_string()]
                ),
                ("zone".to_string(), vec!["b".to_string()]),
            ]
        );
        // Neither a parameter not named `*_id` nor one whose scope would be a keyword.
        assert!(names(&model(vec![op("a", "slot"), op("b", "type_id")])).is_empty());
    }
}
