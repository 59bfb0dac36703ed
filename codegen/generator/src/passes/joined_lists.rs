//! Query lists sent as one value, comma-separated (`?ids=1,2`: `style: form`,
//! `explode: false`, as Cloudflare's Zaraz `ids`). Runs before the client pass, on
//! progenitor's own output. progenitor sends every list as its key
//! repeated: the client's builder sends such a list through the runtime's `CommaJoined`, and
//! its httpmock helper requires the one joined pair. The server splits the value (`server.rs`
//! reads the model's `joined`), and the command line shows it joined.

use std::collections::BTreeSet;

use syn::parse_quote;
use syn::visit_mut::VisitMut;

use crate::error::EmitError;
use crate::model::ApiModel;
use crate::paths::Paths;

/// Whether `call` is `…QueryParam::new("name", …)` for one of `names`.
fn query_param_of(call: &syn::ExprCall, names: &BTreeSet<&str>) -> bool {
    let is_new = matches!(&*call.func, syn::Expr::Path(p)
        if p.path.segments.len() >= 2
            && p.path.segments.iter().rev().nth(1).is_some_and(|s| s.ident == "QueryParam")
            && p.path.segments.last().is_some_and(|s| s.ident == "new"));
    is_new
        && matches!(call.args.first(), Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name), ..
        })) if names.contains(name.value().as_str()))
}

struct Client<'n> {
    names: BTreeSet<&'n str>,
    rt: &'n proc_macro2::TokenStream,
    rewritten: usize,
}

impl VisitMut for Client<'_> {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, call);
        if query_param_of(call, &self.names) && call.args.len() == 2 {
            let rt = self.rt;
            let value = &call.args[1];
            call.args[1] = parse_quote!(&#rt::__private::CommaJoined(#value));
            self.rewritten += 1;
        }
    }
}

struct Mock<'n> {
    names: BTreeSet<&'n str>,
    rewritten: usize,
}

impl VisitMut for Mock<'_> {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        let syn::Expr::MethodCall(call) = expr else {
            return;
        };
        let named = matches!(call.args.first(), Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name), ..
        })) if self.names.contains(name.value().as_str()));
        if call.method != "query_param" || call.args.len() != 2 || !named {
            return;
        }
        let (receiver, name) = (&call.receiver, &call.args[0]);
        // Called by its path: the client pass turns every `when.query_param(..)` of a list
        // into one pair per item, which this one is not.
        *expr = parse_quote! {
            ::httpmock::When::query_param(
                #receiver,
                #name,
                value.iter().map(::std::string::ToString::to_string).collect::<::std::vec::Vec<_>>().join(","),
            )
        };
        self.rewritten += 1;
    }
}

/// The pass: each comma-separated list's builder and mock helper.
pub fn apply(
    generated: &mut crate::passes::Generated,
    model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    let builders = crate::syntax::builder_types(&generated.client);
    for op in &model.operations {
        let names: BTreeSet<&str> = op
            .query_params
            .iter()
            .filter(|p| p.joined)
            .map(|p| p.name.as_str())
            .collect();
        if names.is_empty() {
            continue;
        }
        let builder = builders
            .get(&op.id)
            .ok_or_else(|| EmitError::UnexpectedShape {
                item: format!("the client's request builder for `{}`", op.id),
                expected: "a builder progenitor named".to_string(),
            })?;
        let mut client = Client {
            names: names.clone(),
            rt: &paths.client_runtime,
            rewritten: 0,
        };
        if let Some(items) = crate::syntax::module_items(&mut generated.client.items, "builder") {
            for item in items.iter_mut() {
                if let syn::Item::Impl(imp) = item {
                    if crate::syntax::self_type_name(imp).as_deref() == Some(builder) {
                        client.visit_item_impl_mut(imp);
                    }
                }
            }
        }
        let when = format!("{builder}When");
        let mut mock = Mock {
            names: names.clone(),
            rewritten: 0,
        };
        for item in generated.mocks.items.iter_mut() {
            if let syn::Item::Mod(module) = item {
                for inner in module
                    .content
                    .iter_mut()
                    .flat_map(|(_, items)| items.iter_mut())
                {
                    if let syn::Item::Impl(imp) = inner {
                        if crate::syntax::self_type_name(imp).as_deref() == Some(when.as_str()) {
                            mock.visit_item_impl_mut(imp);
                        }
                    }
                }
            }
        }
        if client.rewritten != names.len() || mock.rewritten != names.len() {
            return Err(EmitError::UnexpectedShape {
                item: format!("the request builder `{builder}` of `{}`", op.id),
                expected: format!(
                    "a `QueryParam::new(name, …)` and a mock `query_param(name, …)` for each \
                     comma-separated list of {} (found {} and {})",
                    names.len(),
                    client.rewritten,
                    mock.rewritten
                ),
            });
        }
    }
    Ok(())
}
