//! Connects progenitor's client to `cloudflare-cni-client-runtime`: the hooks that add
//! credentials and retry, a builder, typed errors from every `send()`, request validation,
//! cursor pagination as a stream, and saving a download to a file.

use std::collections::HashMap;

use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;
use syn::{parse_quote, ImplItem, Item, Stmt, Type};

use crate::error::EmitError;
use crate::model::{ApiModel, OperationModel, ScalarType, SuccessModel};
use crate::naming::{self, progenitor_field_name};
use crate::paths::Paths;
use crate::syntax::{builder_types, module_items, self_type_name};

/// progenitor's `Result<ResponseValue<T>, Error<E>>` → `ResponseValue<T>`.
fn response_value_type(output: &syn::ReturnType) -> Option<Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let Type::Path(path) = &**ty else { return None };
    let segment = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

fn validation_check(paths: &Paths) -> Stmt {
    let (rt, validate_crate) = (&paths.client_runtime, &paths.validate);
    parse_quote! {
        if client.inner.request_validation() {
            if let ::std::result::Result::Err(errors) = #validate_crate::Validate::validate(&body) {
                return ::std::result::Result::Err(Error::InvalidRequest(
                    #rt::__private::validation_failed(errors),
                ));
            }
        }
    }
}

fn expected_text(op: &OperationModel) -> String {
    match &op.success {
        SuccessModel::Json(name) => format!("a JSON `{name}`"),
        SuccessModel::Binary(media_type) => format!("a `{media_type}` body"),
        SuccessModel::Empty => "no body".to_string(),
    }
}

/// The field names of progenitor's `let Self { client, account_id, .. } = self;` in `send`.
fn destructured_fields(block: &syn::Block) -> Vec<String> {
    block
        .stmts
        .iter()
        .find_map(|stmt| match stmt {
            Stmt::Local(syn::Local {
                pat: syn::Pat::Struct(pattern),
                ..
            }) => Some(
                pattern
                    .fields
                    .iter()
                    .filter_map(|field| match &field.member {
                        syn::Member::Named(ident) => Some(ident.to_string()),
                        syn::Member::Unnamed(_) => None,
                    })
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
}

/// Rewrites one request builder's `impl`: progenitor's `send` becomes the private `send_raw`
/// (with body validation), and a `send` returning `CniError`, `stream` and `save_to` are added.
/// Every shape of progenitor's output this relies on is checked: a missing one is an error
/// naming the operation, never a silently unwired builder.
/// `ResponseValue::from_response(response)` copies the answer's header map on every call;
/// the runtime's `json_answer` decodes the same way and moves it.
fn json_answers_keep_their_headers(block: &mut syn::Block, rt: &proc_macro2::TokenStream) {
    struct Replace<'r>(&'r proc_macro2::TokenStream);
    impl VisitMut for Replace<'_> {
        fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
            syn::visit_mut::visit_expr_call_mut(self, call);
            let from_response = matches!(&*call.func, syn::Expr::Path(p)
                if p.path.segments.len() == 2
                    && p.path.segments[0].ident == "ResponseValue"
                    && p.path.segments[1].ident == "from_response");
            if from_response {
                let rt = self.0;
                *call.func = parse_quote!(#rt::__private::json_answer);
            }
        }
    }
    Replace(rt).visit_block_mut(block);
}

/// Puts the status match's exact codes before its ranges: progenitor orders `4XX` as 400,
/// ahead of a 401 beside it, which then never matched (and warned as unreachable).
fn specific_statuses_first(block: &mut syn::Block) {
    struct Reorder;
    impl VisitMut for Reorder {
        fn visit_expr_match_mut(&mut self, m: &mut syn::ExprMatch) {
            syn::visit_mut::visit_expr_match_mut(self, m);
            // Only the match on `response.status().as_u16()`.
            let on_status =
                matches!(&*m.expr, syn::Expr::MethodCall(call) if call.method == "as_u16");
            if !on_status {
                return;
            }
            let rank = |arm: &syn::Arm| match &arm.pat {
                syn::Pat::Lit(_) => 0,
                syn::Pat::Range(_) => 1,
                _ => 2,
            };
            // A stable sort: codes keep their order, so do ranges, and `_` stays last.
            m.arms.sort_by_key(rank);
        }
    }
    Reorder.visit_block_mut(block);
}

fn rewrite_builder(
    imp: &mut syn::ItemImpl,
    op: &OperationModel,
    model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    let rt = &paths.client_runtime;
    let unexpected = |expected: &str| EmitError::UnexpectedShape {
        item: format!("operation `{}`", op.id),
        expected: expected.to_string(),
    };
    let send = imp
        .items
        .iter_mut()
        .find_map(|member| match member {
            ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
            _ => None,
        })
        .ok_or_else(|| unexpected("a `send` method on its builder"))?;
    send.sig.ident = format_ident!("send_raw");
    send.vis = syn::Visibility::Inherited;
    send.attrs.retain(|a| !a.path().is_ident("doc"));
    let value_type = response_value_type(&send.sig.output)
        .ok_or_else(|| unexpected("`send` returning `Result<ResponseValue<T>, Error<E>>`"))?;
    specific_statuses_first(&mut send.block);
    json_answers_keep_their_headers(&mut send.block, rt);
    let formatted = format_path_segments_in_place(&mut send.block, rt);
    // One per placeholder of the template: a parameter may fill two (Cloudflare's
    // `/accounts/{account_id}/addressing/address_maps/{address_map_id}/accounts/{account_id}`).
    let placeholders = crate::document::template_params(&op.path).len();
    if formatted != placeholders {
        return Err(unexpected(&format!(
            "`encode_path(&PARAM.to_string())` in its URL for each of its {placeholders} path \
             placeholders (found {formatted})"
        )));
    }
    // With header parameters, progenitor sets each one only when it is given: its map stays.
    if op.header_params.is_empty() && !set_constant_headers_directly(&mut send.block) {
        return Err(unexpected(
            "its constant headers as `let mut header_map = ..; header_map.append(..); ... \
             .headers(header_map)`, or none",
        ));
    }
    if op.request_body.is_some() {
        let position = send
            .block
            .stmts
            .iter()
            .position(|stmt| {
                matches!(stmt, Stmt::Local(local) if matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "body"))
            })
            .ok_or_else(|| unexpected("a `let body = ...` statement in `send`, where the body is validated"))?;
        send.block
            .stmts
            .insert(position + 1, validation_check(paths));
    }
    // String path parameters are checked before sending: URL parsing would resolve `.`/`..`
    // and send the request elsewhere. (Uuids cannot be either.)
    let fields = destructured_fields(&send.block);
    let mut segment_checks = Vec::new();
    for param in op.path_params.iter().filter(|p| p.ty == ScalarType::String) {
        let field = progenitor_field_name(&param.name);
        if !fields.contains(&field) {
            return Err(unexpected(&format!(
                "a builder field `{field}` for path parameter `{}`",
                param.name
            )));
        }
        let field = format_ident!("{}", field);
        let name = &param.name;
        segment_checks.push(quote! { #rt::__private::check_path_segment(#name, &self.#field)?; });
    }
    // Query parameters are held to the spec's bounds before sending, as the server holds them
    // (`.limit(-1)` fails here with `InvalidParameter`, naming it, instead of reaching it).
    for param in op.query_params.iter().filter(|p| !p.many) {
        let field = progenitor_field_name(&param.name);
        if !fields.contains(&field) {
            continue;
        }
        let field = format_ident!("{}", field);
        let name = &param.name;
        // The value when one is set and converted (an unset or unconvertible one is `send`'s
        // own error).
        let value = if param.required {
            quote!(self.#field.as_ref().ok())
        } else {
            quote!(self.#field.as_ref().ok().and_then(::std::option::Option::as_ref))
        };
        match (&param.ty, param.max_length) {
            (
                ScalarType::Integer {
                    minimum: Some(minimum),
                    ..
                },
                _,
            ) => {
                let minimum = proc_macro2::Literal::i64_unsuffixed(*minimum);
                segment_checks.push(quote! {
                    #rt::__private::check_minimum(#name, #value.copied(), #minimum)?;
                });
            }
            (ScalarType::String, Some(max_length)) => {
                let max_length = proc_macro2::Literal::u64_unsuffixed(max_length);
                segment_checks.push(quote! {
                    #rt::__private::check_max_length(#name, #value, #max_length)?;
                });
            }
            _ => {}
        }
    }
    // The spec's name of each builder field, for the errors that name a parameter.
    let spec_names: HashMap<String, String> = op
        .path_params
        .iter()
        .chain(&op.query_params)
        .chain(&op.header_params)
        .map(|p| (progenitor_field_name(&p.name), p.name.clone()))
        .chain(std::iter::once(("body".to_string(), "body".to_string())))
        .collect();
    let mut unset = Vec::new();
    for member in imp.items.iter_mut() {
        if let ImplItem::Fn(function) = member {
            if function.sig.ident == "new" {
                unset = record_unset_parameters(function, rt);
            } else {
                keep_conversion_messages(function, &spec_names, rt);
            }
        }
    }
    let send_raw = imp
        .items
        .iter_mut()
        .find_map(|member| match member {
            ImplItem::Fn(f) if f.sig.ident == "send_raw" => Some(f),
            _ => None,
        })
        .ok_or_else(|| unexpected("a `send` method on its builder"))?;
    let named = name_unset_parameters(&mut send_raw.block, &unset, &spec_names, rt);
    if let Some(missed) = unset.iter().find(|f| !named.contains(f)) {
        return Err(unexpected(&format!(
            "`{missed}.map_err(Error::InvalidRequest)` in `send`, for its required `{missed}`"
        )));
    }
    let builder = BuilderShape {
        name: self_type_name(imp).ok_or_else(|| unexpected("a named builder type"))?,
        fields,
    };
    if op.paginated_item.is_some() && !builder.fields.iter().any(|f| f == "cursor") {
        return Err(unexpected(
            "a builder field `cursor` for its listing's cursor",
        ));
    }
    imp.items.extend(added_methods(
        op,
        model,
        paths,
        &builder,
        &value_type,
        &segment_checks,
    ));
    Ok(())
}

/// progenitor's setters drop why a value did not convert (`map_err(|_| "conversion to `:: std
/// :: string :: String` for account_id failed")`), or word it by the target's tokens. A setter
/// `fn NAME<V>(.., value: V) where V: TryInto<T>` instead keeps the conversion's own message
/// after the parameter's name (`body: no value supplied for slot_id`), which needs the error to
/// be `Display`: the bound is added where progenitor left it out.
fn keep_conversion_messages(
    setter: &mut syn::ImplItemFn,
    spec_names: &HashMap<String, String>,
    rt: &proc_macro2::TokenStream,
) {
    let Some(target) = crate::syntax::try_into_target(&setter.sig, "V") else {
        return;
    };
    struct Rewrite<'r>(String, usize, &'r proc_macro2::TokenStream);
    impl syn::visit_mut::VisitMut for Rewrite<'_> {
        fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
            syn::visit_mut::visit_expr_method_call_mut(self, call);
            if call.method == "map_err" && call.args.len() == 1 {
                let name = &self.0;
                let rt = self.2;
                call.args[0] = parse_quote!(|e| #rt::__private::not_valid(#name, e));
                self.1 += 1;
            }
        }
    }
    let field = setter.sig.ident.to_string();
    let name = spec_names.get(&field).cloned().unwrap_or(field);
    let mut rewrite = Rewrite(name, 0, rt);
    syn::visit_mut::VisitMut::visit_block_mut(&mut rewrite, &mut setter.block);
    if rewrite.1 == 0 {
        return;
    }
    let display: syn::WherePredicate =
        parse_quote!(<V as ::std::convert::TryInto<#target>>::Error: ::std::fmt::Display);
    let clause = setter.sig.generics.make_where_clause();
    let has_display = clause
        .predicates
        .iter()
        .any(|p| crate::syntax::bounds_by(p, "Display"));
    if !has_display {
        clause.predicates.push(display);
    }
}

/// progenitor's `new()` starts each required parameter as `Err("NAME was not initialized")`,
/// a `String` made for every call. It starts as the runtime's `UNSET` instead (nothing
/// allocated), and `send` turns an `UNSET` left there into `not_set(NAME)`, so that a call
/// without it fails with `CniError::MissingParameter` naming the spec's parameter. (A body
/// left unset, which `send` reads through a conversion first, is `not_set("body")` at once.)
/// Returns the fields that start `UNSET`.
fn record_unset_parameters(
    new: &mut syn::ImplItemFn,
    rt: &proc_macro2::TokenStream,
) -> Vec<String> {
    struct Rewrite<'r>(&'r proc_macro2::TokenStream, Vec<String>);
    impl syn::visit_mut::VisitMut for Rewrite<'_> {
        fn visit_field_value_mut(&mut self, field: &mut syn::FieldValue) {
            let syn::Member::Named(member) = &field.member else {
                return;
            };
            let syn::Expr::Call(call) = &field.expr else {
                return;
            };
            let is_err = matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("Err"));
            if is_err {
                let member = member.to_string();
                let rt = self.0;
                if member == "body" {
                    field.expr =
                        parse_quote!(::std::result::Result::Err(#rt::__private::not_set("body")));
                } else {
                    field.expr = parse_quote!(::std::result::Result::Err(#rt::__private::UNSET));
                    self.1.push(member);
                }
            }
        }
    }
    let mut rewrite = Rewrite(rt, Vec::new());
    syn::visit_mut::VisitMut::visit_block_mut(&mut rewrite, &mut new.block);
    rewrite.1
}

/// In `send`, each `FIELD.map_err(Error::InvalidRequest)` of a field that starts `UNSET`
/// names the parameter when it is still unset; returns the fields it found.
fn name_unset_parameters(
    block: &mut syn::Block,
    unset: &[String],
    spec_names: &HashMap<String, String>,
    rt: &proc_macro2::TokenStream,
) -> Vec<String> {
    struct Rewrite<'r> {
        unset: &'r [String],
        spec_names: &'r HashMap<String, String>,
        rt: &'r proc_macro2::TokenStream,
        found: Vec<String>,
    }
    impl syn::visit_mut::VisitMut for Rewrite<'_> {
        fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
            syn::visit_mut::visit_expr_method_call_mut(self, call);
            if call.method != "map_err" || call.args.len() != 1 {
                return;
            }
            let syn::Expr::Path(receiver) = &*call.receiver else {
                return;
            };
            let Some(field) = receiver.path.get_ident().map(ToString::to_string) else {
                return;
            };
            let invalid_request = matches!(&call.args[0], syn::Expr::Path(p)
                if p.path.segments.last().is_some_and(|s| s.ident == "InvalidRequest"));
            if !invalid_request || !self.unset.contains(&field) {
                return;
            }
            let name = self
                .spec_names
                .get(&field)
                .cloned()
                .unwrap_or(field.clone());
            let rt = self.rt;
            call.args[0] =
                parse_quote!(|e| Error::InvalidRequest(#rt::__private::unset_or(e, #name)));
            self.found.push(field);
        }
    }
    let mut rewrite = Rewrite {
        unset,
        spec_names,
        rt,
        found: Vec::new(),
    };
    syn::visit_mut::VisitMut::visit_block_mut(&mut rewrite, block);
    rewrite.found
}

/// A request builder as progenitor wrote it: its type's name and its fields (`client` first).
struct BuilderShape {
    name: String,
    fields: Vec<String>,
}

/// The methods a request builder gains: `send` returning `CniError`, `send_with`, and
/// `wait_until` (with a shortcut per member of a status union), `stream` or `save_to` where the
/// operation reads JSON, lists or downloads.
fn added_methods(
    op: &OperationModel,
    model: &ApiModel,
    paths: &Paths,
    builder: &BuilderShape,
    value_type: &Type,
    segment_checks: &[proc_macro2::TokenStream],
) -> Vec<ImplItem> {
    let rt = &paths.client_runtime;
    let mut items: Vec<ImplItem> = Vec::new();
    let expected = expected_text(op);
    let locate = match &op.success {
        SuccessModel::Json(name) => {
            let name = format_ident!("{}", name);
            quote!(#rt::__private::locate::<types::#name>)
        }
        SuccessModel::Binary(_) | SuccessModel::Empty => quote!(#rt::__private::locate_nothing),
    };
    let send_doc = format!(
        " Sends `{} {}`, retrying as the client's policy allows; a body is checked against the \
         spec's rules first unless the client turned that off.",
        op.method, op.path
    );
    items.push(parse_quote! {
        #[doc = #send_doc]
        pub async fn send(self) -> ::std::result::Result<#value_type, #rt::CniError> {
            #(#segment_checks)*
            #rt::__private::run(self.send_raw(), #expected, #locate).await
        }
    });
    items.push(parse_quote! {
        /// [`send`](Self::send) with this call's own options: a timeout per attempt, extra
        /// headers.
        pub async fn send_with(
            self,
            options: &#rt::RequestOptions,
        ) -> ::std::result::Result<#value_type, #rt::CniError> {
            #(#segment_checks)*
            #rt::__private::run_with(
                self.send_raw(),
                ::std::option::Option::Some(::std::clone::Clone::clone(options)),
                #expected,
                #locate,
            )
            .await
        }
    });
    // A read that answers JSON can be waited on: polled until its value satisfies a condition.
    if let (true, SuccessModel::Json(name)) = (op.method == "GET", &op.success) {
        let schema = name;
        let name = format_ident!("{}", name);
        items.push(parse_quote! {
            /// Sends this request until `condition` says the answer is done, pausing between
            /// looks with backoff as `wait` says, and returns that answer. The condition
            /// returns a `bool` (`true`: done) or a [`WaitOutcome`](crate::WaitOutcome), whose
            /// `Failed` stops the wait at once with
            /// [`CniError::WaitFailed`](crate::CniError::WaitFailed). A failed call ends the
            /// wait with its error (after the client's own retries; a 404 too, unless `wait`
            /// says [`not_found_is_pending`](crate::Wait::not_found_is_pending)); running out
            /// of time ends it with [`CniError::WaitTimeout`](crate::CniError::WaitTimeout).
            /// Both carry the last answer, typed. Cancel-safe: dropping the future stops the
            /// polling. `wait` is a `&Wait` or a `Wait`: given one by value, the future
            /// borrows nothing and can be spawned on a task.
            pub async fn wait_until<P, O, W>(
                self,
                condition: P,
                wait: W,
            ) -> ::std::result::Result<types::#name, #rt::CniError>
            where
                P: ::std::ops::FnMut(&types::#name) -> O,
                O: ::std::convert::Into<#rt::WaitOutcome>,
                W: ::std::borrow::Borrow<#rt::Wait>,
            {
                let wait: &#rt::Wait = ::std::borrow::Borrow::borrow(&wait);
                #rt::wait_until(
                    || {
                        let builder = ::std::clone::Clone::clone(&self);
                        async move { builder.send().await.map(|answer| answer.into_inner()) }
                    },
                    condition,
                    wait,
                )
                .await
            }
        });
        items.extend(status_waits(model, schema, &name, rt));
    }
    if let Some(item) = &op.paginated_item {
        items.push(stream_method(builder, item, rt));
    }
    if let SuccessModel::Binary(media_type) = &op.success {
        items.push(parse_quote! {
            /// Downloads the body into `path` atomically (a temporary file beside it, then a
            /// rename), returning the number of bytes written.
            pub async fn save_to(
                self,
                path: impl ::std::convert::AsRef<::std::path::Path>,
            ) -> ::std::result::Result<u64, #rt::CniError> {
                let response = self.send().await?;
                #rt::__private::save_stream(response.into_inner(), path.as_ref()).await
            }
        });
        items.push(parse_quote! {
            /// Reads the whole body (within the client's `max_download_bytes`).
            pub async fn bytes(self) -> ::std::result::Result<#rt::Bytes, #rt::CniError> {
                let response = self.send().await?;
                #rt::__private::read_stream(response.into_inner()).await
            }
        });
        if media_type.starts_with("text/") {
            items.push(parse_quote! {
                /// Reads the whole body as text (within the client's `max_download_bytes`);
                /// bytes that are not UTF-8 are an error saying where.
                pub async fn text(self) -> ::std::result::Result<::std::string::String, #rt::CniError> {
                    let response = self.send().await?;
                    #rt::__private::read_text(response.into_inner()).await
                }
            });
        }
    }
    items
}

/// One shortcut per member of a status union (tagged by `state` or `status`):
/// `wait_until_healthy(&wait)` waits until the answer is that member. A member added to the
/// union adds its shortcut and changes no other.
fn status_waits(
    model: &ApiModel,
    schema: &str,
    ty: &syn::Ident,
    rt: &proc_macro2::TokenStream,
) -> Vec<ImplItem> {
    let Some(union) = model.schemas.get(schema).and_then(|s| s.union.as_ref()) else {
        return Vec::new();
    };
    if union.property != "state" && union.property != "status" {
        return Vec::new();
    }
    union
        .variants
        .iter()
        .map(|variant| {
            let method = format_ident!("{}", naming::wait_method_name(&variant.name));
            let member = format_ident!("{}", variant.name);
            // The members that end this wait as failed (`x-cni-wait-failures`), by variant.
            let failures: Vec<&crate::model::UnionVariant> = union
                .wait_failures
                .get(&variant.tag)
                .into_iter()
                .flatten()
                .filter_map(|tag| union.variants.iter().find(|v| v.tag == *tag))
                .collect();
            let failing = if failures.is_empty() {
                String::new()
            } else {
                let tags: Vec<String> = failures.iter().map(|f| format!("`{}`", f.tag)).collect();
                format!(
                    " A `{}` of {} ends it at once with \
                     [`CniError::WaitFailed`](crate::CniError::WaitFailed), carrying that answer; \
                     for other failure states, call `wait_until` with a condition returning a \
                     [`WaitOutcome`](crate::WaitOutcome).",
                    union.property,
                    tags.join(" or ")
                )
            };
            let doc = format!(
                " Waits until the answer's `{}` is `{}`: [`wait_until`](Self::wait_until) with \
                 that condition.{failing}",
                union.property, variant.tag
            );
            let failed: Vec<syn::Ident> = failures
                .iter()
                .map(|f| format_ident!("{}", f.name))
                .collect();
            let condition = if failed.is_empty() {
                quote! { |answer| ::std::matches!(answer, types::#ty::#member(_)) }
            } else {
                quote! {
                    |answer| match answer {
                        types::#ty::#member(_) => #rt::WaitOutcome::Done,
                        #(types::#ty::#failed(_))|* => #rt::WaitOutcome::Failed,
                        _ => #rt::WaitOutcome::Pending,
                    }
                }
            };
            parse_quote! {
                #[doc = #doc]
                pub async fn #method<W>(
                    self,
                    wait: W,
                ) -> ::std::result::Result<types::#ty, #rt::CniError>
                where
                    W: ::std::borrow::Borrow<#rt::Wait>,
                {
                    self.wait_until(#condition, wait).await
                }
            }
        })
        .collect()
}

/// `stream()`: a [`Paginator`] that owns a clone of the client and of the builder's fields, so
/// it borrows nothing; each page is this builder again with `cursor` set.
fn stream_method(builder: &BuilderShape, item: &str, rt: &proc_macro2::TokenStream) -> ImplItem {
    let item = format_ident!("{}", item);
    let ty = format_ident!("{}", builder.name);
    let fields: Vec<syn::Ident> = builder
        .fields
        .iter()
        .filter(|f| *f != "client" && *f != "cursor")
        .map(|f| format_ident!("{}", f))
        .collect();
    parse_quote! {
        /// Every item of the listing, as a [`Paginator`](crate::Paginator) that fetches one page
        /// at a time as it is read: each response's `next` is sent back as `cursor` with the
        /// other parameters unchanged, until `next` is absent or null. It owns a clone of the
        /// client, so it borrows nothing and can move to a task. A cursor the server already
        /// returned ends it with [`CniError::Pagination`](crate::CniError::Pagination); after
        /// any error, [`Paginator::cursor`](crate::Paginator::cursor) says where to start again.
        pub fn stream(self) -> #rt::Paginator<types::#item> {
            let Self { client, cursor, #(#fields),* } = self;
            // A cursor that could not be converted is sent as the builder would: an error.
            let (start, cursor_problem) = match cursor {
                ::std::result::Result::Ok(start) => (start, ::std::option::Option::None),
                ::std::result::Result::Err(problem) => (::std::option::Option::None, ::std::option::Option::Some(problem)),
            };
            #rt::Paginator::new(start, move |cursor: ::std::option::Option<i32>| {
                let client = ::std::clone::Clone::clone(&client);
                let cursor = match &cursor_problem {
                    ::std::option::Option::Some(problem) => ::std::result::Result::Err(::std::clone::Clone::clone(problem)),
                    ::std::option::Option::None => ::std::result::Result::Ok(cursor),
                };
                #(let #fields = ::std::clone::Clone::clone(&#fields);)*
                ::std::boxed::Box::pin(async move {
                    let builder = #ty { client, cursor, #(#fields),* };
                    let page = builder.send().await?.into_inner();
                    ::std::result::Result::Ok((page.items, page.next))
                })
            })
        }
    }
}

/// `encode_path(&value.to_string())` → `PathSegment(&value)`: the URL's `format!` encodes each
/// path parameter as it writes it, instead of two `String`s per parameter per call. The
/// encoding is the same (the runtime's tests compare it with progenitor's). Returns how many
/// it rewrote; the caller holds that against the operation's path parameters.
fn format_path_segments_in_place(block: &mut syn::Block, rt: &proc_macro2::TokenStream) -> usize {
    struct Rewrite<'a>(&'a proc_macro2::TokenStream, usize);
    impl syn::visit_mut::VisitMut for Rewrite<'_> {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            let before = self.1;
            syn::visit_mut::visit_expr_mut(self, expr);
            // The URL's `format!` is written into one buffer of a size that fits a URL, not
            // grown piece by piece.
            if let syn::Expr::Macro(url) = expr {
                if url.mac.path.is_ident("format") && self.1 > before {
                    let rt = self.0;
                    let tokens = &url.mac.tokens;
                    *expr = parse_quote!(#rt::__private::url(::std::format_args!(#tokens)));
                }
                return;
            }
            let syn::Expr::Call(call) = expr else { return };
            let is_encode_path = matches!(&*call.func, syn::Expr::Path(p)
                if p.path.segments.last().is_some_and(|s| s.ident == "encode_path"));
            if !is_encode_path || call.args.len() != 1 {
                return;
            }
            let Some(syn::Expr::Reference(reference)) = call.args.first() else {
                return;
            };
            let syn::Expr::MethodCall(to_string) = &*reference.expr else {
                return;
            };
            if to_string.method != "to_string" || !to_string.args.is_empty() {
                return;
            }
            let value = &to_string.receiver;
            let rt = self.0;
            *expr = parse_quote!(#rt::__private::PathSegment(&#value));
            self.1 += 1;
        }
        // progenitor builds the URL in a `format!`, whose arguments are tokens to syn.
        fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
            use syn::parse::Parser;
            if !mac.path.is_ident("format") {
                return;
            }
            let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
            let Ok(mut args) = parser.parse2(mac.tokens.clone()) else {
                return;
            };
            for arg in args.iter_mut() {
                self.visit_expr_mut(arg);
            }
            mac.tokens = quote!(#args);
        }
    }
    let mut rewrite = Rewrite(rt, 0);
    syn::visit_mut::VisitMut::visit_block_mut(&mut rewrite, block);
    rewrite.1
}

/// progenitor collects constant headers (`api-version`) in a `HeaderMap` built per call and
/// merged into the request; setting each on the request builder instead saves that map's
/// allocations. The plain shape is rewritten (`let mut header_map = ..;` then
/// `header_map.append(name, value);` statements, one `.headers(header_map)`); `true` when it
/// was, or when there is no map. Any other use of the map leaves the block as progenitor wrote
/// it and returns `false`.
fn set_constant_headers_directly(block: &mut syn::Block) -> bool {
    use syn::visit_mut::VisitMut;
    let is_map =
        |expr: &syn::Expr| matches!(expr, syn::Expr::Path(p) if p.path.is_ident("header_map"));
    let Some(start) = block.stmts.iter().position(|stmt| {
        matches!(stmt, Stmt::Local(local) if matches!(&local.pat, syn::Pat::Ident(p) if p.ident == "header_map"))
    }) else {
        return true;
    };
    let mut headers = Vec::new();
    let mut end = start + 1;
    while let Some(Stmt::Expr(syn::Expr::MethodCall(call), Some(_))) = block.stmts.get(end) {
        if !(is_map(&call.receiver) && call.method == "append" && call.args.len() == 2) {
            break;
        }
        headers.push((call.args[0].clone(), call.args[1].clone()));
        end += 1;
    }
    let mut rewritten = block.clone();
    rewritten.stmts.drain(start..end);

    struct Merge<'a> {
        headers: &'a [(syn::Expr, syn::Expr)],
        merged: usize,
    }
    impl VisitMut for Merge<'_> {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            let syn::Expr::MethodCall(call) = expr else {
                return;
            };
            let merges_the_map = call.method == "headers"
                && call.args.len() == 1
                && matches!(&call.args[0], syn::Expr::Path(p) if p.path.is_ident("header_map"));
            if !merges_the_map {
                return;
            }
            let mut chained = (*call.receiver).clone();
            for (name, value) in self.headers {
                chained = parse_quote!(#chained.header(#name, #value));
            }
            *expr = chained;
            self.merged += 1;
        }
    }
    fn mentions(tokens: proc_macro2::TokenStream, name: &str) -> bool {
        tokens.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => ident == name,
            proc_macro2::TokenTree::Group(group) => mentions(group.stream(), name),
            _ => false,
        })
    }
    let mut merge = Merge {
        headers: &headers,
        merged: 0,
    };
    merge.visit_block_mut(&mut rewritten);
    if merge.merged == 1 && !mentions(quote!(#rewritten), "header_map") {
        *block = rewritten;
        true
    } else {
        false
    }
}

/// Adds everything the runtime provides to progenitor's client file.
pub fn add_client_runtime(
    file: &mut syn::File,
    model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    let rt = &paths.client_runtime;
    let validate = &paths.validate;
    // Each operation's builder, as progenitor's own `Client::<operation id>()` returns it.
    let builders = builder_types(file);
    let mut operations: HashMap<String, &OperationModel> = HashMap::new();
    for op in &model.operations {
        let builder = builders
            .get(&op.id)
            .ok_or_else(|| EmitError::UnexpectedShape {
                item: format!("operation `{}`", op.id),
                expected: format!("a method `Client::{}` returning its request builder", op.id),
            })?;
        operations.insert(builder.clone(), op);
    }
    for inner in module_items(&mut file.items, "builder")
        .into_iter()
        .flatten()
    {
        let Item::Impl(imp) = inner else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        if let Some(op) = self_type_name(imp).and_then(|n| operations.remove(&n)) {
            rewrite_builder(imp, op, model, paths)?;
        }
    }
    // Every operation must have been wired; one left means its builder has no `impl`.
    if let Some((builder, op)) = operations.into_iter().next() {
        return Err(EmitError::UnexpectedShape {
            item: format!("operation `{}`", op.id),
            expected: format!("an `impl` of its request builder `builder::{builder}`"),
        });
    }
    let base_url = &model.base_url;
    let hooks: Vec<Item> = vec![
        parse_quote! {
            pub use #rt::{BuildError, ClientBuilder, ClientOptions, CniError, Credentials, LastAnswer, Multipart, Page, Pages, Paginator, RequestOptions, ResponseMessage, ResponseMetadata, RetryPolicy, Wait, WaitOutcome};
        },
        parse_quote! {
            /// The type of the API's ids (`uuid`'s), as the request builders and `types` take
            /// them: no `uuid` dependency of your own is needed.
            pub use ::uuid::Uuid;
        },
        parse_quote! {
            /// HTTP header names and values (for [`RequestOptions::header`]), and the status of
            /// an answer ([`CniError::status`]): reqwest's, re-exported.
            pub use ::reqwest::{header, StatusCode};
        },
        parse_quote! {
            /// reqwest, re-exported: [`ClientBuilder::http_client`] takes a `reqwest::Client` of
            /// exactly this version.
            pub use ::reqwest;
        },
        parse_quote! {
            /// JSON values (serde_json's), for the `extra` fields that keep what a type does not
            /// name, and for answers a mock server gives.
            pub mod json {
                pub use ::serde_json::{from_value, json, to_value, Error, Map, Value};
            }
        },
        parse_quote! {
            /// What a refused request body broke ([`CniError::Validation`]): each violation's
            /// [`Code`](validation::Code) and where it lies.
            pub mod validation {
                pub use #validate::{Code, ValidationErrors, Violation};
            }
        },
        parse_quote! {
            /// The API's base URL, the client's default.
            pub const DEFAULT_BASE_URL: &str = #base_url;
        },
        parse_quote! {
            impl Client {
                /// Starts building a client: base URL (default [`DEFAULT_BASE_URL`]),
                /// credentials, timeouts, retries, user agent, request validation.
                pub fn builder() -> #rt::ClientBuilder<Client> {
                    #rt::ClientBuilder::new(
                        DEFAULT_BASE_URL,
                        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")),
                    )
                }

                /// Turns checking request bodies against the spec's rules (CIDR formats, the
                /// same-prefix rule, the MD5-key character set, integer bounds) on or off. It is
                /// on by default: a body that breaks a rule fails with
                /// [`CniError::Validation`] listing every violation, and nothing is sent.
                pub fn with_request_validation(mut self, enabled: bool) -> Self {
                    self.inner.set_request_validation(enabled);
                    self
                }

                /// Whether request validation is on: request bodies checked before sending.
                pub fn request_validation(&self) -> bool {
                    self.inner.request_validation()
                }

                /// The old name of [`request_validation`](Self::request_validation).
                #[deprecated(note = "renamed `request_validation`")]
                #[doc(hidden)]
                pub fn validates_requests(&self) -> bool {
                    self.request_validation()
                }
            }
        },
        parse_quote! {
            impl #rt::__private::FromParts for Client {
                fn from_parts(base_url: &str, http: reqwest::Client, options: #rt::ClientOptions) -> Self {
                    Self::new_with_client(base_url, http, options)
                }
            }
        },
        parse_quote! {
            /// Adds the credentials to each request and retries failed attempts.
            impl ClientHooks<#rt::ClientOptions> for Client {
                async fn pre<E>(
                    &self,
                    request: &mut reqwest::Request,
                    _info: &OperationInfo,
                ) -> ::std::result::Result<(), Error<E>> {
                    #rt::__private::apply_credentials(self.inner(), request).map_err(Error::InvalidRequest)
                }

                async fn exec(
                    &self,
                    request: reqwest::Request,
                    info: &OperationInfo,
                ) -> reqwest::Result<reqwest::Response> {
                    #rt::__private::execute(self.client(), self.inner(), request, info.operation_id).await
                }
            }
        },
    ];
    file.items.extend(hooks);
    close_footguns(file)
}

/// One way in: a client is made by [`Client::builder`] only (progenitor's `Client::new` skips
/// its checks and unwraps a TLS failure), a request builder by its `Client` method only, and
/// progenitor's `Error` and `ClientInfo` stay private beside `CniError`.
fn close_footguns(file: &mut syn::File) -> Result<(), EmitError> {
    let unexpected = |expected: &str| EmitError::UnexpectedShape {
        item: "the client".to_string(),
        expected: expected.to_string(),
    };
    let reexport = file
        .items
        .iter()
        .position(|item| {
            matches!(item, Item::Use(u) if matches!(&u.tree, syn::UseTree::Path(p) if p.ident == "progenitor_client"))
                && matches!(item, Item::Use(u) if matches!(u.vis, syn::Visibility::Public(_)))
        })
        .ok_or_else(|| unexpected("`pub use progenitor_client::{..}` at the top"))?;
    file.items[reexport] = parse_quote! {
        #[allow(unused_imports)]
        pub use progenitor_client::{ByteStream, ResponseValue};
    };
    file.items.insert(
        reexport + 1,
        parse_quote! {
            #[allow(unused_imports)]
            use progenitor_client::{ClientInfo, Error};
        },
    );
    let constructors = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            Item::Impl(imp)
                if imp.trait_.is_none()
                    && self_type_name(imp).as_deref() == Some("Client")
                    && imp.items.iter().any(
                        |m| matches!(m, ImplItem::Fn(f) if f.sig.ident == "new_with_client"),
                    ) =>
            {
                Some(imp)
            }
            _ => None,
        })
        .ok_or_else(|| unexpected("`impl Client { fn new(..); fn new_with_client(..) }`"))?;
    constructors
        .items
        .retain(|m| !matches!(m, ImplItem::Fn(f) if f.sig.ident == "new"));
    for member in constructors.items.iter_mut() {
        if let ImplItem::Fn(f) = member {
            f.vis = parse_quote!(pub(crate));
        }
    }
    constructors.items.push(parse_quote! {
        /// The base URL every request goes to.
        pub fn base_url(&self) -> &str {
            &self.baseurl
        }
    });
    for item in module_items(&mut file.items, "builder")
        .into_iter()
        .flatten()
    {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        for member in imp.items.iter_mut() {
            if let ImplItem::Fn(f) = member {
                if f.sig.ident == "new" {
                    f.vis = parse_quote!(pub(crate));
                }
            }
        }
    }
    Ok(())
}

/// progenitor's `MockServerExt` gains a method with every operation the spec adds; sealed (a
/// private supertrait) no user can implement it, so that is a minor change, not a major one.
fn seal_mock_trait(file: &mut syn::File) -> Result<(), EmitError> {
    let mut sealed = false;
    for item in &mut file.items {
        if let syn::Item::Trait(trait_item) = item {
            if trait_item.ident == "MockServerExt" {
                trait_item
                    .supertraits
                    .push(syn::parse_quote!(sealed::Sealed));
                sealed = true;
            }
        }
    }
    if !sealed {
        return Err(EmitError::Output(
            "the httpmock helpers have no `MockServerExt` trait to seal".to_string(),
        ));
    }
    Ok(())
}

/// progenitor's `When` helpers match a path parameter with
/// `Regex::new(&format!("^/things/{}$", value.to_string())).unwrap()`: a value with a regex
/// character (`.`, `+`, `(`) matched other paths, or panicked. Each value is written as the
/// client sends it (percent-encoded, `PathSegment`) and escaped, so it matches that path only,
/// and the pattern is always valid. Returns how many values it rewrote.
fn escape_mock_path_values(mocks: &mut syn::File, rt: &proc_macro2::TokenStream) -> usize {
    struct Escape<'r>(&'r proc_macro2::TokenStream, usize);
    impl VisitMut for Escape<'_> {
        fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
            syn::visit_mut::visit_expr_call_mut(self, call);
            let is_regex_new = matches!(&*call.func, syn::Expr::Path(p)
                if p.path.segments.len() >= 2
                    && p.path.segments.iter().rev().nth(1).is_some_and(|s| s.ident == "Regex")
                    && p.path.segments.last().is_some_and(|s| s.ident == "new"));
            if !is_regex_new || call.args.len() != 1 {
                return;
            }
            let syn::Expr::Reference(reference) = &mut call.args[0] else {
                return;
            };
            let syn::Expr::Macro(format) = &mut *reference.expr else {
                return;
            };
            if !format.mac.path.is_ident("format") {
                return;
            }
            let Ok(args) = format.mac.parse_body_with(
                syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
            ) else {
                return;
            };
            let rt = self.0;
            // A parameter in two places of the template (`/owners/{}/widgets/.*/owners/{}`)
            // has one value and two placeholders: progenitor passes it once, which does not
            // compile. Each placeholder gets the value.
            let placeholders = match args.first() {
                Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(pattern),
                    ..
                })) => pattern.value().matches("{}").count(),
                _ => 0,
            };
            let values = args.len().saturating_sub(1);
            let mut rewritten = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::new();
            for (i, arg) in args.into_iter().enumerate() {
                if i == 0 {
                    rewritten.push(arg);
                } else {
                    let copies = if values == 1 { placeholders.max(1) } else { 1 };
                    for _ in 0..copies {
                        rewritten.push(parse_quote! {
                            regex::escape(&::std::string::ToString::to_string(&#rt::__private::PathSegment(&(#arg))))
                        });
                    }
                    self.1 += 1;
                }
            }
            format.mac.tokens = quote!(#rewritten);
        }
    }
    let mut escape = Escape(rt, 0);
    escape.visit_file_mut(mocks);
    escape.1
}

/// progenitor's `When` helper for a list query parameter matches
/// `query_param("state", value.to_string())`, which does not compile (`Vec` is not
/// `Display`). A list is its key repeated on the wire: the helper requires each item's pair.
/// Returns how many it rewrote.
fn match_mock_query_lists(mocks: &mut syn::File) -> usize {
    struct Lists(usize);
    impl VisitMut for Lists {
        fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
            if !crate::syntax::signature_mentions_vec(&function.sig) {
                return;
            }
            struct Rewrite<'c>(&'c mut usize);
            impl VisitMut for Rewrite<'_> {
                fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
                    syn::visit_mut::visit_expr_mut(self, expr);
                    let syn::Expr::MethodCall(call) = expr else {
                        return;
                    };
                    if call.method != "query_param" || call.args.len() != 2 {
                        return;
                    }
                    let (receiver, name) = (&call.receiver, &call.args[0]);
                    *expr = parse_quote! {
                        value.iter().fold(#receiver, |when, item| {
                            when.query_param(#name, ::std::string::ToString::to_string(item))
                        })
                    };
                    *self.0 += 1;
                }
            }
            Rewrite(&mut self.0).visit_block_mut(&mut function.block);
            // A required list is taken as `&[T]`, not `&Vec<T>` (clippy's `ptr_arg`).
            for input in function.sig.inputs.iter_mut() {
                let syn::FnArg::Typed(typed) = input else {
                    continue;
                };
                let Type::Reference(reference) = &mut *typed.ty else {
                    continue;
                };
                if let Some(item) = crate::syntax::vec_inner(&reference.elem).cloned() {
                    *reference.elem = parse_quote!([#item]);
                }
            }
        }
    }
    let mut lists = Lists(0);
    lists.visit_file_mut(mocks);
    lists.0
}

/// The pass: the client wired to its runtime, and progenitor's httpmock helpers, sealed, in
/// its `mock` module.
pub fn apply(
    generated: &mut crate::passes::Generated,
    model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    add_client_runtime(&mut generated.client, model, paths)?;
    let mut mocks = std::mem::replace(&mut generated.mocks, crate::progenitor::empty_file());
    seal_mock_trait(&mut mocks)?;
    let path_params: usize = model.operations.iter().map(|op| op.path_params.len()).sum();
    if path_params > 0 && escape_mock_path_values(&mut mocks, &paths.client_runtime) == 0 {
        return Err(EmitError::UnexpectedShape {
            item: "the httpmock helpers".into(),
            expected: "path parameters matched with `Regex::new(&format!(..))`".into(),
        });
    }
    let query_lists = model
        .operations
        .iter()
        .flat_map(|op| &op.query_params)
        .filter(|p| p.many && !p.joined)
        .count();
    if match_mock_query_lists(&mut mocks) != query_lists {
        return Err(EmitError::UnexpectedShape {
            item: "the httpmock helpers".into(),
            expected: format!(
                "{query_lists} list query parameters matched with `query_param(name, value.to_string())`"
            ),
        });
    }
    generated.client.items.push(syn::parse_quote! {
        /// httpmock helpers for tests of code that uses this client (the `mock` feature): a
        /// typed `When`/`Then` pair per operation, and [`MockServerExt`](mock::MockServerExt),
        /// which adds one method per operation to `httpmock::MockServer`.
        #[cfg(feature = "mock")]
        // progenitor's helpers carry no docs of their own, format their path matchers with
        // `to_string()`, and import the client's items whether or not an operation uses one.
        #[allow(missing_docs, unused_imports, clippy::to_string_in_format_args)]
        pub mod mock {
            /// The mock server the helpers extend, re-exported so that a test needs no
            /// httpmock dependency of its own (and gets the version the helpers fit).
            pub use ::httpmock::{self, MockServer};
            #mocks
            mod sealed {
                /// Only `MockServer` implements [`MockServerExt`](super::MockServerExt).
                pub trait Sealed {}
                impl Sealed for ::httpmock::MockServer {}
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    /// A `4XX` beside a 401: the 401's arm comes first, the range after it, `_` last.
    #[test]
    fn exact_statuses_match_before_ranges() {
        let mut block: syn::Block = syn::parse_quote! {{
            match response.status().as_u16() {
                200u16 => a(),
                400u16..=499u16 => b(),
                401u16 => c(),
                _ => d(),
            }
        }};
        super::specific_statuses_first(&mut block);
        let text = quote::quote!(#block).to_string().replace(' ', "");
        let order: Vec<usize> = ["200u16=>", "401u16=>", "400u16..=499u16=>", "_=>"]
            .iter()
            .map(|arm| text.find(arm).unwrap_or(usize::MAX))
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    }

    use super::*;
    use crate::model::ParamModel;

    fn operation(request_body: Option<&str>) -> OperationModel {
        OperationModel {
            request_body: request_body.map(str::to_string),
            request_shape: crate::model::JsonShape::Object,
            request_bytes: None,
            request_form: None,
            request_required: false,
            ..OperationModel::for_test(
                "get_thing",
                "/things/{thing}",
                vec![ParamModel::for_test("thing", ScalarType::String)],
            )
        }
    }

    fn rewrite(op: &OperationModel, imp: syn::ItemImpl) -> Result<syn::ItemImpl, String> {
        let mut imp = imp;
        let paths = Paths::new(&crate::config::Config::default(), quote!(::types));
        let model = ApiModel::for_test(vec![op.clone()]);
        rewrite_builder(&mut imp, op, &model, &paths)
            .map(|()| imp)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_expected_shape_is_wired() {
        let imp: syn::ItemImpl = parse_quote! {
            impl<'a> GetThing<'a> {
                pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                    let Self { client, thing } = self;
                    let thing = thing.map_err(Error::InvalidRequest)?;
                    let url = format!("{}/things/{}", client.baseurl, encode_path(&thing.to_string()));
                    todo!()
                }
            }
        };
        let wired = rewrite(&operation(None), imp).unwrap();
        use crate::syntax::has_tokens;
        assert!(has_tokens(
            &wired,
            r#"check_path_segment("thing", &self.thing)"#
        ));
        assert!(has_tokens(&wired, "fn send_raw"));
    }

    #[test]
    fn path_parameters_are_formatted_in_place() {
        let mut block: syn::Block = parse_quote!({
            let url = format!(
                "{}/things/{}",
                client.baseurl,
                encode_path(&thing.to_string())
            );
            let other = encode_path(&"kept");
        });
        assert_eq!(format_path_segments_in_place(&mut block, &quote!(rt)), 1);
        use crate::syntax::has_tokens;
        assert!(has_tokens(&block, "rt::__private::PathSegment(&thing)"));
        assert!(has_tokens(&block, r#"encode_path(&"kept")"#));
    }

    #[test]
    fn constant_headers_are_set_on_the_request_builder() {
        let mut block: syn::Block = parse_quote!({
            let mut header_map = HeaderMap::with_capacity(1usize);
            header_map.append(NAME, VALUE);
            let request = client
                .get(url)
                .header(ACCEPT, JSON)
                .headers(header_map)
                .build()?;
        });
        assert!(set_constant_headers_directly(&mut block));
        use crate::syntax::has_tokens;
        assert!(!has_tokens(&block, "header_map"));
        assert!(has_tokens(
            &block,
            ".header(ACCEPT, JSON).header(NAME, VALUE).build()"
        ));
    }

    #[test]
    fn a_header_map_used_otherwise_is_left_as_progenitor_wrote_it() {
        let mut block: syn::Block = parse_quote!({
            let mut header_map = HeaderMap::with_capacity(2usize);
            header_map.append(NAME, VALUE);
            if let Some(v) = optional {
                header_map.append(OTHER, v);
            }
            let request = client.get(url).headers(header_map).build()?;
        });
        let before = block.clone();
        assert!(!set_constant_headers_directly(&mut block));
        assert_eq!(block, before);
    }

    #[test]
    fn every_missing_shape_is_an_error_naming_the_operation() {
        let no_send: syn::ItemImpl = parse_quote! { impl<'a> GetThing<'a> { pub fn new() {} } };
        let wrong_return: syn::ItemImpl = parse_quote! {
            impl<'a> GetThing<'a> { pub async fn send(self) { let Self { client, thing } = self; } }
        };
        let renamed_field: syn::ItemImpl = parse_quote! {
            impl<'a> GetThing<'a> {
                pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                    let Self { client, the_thing } = self;
                    let url = format!("{}/things/{}", client.baseurl, encode_path(&the_thing.to_string()));
                    todo!()
                }
            }
        };
        let no_body: syn::ItemImpl = parse_quote! {
            impl<'a> GetThing<'a> {
                pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                    let Self { client, thing } = self;
                    let url = format!("{}/things/{}", client.baseurl, encode_path(&thing.to_string()));
                    todo!()
                }
            }
        };
        // progenitor encoding a path parameter another way than the rewrite knows.
        let other_encoding: syn::ItemImpl = parse_quote! {
            impl<'a> GetThing<'a> {
                pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                    let Self { client, thing } = self;
                    let url = format!("{}/things/{}", client.baseurl, percent_encode(thing.as_str()));
                    todo!()
                }
            }
        };
        // Constant headers set another way than the plain shape, with no header parameter.
        let other_headers: syn::ItemImpl = parse_quote! {
            impl<'a> GetThing<'a> {
                pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                    let Self { client, thing } = self;
                    let url = format!("{}/things/{}", client.baseurl, encode_path(&thing.to_string()));
                    let mut header_map = HeaderMap::with_capacity(1usize);
                    if flag { header_map.append(NAME, VALUE); }
                    let request = client.get(url).headers(header_map).build()?;
                    todo!()
                }
            }
        };
        for (imp, op, expected) in [
            (no_send, operation(None), "a `send` method"),
            (wrong_return, operation(None), "`send` returning"),
            (renamed_field, operation(None), "a builder field `thing`"),
            (
                no_body,
                operation(Some("Thing")),
                "a `let body = ...` statement",
            ),
            (
                other_encoding,
                operation(None),
                "path placeholders (found 0)",
            ),
            (
                other_headers,
                operation(None),
                "its constant headers as `let mut header_map",
            ),
        ] {
            let error = rewrite(&op, imp).unwrap_err();
            assert!(error.contains("operation `get_thing`"), "{error}");
            assert!(error.contains(expected), "{expected}: {error}");
        }
    }
}
