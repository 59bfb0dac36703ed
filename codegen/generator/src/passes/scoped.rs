//! A scoped handle, as kube-rs's `Api::namespaced` and octocrab's `issues(owner, repo)`: when
//! every operation's path starts with the same parameter (`account_id`), `client.account(id)`
//! gives an `Account` whose methods are the client's with that parameter set. Where a
//! request body is an object with a string field named after the scope (`account`), the body
//! starts with it set, so a body built through `body_map` need not repeat it.

use quote::format_ident;
use syn::{parse_quote, Item};

use crate::error::EmitError;
use crate::model::{ApiModel, OperationModel, ScalarType};
use crate::naming::{camel_case, progenitor_field_name};
use crate::passes::Generated;

/// The scope: the path parameter every operation starts with, when there is one, and the name
/// of the scope (`account_id` → `account`).
fn scope(model: &ApiModel) -> Option<(String, String)> {
    let first = model.operations.first()?.path_params.first()?;
    let shared = model.operations.iter().all(|op| {
        op.path_params
            .first()
            .is_some_and(|p| p.name == first.name && p.ty == ScalarType::String)
    });
    let name = first
        .name
        .strip_suffix("_id")
        .unwrap_or(&first.name)
        .to_string();
    (shared && syn::parse_str::<syn::Ident>(&name).is_ok()).then(|| (first.name.clone(), name))
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
    _paths: &crate::paths::Paths,
) -> Result<(), EmitError> {
    let Some((parameter, name)) = scope(model) else {
        return Ok(());
    };
    let handle = format_ident!("{}", camel_case(&name));
    let method = format_ident!("{}", name);
    let setter = format_ident!("{}", progenitor_field_name(&parameter));
    let field = format_ident!("{}", progenitor_field_name(&name));
    let methods: Vec<syn::ImplItem> = model
        .operations
        .iter()
        .map(|op| {
            let id = format_ident!("{}", op.id);
            let builder = format_ident!("{}", camel_case(&op.id));
            let doc = format!(
                " [`Client::{}`] with `{parameter}` set{}: {}",
                op.id,
                if body_names_the_scope(model, op, &name) {
                    format!(", and the body's `{name}`")
                } else {
                    String::new()
                },
                op.summary
            );
            let call = if body_names_the_scope(model, op, &name) {
                quote::quote! {
                    let id = ::std::clone::Clone::clone(&self.id);
                    self.client.#id().#setter(::std::clone::Clone::clone(&self.id)).body_map(move |body| body.#field(id))
                }
            } else {
                quote::quote! { self.client.#id().#setter(::std::clone::Clone::clone(&self.id)) }
            };
            parse_quote! {
                #[doc = #doc]
                pub fn #id(&self) -> builder::#builder<'_> {
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
         `client.{name}(\"<{parameter}>\").list_cnis()`."
    );
    let items: Vec<Item> = vec![
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
    ];
    generated.client.items.extend(items);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ParamModel, SuccessModel};

    fn op(id: &str, first: &str) -> OperationModel {
        OperationModel {
            id: id.into(),
            method: "GET".into(),
            path: format!("/{{{first}}}/things"),
            summary: String::new(),
            tag: "Things".into(),
            header_params: Vec::new(),
            path_params: vec![ParamModel {
                name: first.into(),
                description: String::new(),
                required: true,
                ty: ScalarType::String,
                max_length: None,
            }],
            query_params: Vec::new(),
            request_body: None,
            request_sample: None,
            success_sample: None,
            success: SuccessModel::Empty,
            error_statuses: Vec::new(),
            paginated_item: None,
            description: String::new(),
            request_fields: Vec::new(),
        }
    }

    fn model(operations: Vec<OperationModel>) -> ApiModel {
        ApiModel {
            title: String::new(),
            version: String::new(),
            description: String::new(),
            base_url: String::new(),
            tags: Vec::new(),
            operations,
            schemas: Default::default(),
        }
    }

    #[test]
    fn a_scope_is_the_first_path_parameter_every_operation_shares() {
        let shared = model(vec![op("a", "account_id"), op("b", "account_id")]);
        assert_eq!(
            scope(&shared),
            Some(("account_id".into(), "account".into()))
        );
        let mixed = model(vec![op("a", "account_id"), op("b", "zone_id")]);
        assert_eq!(scope(&mixed), None);
        let keyword = model(vec![op("a", "type")]);
        assert_eq!(scope(&keyword), None);
    }
}
