//! Multipart forms' output pass: the request builder of an operation whose body is a
//! `multipart/form-data` form takes the client runtime's `Multipart` (its parts, named as the
//! spec names them), refuses one that lacks a required part, and sends it with its boundary.
//! progenitor was given an octet stream there ([`super::input::input`]), so its builder holds
//! a `reqwest::Body`, sends `application/octet-stream`, and has a `body` setter of its own.

use syn::visit_mut::VisitMut;

use super::input::OCTET_STREAM;
use crate::error::EmitError;
use crate::model::{ApiModel, OperationModel, PartKind};
use crate::paths::Paths;

/// The setter's documentation: the form's parts as the spec describes them.
pub fn parts_doc(op: &OperationModel) -> String {
    let mut text =
        String::from("The request body: a multipart form (`multipart/form-data`), part by part.");
    for part in op.request_form.iter().flatten() {
        let kind = match part.kind {
            PartKind::Text => "text",
            PartKind::File => "a file",
            PartKind::Json => "JSON",
        };
        let many = if part.many { ", repeated" } else { "" };
        let required = if part.required { ", required" } else { "" };
        let description = crate::passes::docs::input::for_rustdoc(part.description.trim());
        let description = description.lines().next().unwrap_or_default();
        text.push_str(&format!(
            "\n- `{}` ({kind}{many}{required}): {description}",
            part.name
        ));
    }
    text
}

fn setter(op: &OperationModel, paths: &Paths) -> syn::ImplItem {
    let rt = &paths.client_runtime;
    let required = op
        .request_form
        .iter()
        .flatten()
        .filter(|p| p.required)
        .map(|p| p.name.as_str());
    let doc = parts_doc(op);
    let lines = doc.lines().map(|l| format!(" {l}"));
    syn::parse_quote! {
        #(#[doc = #lines])*
        pub fn body(mut self, value: #rt::Multipart) -> Self {
            self.body = value.checked(&[#(#required),*]);
            self
        }
    }
}

/// Each form operation's builder: its field, its setter and its `Content-Type`.
pub fn apply(
    generated: &mut crate::passes::Generated,
    model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    let builders = crate::syntax::builder_types(&generated.client);
    let rt = &paths.client_runtime;
    for op in model
        .operations
        .iter()
        .filter(|op| op.request_form.is_some())
    {
        let builder = builders
            .get(&op.id)
            .ok_or_else(|| EmitError::UnexpectedShape {
                item: format!("the client's request builder for `{}`", op.id),
                expected: "a builder progenitor named".to_string(),
            })?;
        let unexpected = |what: &str| EmitError::UnexpectedShape {
            item: format!("the request builder `{builder}` of `{}`", op.id),
            expected: what.to_string(),
        };
        let items = crate::syntax::module_items(&mut generated.client.items, "builder")
            .ok_or_else(|| unexpected("a `builder` module"))?;
        let (mut fields, mut setters, mut content_types) = (0, 0, 0);
        for item in items.iter_mut() {
            match item {
                syn::Item::Struct(record) if record.ident == builder.as_str() => {
                    for field in record.fields.iter_mut() {
                        if field.ident.as_ref().is_some_and(|i| i == "body") {
                            field.ty = syn::parse_quote!(
                                ::std::result::Result<#rt::Multipart, ::std::string::String>
                            );
                            fields += 1;
                        }
                    }
                }
                syn::Item::Impl(imp)
                    if crate::syntax::self_type_name(imp).as_deref() == Some(builder) =>
                {
                    for member in imp.items.iter_mut() {
                        if matches!(member, syn::ImplItem::Fn(f) if f.sig.ident == "body") {
                            *member = setter(op, paths);
                            setters += 1;
                        }
                    }
                    let mut boundary = Boundary {
                        content_type: form_content_type(),
                        replaced: 0,
                    };
                    boundary.visit_item_impl_mut(imp);
                    content_types += boundary.replaced;
                }
                _ => {}
            }
        }
        if (fields, setters, content_types) != (1, 1, 1) {
            return Err(unexpected(&format!(
                "one `body` field, one `body` setter and one `Content-Type: {OCTET_STREAM}` \
                 (found {fields}, {setters}, {content_types})"
            )));
        }
    }
    Ok(())
}

/// The form's own `Content-Type`, with its boundary: `body` is the form by then.
fn form_content_type() -> syn::Expr {
    syn::parse_quote!(body.content_type())
}

/// `HeaderValue::from_static("application/octet-stream")` → the form's `Content-Type`.
struct Boundary {
    content_type: syn::Expr,
    replaced: usize,
}

impl VisitMut for Boundary {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        if let syn::Expr::Call(call) = expr {
            let from_static = matches!(&*call.func, syn::Expr::Path(path)
                if path.path.segments.last().is_some_and(|s| s.ident == "from_static"));
            let octet_stream = matches!(call.args.first(), Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            })) if text.value() == OCTET_STREAM);
            if from_static && octet_stream {
                *expr = self.content_type.clone();
                self.replaced += 1;
                return;
            }
        }
        syn::visit_mut::visit_expr_mut(self, expr);
    }

    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
}
