//! Byte bodies' output pass: the client sends each as its operation's media type.

use syn::visit_mut::VisitMut;

use super::input::OCTET_STREAM;
use crate::error::EmitError;
use crate::model::ApiModel;
use crate::paths::Paths;

/// The client sends each bytes body as its operation's media type, not progenitor's
/// `application/octet-stream`.
pub fn apply(
    generated: &mut crate::passes::Generated,
    model: &ApiModel,
    _paths: &Paths,
) -> Result<(), EmitError> {
    let builders = crate::syntax::builder_types(&generated.client);
    for op in &model.operations {
        let Some(media_type) = op.request_bytes.as_deref() else {
            continue;
        };
        if media_type == OCTET_STREAM {
            continue;
        }
        let builder = builders
            .get(&op.id)
            .ok_or_else(|| EmitError::UnexpectedShape {
                item: format!("the client's request builder for `{}`", op.id),
                expected: "a builder progenitor named".to_string(),
            })?;
        let mut content_type = ContentType {
            media_type,
            replaced: 0,
        };
        if let Some(items) = crate::syntax::module_items(&mut generated.client.items, "builder") {
            for item in items.iter_mut() {
                match item {
                    syn::Item::Impl(imp)
                        if crate::syntax::self_type_name(imp).as_deref() == Some(builder) =>
                    {
                        content_type.visit_item_impl_mut(imp);
                    }
                    _ => {}
                }
            }
        }
        if content_type.replaced != 1 {
            return Err(EmitError::UnexpectedShape {
                item: format!("the request builder `{builder}` of `{}`", op.id),
                expected: format!(
                    "one `Content-Type: {OCTET_STREAM}` to send as `{media_type}` (found {})",
                    content_type.replaced
                ),
            });
        }
    }
    Ok(())
}

/// `HeaderValue::from_static("application/octet-stream")` → the operation's media type.
struct ContentType<'m> {
    media_type: &'m str,
    replaced: usize,
}

impl VisitMut for ContentType<'_> {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        let from_static = matches!(&*call.func, syn::Expr::Path(path)
            if path.path.segments.last().is_some_and(|s| s.ident == "from_static"));
        if let (
            true,
            Some(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            })),
        ) = (from_static, call.args.first_mut())
        {
            if text.value() == OCTET_STREAM {
                *text = syn::LitStr::new(self.media_type, text.span());
                self.replaced += 1;
            }
        }
        syn::visit_mut::visit_expr_call_mut(self, call);
    }

    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
}
