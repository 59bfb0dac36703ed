//! Emits the server crate from the model with quote: one trait with a method per operation,
//! a typed query struct per operation that has query parameters, and an axum router whose
//! every rejection answers in the error envelope.
//!
//! progenitor generates clients only, so this emitter reads the sorted model, not the spec.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::error::EmitError;
use crate::model::{ApiModel, JsonShape, OperationModel, ParamModel, ScalarType, SuccessModel};
use crate::naming::operation_constant;
use crate::paths::Paths;

/// A spec name as a Rust identifier, as progenitor spells the client's builder field (`type` →
/// `type_`, `page-size` → `page_size`), so that a parameter has one name on both sides; a name
/// that is still none (`2fa`) gets a `p_` in front. Never panics on what Cloudflare writes.
fn ident(name: &str) -> Ident {
    let field = crate::naming::progenitor_field_name(name);
    match syn::parse_str::<Ident>(&field) {
        Ok(_) => Ident::new(&field, Span::call_site()),
        Err(_) => format_ident!("p_{}", field.trim_end_matches('_')),
    }
}

/// The Rust type of a parameter, as progenitor's client spells it.
fn param_type(param: &ParamModel) -> TokenStream {
    match &param.ty {
        ScalarType::String => quote!(::std::string::String),
        ScalarType::Uuid => quote!(::uuid::Uuid),
        ScalarType::Boolean => quote!(bool),
        ScalarType::Number => quote!(f64),
        ScalarType::Integer { .. } if is_unsigned(param) => quote!(u64),
        ScalarType::Integer { format, .. } => match format.as_deref() {
            Some("int32") => quote!(i32),
            _ => quote!(i64),
        },
    }
}

/// Whether an integer parameter is held as a `u64`: no declared format and a minimum of 0 or
/// more (a negative value is then refused when the query is parsed).
fn is_unsigned(param: &ParamModel) -> bool {
    matches!(&param.ty, ScalarType::Integer { format, minimum: Some(m) }
        if *m >= 0 && !matches!(format.as_deref(), Some("int32" | "int64")))
}

/// Doc attributes for `text`, written so rustdoc renders it as written (see
/// [`for_rustdoc`](super::docs::input::for_rustdoc)).
fn doc_lines(text: &str) -> TokenStream {
    let text = super::docs::input::for_rustdoc(text);
    let lines = text.lines().map(|l| format!(" {l}"));
    quote!(#(#[doc = #lines])*)
}

fn query_struct_name(op: &OperationModel) -> Ident {
    format_ident!("{}Query", crate::naming::camel_case(&op.id))
}

fn query_struct(op: &OperationModel, validate: &TokenStream, rt_path: &TokenStream) -> TokenStream {
    let name = query_struct_name(op);
    let doc = match (op.query_params.is_empty(), op.header_params.is_empty()) {
        (true, true) => format!(
            " The query parameters of `{}`: none yet. The struct is there so that a parameter \
             added later is a new field, not a new argument of the trait method.",
            op.id
        ),
        (false, true) => format!(" The query parameters of `{}`.", op.id),
        // Header parameters live here too: one more argument would change the trait's
        // signature when Cloudflare adds the first one, a field does not.
        (_, false) => format!(
            " The query and header parameters of `{}` (a header's field is read from the \
             request's headers, not the query).",
            op.id
        ),
    };
    let headers = op.header_params.iter().map(|p| {
        let field = ident(&p.name);
        let ty = param_type(p);
        let doc = match p.description.trim().is_empty() {
            true => doc_lines(&format!("The header `{}`.", p.name)),
            false => doc_lines(&format!("The header `{}`: {}", p.name, p.description)),
        };
        let ty = match (p.many, p.required) {
            (true, _) => quote!(::std::vec::Vec<#ty>),
            (false, true) => ty,
            (false, false) => quote!(::std::option::Option<#ty>),
        };
        quote! {
            #doc
            #[serde(skip)]
            pub #field: #ty,
        }
    });
    let fields = op.query_params.iter().map(|p| {
        let field = ident(&p.name);
        let ty = param_type(p);
        let wire = &p.name;
        let rename = (field != p.name.as_str()).then(|| quote!(#[serde(rename = #wire)]));
        // A parameter Cloudflare left undescribed still gets a doc: the crate denies
        // missing docs, and a new revision must not fail them.
        let doc = match p.description.trim().is_empty() {
            true => doc_lines(&format!("The query parameter `{}`.", p.name)),
            false => doc_lines(&p.description),
        };
        // An unsigned type already refuses a negative value when the query is parsed. (A
        // list's items are held to their type by parsing; their bounds are not checked yet.)
        let rule = match &p.ty {
            _ if p.many => None,
            ScalarType::Integer {
                minimum: Some(m), ..
            } if !(*m == 0 && is_unsigned(p)) => {
                let m = proc_macro2::Literal::i64_unsuffixed(*m);
                Some(quote!(#[validate(minimum = #m)]))
            }
            ScalarType::String => p.max_length.map(|n| {
                let n = proc_macro2::Literal::u64_unsuffixed(n);
                quote!(#[validate(max_length = #n)])
            }),
            _ => None,
        };
        // A list sent comma-separated is one value, split here.
        let joined = p.joined.then(|| {
            let with = format!("{}::__private::params::comma_list", rt_path).replace(' ', "");
            quote!(#[serde(deserialize_with = #with)])
        });
        // A list left out is an empty one; a required one must have a value.
        let (ty, default) = match (p.many, p.required) {
            (true, true) => (quote!(::std::vec::Vec<#ty>), None),
            (true, false) => (
                quote!(::std::vec::Vec<#ty>),
                Some(quote!(#[serde(default)])),
            ),
            (false, true) => (ty, None),
            (false, false) => (quote!(::std::option::Option<#ty>), None),
        };
        quote! {
            #doc
            #rename
            #default
            #joined
            #rule
            pub #field: #ty,
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, Default, PartialEq, ::serde::Deserialize, #validate::Validate)]
        #[non_exhaustive]
        pub struct #name {
            #(#fields)*
            #(#headers)*
        }
    }
}

fn success_type(op: &OperationModel, types: &TokenStream, rt: &TokenStream) -> TokenStream {
    match &op.success {
        SuccessModel::Json(name) => {
            let name = format_ident!("{}", name);
            quote!(#types::#name)
        }
        SuccessModel::Binary(_) => quote!(#rt::Binary),
        SuccessModel::Empty => quote!(()),
    }
}

fn method_doc(op: &OperationModel) -> TokenStream {
    let mut text = format!("{}\n\n`{} {}`", op.summary, op.method, op.path);
    for p in &op.path_params {
        text.push_str(&format!("\n- `{}`: {}", p.name, p.description));
    }
    if let Some(body) = &op.request_body {
        text.push_str(&format!(
            "\n- `body`: the [`types::{body}`](crate::types::{body}) sent"
        ));
    }
    if let Some(media_type) = &op.request_bytes {
        text.push_str(&format!("\n- `body`: the bytes sent, as `{media_type}`"));
    }
    if let Some(parts) = &op.request_form {
        let names: Vec<String> = parts.iter().map(|p| format!("`{}`", p.name)).collect();
        text.push_str(&format!(
            "\n- `body`: the multipart form sent, every part in order (the spec names {}); \
             those it requires are there",
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        ));
    }
    text.push_str(&format!(
        "\n- `query`: the [`{}`] parameters{}",
        query_struct_name(op),
        if op.header_params.is_empty() {
            ""
        } else {
            " (its header parameters too)"
        }
    ));
    if op.success_statuses.len() > 1 || op.success_statuses.first().is_some_and(|s| *s != 200) {
        let statuses: Vec<String> = op.success_statuses.iter().map(u16::to_string).collect();
        text.push_str(&format!(
            "\n\nDeclared success statuses: {}; a success answers {}, or the one set with \
             [`RequestContext::set_answer_status`](crate::RequestContext::set_answer_status).",
            statuses.join(", "),
            statuses.first().map_or("200", String::as_str)
        ));
    }
    match &op.success {
        SuccessModel::Binary(media_type) => text.push_str(&format!(
            "\n\nAnswers with raw bytes; return them as a [`Binary`](crate::Binary) of `{media_type}`."
        )),
        SuccessModel::Empty => text.push_str("\n\nAnswers 200 with no body."),
        SuccessModel::Json(_) => {}
    }
    text.push_str(&format!(
        "\n\nDeclared error statuses: {}; return them as an [`ApiError`](crate::ApiError).",
        if op.error_statuses.is_empty() {
            "none".to_string()
        } else {
            op.error_statuses.join(", ")
        }
    ));
    doc_lines(&text)
}

/// The arguments an operation's trait method takes after `request`, as (name, type).
fn arguments(
    op: &OperationModel,
    types: &TokenStream,
    rt: &TokenStream,
) -> Vec<(Ident, TokenStream)> {
    let mut args: Vec<(Ident, TokenStream)> = op
        .path_params
        .iter()
        .map(|p| (ident(&p.name), param_type(p)))
        .collect();
    // Every operation takes its query struct, even an empty one, so that adding an optional
    // query parameter adds a field to a `#[non_exhaustive]` struct and changes no signature.
    let name = query_struct_name(op);
    args.push((format_ident!("query"), quote!(#name)));
    if let Some(body) = &op.request_body {
        let body = format_ident!("{}", body);
        args.push((format_ident!("body"), quote!(#types::#body)));
    }
    if op.request_bytes.is_some() {
        args.push((format_ident!("body"), quote!(#rt::Bytes)));
    }
    if op.request_form.is_some() {
        args.push((format_ident!("body"), quote!(#rt::Multipart)));
    }
    args
}

/// One method of the trait. Its default answers 501 in the envelope, so that an operation
/// added to the spec is a minor release: implementations keep compiling, and answer 501 for it
/// until they provide it.
fn trait_method(op: &OperationModel, types: &TokenStream, rt: &TokenStream) -> TokenStream {
    let name = ident(&op.id);
    let id = &op.id;
    let doc = method_doc(op);
    let success = success_type(op, types, rt);
    let arguments = arguments(op, types, rt);
    let names: Vec<&Ident> = arguments.iter().map(|(n, _)| n).collect();
    let args = arguments.iter().map(|(n, t)| quote!(#n: #t));
    quote! {
        #doc
        fn #name(
            &self,
            request: #rt::RequestContext,
            #(#args),*
        ) -> impl ::std::future::Future<
            Output = ::std::result::Result<#success, #rt::ApiError>,
        > + Send {
            let _ = (request, #(#names),*);
            async { ::std::result::Result::Err(#rt::ApiError::not_implemented(#id)) }
        }
    }
}

/// The operations as a type, and the completeness check: an implementation declares the
/// operations it serves in `IMPLEMENTED`, `unimplemented_operations` is the rest (nothing is
/// called), and the router logs an operation declared but answered by the trait's default.
fn completeness_check(model: &ApiModel, paths: &Paths) -> TokenStream {
    let trait_name = &paths.server_trait;
    let ids: Vec<&String> = model.operations.iter().map(|op| &op.id).collect();
    let consts: Vec<Ident> = model
        .operations
        .iter()
        .map(|op| format_ident!("{}", operation_constant(&op.id)))
        .collect();
    let docs: Vec<String> = model
        .operations
        .iter()
        .map(|op| format!(" `{}` ({} `{}`): {}", op.id, op.method, op.path, op.summary))
        .collect();
    quote! {
        /// Every operation of the spec, by operationId.
        pub const OPERATIONS: &[&str] = &[#(#ids),*];

        /// One operation of the spec, by its operationId: what an implementation lists in
        /// [`IMPLEMENTED`](CniApi::IMPLEMENTED), one constant per operation
        /// (`Operation::GET_CNI`). A release that adds operations adds constants, and moves
        /// none: it is not an enum whose order or discriminants an addition would change.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct Operation(&'static str);

        impl Operation {
            #(#[doc = #docs] pub const #consts: Operation = Operation(#ids);)*

            /// Every operation, in operationId order.
            pub const ALL: &'static [Operation] = &[#(Operation::#consts),*];

            /// Its operationId.
            pub fn id(self) -> &'static str {
                self.0
            }
        }

        impl ::std::fmt::Display for Operation {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.0)
            }
        }

        /// The operations `A` leaves to the trait's default (they answer 501): those its
        /// [`IMPLEMENTED`](CniApi::IMPLEMENTED) does not list. Nothing is called. A test can
        /// assert that the list is what it expects, so an operation added in a new release of
        /// this crate is noticed: `assert!(unimplemented_operations::<MyApi>().is_empty())`.
        pub fn unimplemented_operations<A: #trait_name>() -> ::std::vec::Vec<&'static str> {
            Operation::ALL
                .iter()
                .filter(|op| !A::IMPLEMENTED.contains(op))
                .map(|op| op.id())
                .collect()
        }
    }
}

fn handler(op: &OperationModel, paths: &Paths) -> TokenStream {
    let (types, rt, trait_name) = (&paths.types, &paths.server_runtime, &paths.server_trait);
    let name = format_ident!("handle_{}", op.id);
    let method = ident(&op.id);
    let constant = format_ident!("{}", operation_constant(&op.id));
    let id = &op.id;
    // The template's placeholders in order, as axum hands them over: a parameter that fills
    // two (`/accounts/{account_id}/…/accounts/{account_id}`) is read twice, and the values
    // must agree.
    let mut path_names: Vec<Ident> = Vec::new();
    let mut path_types: Vec<TokenStream> = Vec::new();
    let mut repeats: Vec<(Ident, Ident, String)> = Vec::new();
    for name in crate::document::template_params(&op.path) {
        let Some(param) = op.path_params.iter().find(|p| p.name == name) else {
            continue;
        };
        let first = ident(&param.name);
        let binding = match path_names.contains(&first) {
            true => {
                let again = format_ident!("{}_again_{}", first, repeats.len());
                repeats.push((first, again.clone(), param.name.clone()));
                again
            }
            false => first,
        };
        path_names.push(binding);
        path_types.push(param_type(param));
    }
    // A check that fails answers its error at once, before the trait is called.
    let reject = quote!(return #rt::__private::axum::response::IntoResponse::into_response(error););
    let repeat_checks = repeats.iter().map(|(first, again, name)| {
        let message = format!("the path names `{name}` twice, with two values");
        quote! {
            if #first != #again {
                let error = #rt::ApiError::bad_request(#message).at(#name);
                #reject
            }
        }
    });
    let path_extractor = match path_names.len() {
        0 => None,
        1 => {
            let (n, t) = (&path_names[0], &path_types[0]);
            Some(quote!(#rt::ApiPath(#n): #rt::ApiPath<#t>,))
        }
        _ => Some(quote!(#rt::ApiPath((#(#path_names),*)): #rt::ApiPath<(#(#path_types),*)>,)),
    };
    let query_extractor = {
        let q = query_struct_name(op);
        match op.header_params.is_empty() {
            true => quote!(#rt::ApiQuery(query): #rt::ApiQuery<#q>,),
            false => quote!(#rt::ApiQuery(mut query): #rt::ApiQuery<#q>,),
        }
    };
    // Each header parameter into its field of the query struct; a missing required one or
    // one that does not parse answers 400 naming it, before the trait is called.
    let header_reads = op.header_params.iter().map(|p| {
        let field = ident(&p.name);
        let ty = param_type(p);
        let name = &p.name;
        let required = p.required;
        let read = match (p.many, p.required) {
            (true, _) => quote!(#rt::__private::params::list::<#ty>(&request, #name, #required)),
            (false, true) => quote!(#rt::__private::params::required::<#ty>(&request, #name)),
            (false, false) => quote!(#rt::__private::params::optional::<#ty>(&request, #name)),
        };
        quote! {
            query.#field = match #read {
                ::std::result::Result::Ok(value) => value,
                ::std::result::Result::Err(error) => {
                    #reject
                }
            };
        }
    });
    let body_extractor = op.request_body.as_ref().map(|b| {
        let b = format_ident!("{}", b);
        match op.request_shape {
            JsonShape::Object => quote!(#rt::ApiJson(body): #rt::ApiJson<#types::#b>,),
            JsonShape::Array | JsonShape::Other => {
                quote!(#rt::ApiJsonValue(body): #rt::ApiJsonValue<#types::#b>,)
            }
        }
    });
    let body_extractor = body_extractor.or_else(|| {
        op.request_bytes
            .as_ref()
            .map(|_| quote!(#rt::ApiBytes(body): #rt::ApiBytes,))
    });
    let body_extractor = body_extractor.or_else(|| {
        op.request_form
            .as_ref()
            .map(|_| quote!(form: #rt::ApiMultipart,))
    });
    // An empty body of bytes where the spec requires one is refused.
    let body_check = (op.request_bytes.is_some() && op.request_required).then(|| {
        quote! {
            if let ::std::result::Result::Err(error) = #rt::__private::params::required_body(&request, &body) {
                #reject
            }
        }
    });
    // A parameter whose schema is an `enum` holds one of its values (the trait receives text).
    let enum_checks = op
        .path_params
        .iter()
        .chain(&op.query_params)
        .chain(&op.header_params)
        .filter(|p| !p.values.is_empty() && p.ty == ScalarType::String)
        .map(|p| {
            let (field, name, values) = (ident(&p.name), &p.name, &p.values);
            let is_path = op.path_params.iter().any(|q| q.name == p.name);
            let values_of = match (is_path, p.many, p.required) {
                (true, _, _) => quote!(::std::iter::once(#field.as_str())),
                (false, true, _) => quote!(query.#field.iter().map(::std::string::String::as_str)),
                (false, false, true) => quote!(::std::iter::once(query.#field.as_str())),
                (false, false, false) => quote!(query.#field.as_deref().into_iter()),
            };
            quote! {
                for value in #values_of {
                    if let ::std::result::Result::Err(error) =
                        #rt::__private::params::one_of(#name, value, &[#(#values),*])
                    {
                        #reject
                    }
                }
            }
        });
    // A form lacking a part the spec requires is refused naming it, before the trait is called.
    let form_check = op.request_form.as_ref().map(|parts| {
        let required = parts.iter().filter(|p| p.required).map(|p| p.name.as_str());
        quote! {
            let body = match form.require(&[#(#required),*]) {
                ::std::result::Result::Ok(body) => body,
                ::std::result::Result::Err(error) => {
                    #reject
                }
            };
        }
    });
    let call_args = arguments(op, types, rt).into_iter().map(|(n, _)| n);
    let wrap = match &op.success {
        SuccessModel::Json(_) => quote!(.map(#rt::__private::axum::Json)),
        SuccessModel::Binary(_) | SuccessModel::Empty => quote!(),
    };
    // The first declared success is the status of a success (a 201, a 202), unless the
    // method picks another one the operation declares.
    let respond = match op.success_statuses.first().copied().unwrap_or(200) {
        200 => quote!(#rt::__private::respond(#id, answer #wrap, answer_headers)),
        status => quote! {
            #rt::__private::respond_as(
                #id,
                answer #wrap,
                answer_headers,
                #rt::__private::axum::http::StatusCode::from_u16(#status)
                    .unwrap_or(#rt::__private::axum::http::StatusCode::OK),
            )
        },
    };
    // Without a body, nothing reads the request after its parameters: the context takes its
    // headers and extensions out of it, last, instead of copying them first (the credentials
    // are still checked first, so a request without them answers 401 before anything else).
    let (context_first, context_last, context) = match body_extractor {
        Some(_) => (quote!(request: #rt::RequestContext,), None, None),
        None => (
            quote!(credentials: #rt::__private::Authenticated,),
            Some(quote!(rest: #rt::__private::RequestRest,)),
            Some(quote!(let request = rest.with(credentials);)),
        ),
    };
    quote! {
        async fn #name<A: #trait_name>(
            #rt::__private::axum::extract::State(api): #rt::__private::axum::extract::State<::std::sync::Arc<A>>,
            #context_first
            #path_extractor
            #query_extractor
            #body_extractor
            #context_last
        ) -> #rt::__private::axum::response::Response {
            #context
            #(#repeat_checks)*
            #(#header_reads)*
            #(#enum_checks)*
            #body_check
            #form_check
            let answer_headers = #rt::__private::AnswerHeaders::of(&request);
            let answer = api.#method(request, #(#call_args),*).await;
            if let ::std::result::Result::Err(error) = &answer {
                if error.is_not_implemented() && A::IMPLEMENTED.contains(&Operation::#constant) {
                    #rt::__private::tracing::error!(
                        operation = #id,
                        "declared in IMPLEMENTED but answered by the trait's default (501)"
                    );
                }
            }
            #respond
        }
    }
}

/// The server module's source: trait, query structs, router.
pub fn server_tokens(model: &ApiModel, paths: &Paths) -> TokenStream {
    let (types, rt, validate) = (&paths.types, &paths.server_runtime, &paths.validate);
    let trait_name = &paths.server_trait;
    let trait_doc = doc_lines(&format!(
        "The {} (version {}), one method per operation.\n\n\
         One trait serves every resource group ({}), so that an implementation keeps one state \
         across them. Every method has a default that answers 501 in the envelope: implement \
         the operations you serve (an operation added in a later release then needs no change \
         here); list them in `IMPLEMENTED`, and [`unimplemented_operations`] names the rest. Each method \
         receives the request as a [`RequestContext`](crate::RequestContext) (its \
         [`Credentials`](crate::Credentials), headers, peer and extensions, and the headers to \
         answer with), \
         its path parameters as their spec types, its query parameters as one struct and its \
         body as the shared type from `types`, already checked against the spec's rules; it \
         returns the success type or an [`ApiError`](crate::ApiError), which answers in \
         Cloudflare's v4 error envelope.",
        model.title,
        model.version,
        model
            .tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let methods = model
        .operations
        .iter()
        .map(|op| trait_method(op, types, rt));
    let completeness = completeness_check(model, paths);
    let queries = model
        .operations
        .iter()
        .map(|op| query_struct(op, validate, rt));
    let handlers = model.operations.iter().map(|op| handler(op, paths));

    // One `.route(path, get(..).post(..))` per path, in path order.
    let mut by_path: std::collections::BTreeMap<&str, Vec<&OperationModel>> = Default::default();
    for op in &model.operations {
        by_path.entry(op.path.as_str()).or_default().push(op);
    }
    let routes = by_path.iter().map(|(path, ops)| {
        let mut chain = TokenStream::new();
        for (i, op) in ops.iter().enumerate() {
            let method = format_ident!("{}", op.method.to_ascii_lowercase());
            let handler = format_ident!("handle_{}", op.id);
            // The body limit where a body is read: a request without one pays nothing for it
            // (the limit is an extension the layer writes on every request it sees).
            let handler = match op.sends_body() {
                true => quote! {
                    #rt::__private::axum::handler::Handler::layer(
                        #handler::<A>,
                        #rt::__private::axum::extract::DefaultBodyLimit::max(config.body_limit),
                    )
                },
                false => quote!(#handler::<A>),
            };
            if i == 0 {
                chain.extend(quote!(#rt::__private::axum::routing::#method(#handler)));
            } else {
                chain.extend(quote!(.#method(#handler)));
            }
        }
        quote!(.route(#path, #chain))
    });
    // With no body to read, no handler takes the limit.
    let config_unused =
        (!model.operations.iter().any(OperationModel::sends_body)).then(|| quote!(let _ = config;));
    let route_table = model.operations.iter().map(|op| {
        let (method, path, id) = (&op.method, &op.path, &op.id);
        quote!((#method, #path, #id))
    });
    let lookup_arms = model.operations.iter().map(|op| {
        let (method, path, id) = (&op.method, &op.path, &op.id);
        quote!((#method, #path) => ::std::option::Option::Some(#id),)
    });

    let base_path = model
        .base_url
        .split_once("://")
        .and_then(|(_, rest)| {
            rest.find('/')
                .map(|i| rest[i..].trim_end_matches('/').to_string())
        })
        .filter(|p| !p.is_empty());
    let nesting = match base_path {
        Some(path) => format!(
            " (relative to the base URL: nest it under `{path}` to serve the spec's server URL)"
        ),
        None => String::new(),
    };
    let router_doc = doc_lines(&format!(
        "An `axum::Router` serving every operation at the spec's paths{nesting}, with the \
         default [`RouterConfig`](crate::RouterConfig). Add your own tower layers to it as usual."
    ));
    quote! {
        /// The request and response types, shared with the client crate.
        pub use #types as types;
        pub use #rt::{codes, serve, ApiError, Binary, Credentials, ErrorEnvelope, FormPart, Multipart, RequestContext, Secret, RouterConfig, ServeConfig, MAX_BODY_DEPTH, MAX_HEADER_BYTES, MAX_HEADER_COUNT, MAX_URI_BYTES};
        /// The old name of [`RouterConfig`].
        #[doc(hidden)]
        #[allow(deprecated)]
        pub use #rt::ServerConfig;
        /// axum, re-exported: the router is an `axum::Router` of this version, to nest, layer
        /// and serve without an `axum` dependency of your own.
        pub use ::axum;
        /// The status an [`ApiError`] answers with (`http`'s, as axum uses it).
        pub use ::axum::http::StatusCode;
        /// The type of the API's ids (`uuid`'s), as the trait's methods take them.
        pub use ::uuid::Uuid;

        #trait_doc
        pub trait #trait_name: Send + Sync + 'static {
            /// The operations this implementation serves: the methods it provides, listed so
            /// that [`unimplemented_operations`] can name the rest without calling anything.
            /// The router logs an error when an operation listed here answers with the
            /// trait's default. Default: none.
            const IMPLEMENTED: &'static [Operation] = &[];

            #(#methods)*
        }

        #(#queries)*

        #completeness

        /// The operationId served at a route, for the tracing span of each request.
        fn operation_id(method: &str, route: &str) -> ::std::option::Option<&'static str> {
            match (method, route) {
                #(#lookup_arms)*
                _ => ::std::option::Option::None,
            }
        }

        /// Every operation's route as `(method, path template, operationId)`, the path relative
        /// to the base URL as [`router`] serves it: for a layer that must know the operation
        /// before the router runs (a proxy, a rate limiter, fault injection in an emulator).
        pub const ROUTES: &[(&str, &str, &str)] = &[#(#route_table),*];

        #router_doc
        pub fn router<A: #trait_name>(api: A) -> #rt::__private::axum::Router {
            router_with_config(api, #rt::RouterConfig::default())
        }

        /// [`router`] with explicit settings, such as the request body limit.
        pub fn router_with_config<A: #trait_name>(
            api: A,
            config: #rt::RouterConfig,
        ) -> #rt::__private::axum::Router {
            #config_unused
            #rt::__private::axum::Router::new()
                #(#routes)*
                .fallback(#rt::__private::not_found)
                .method_not_allowed_fallback(#rt::__private::method_not_allowed)
                // One `layer` call: axum wraps every route once per call, and each wrap costs
                // a boxed clone of the route on every request. (The body limit is on the
                // handlers that read a body.)
                .layer(#rt::__private::RequestSpanLayer::new(operation_id))
                .with_state(::std::sync::Arc::new(api))
        }

        #(#handlers)*
    }
}

/// The pass: the server crate's source, from the model.
pub fn apply(
    generated: &mut crate::passes::Generated,
    model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    generated.server =
        syn::parse2(server_tokens(model, paths)).map_err(|e| EmitError::Server(e.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ParamModel;

    /// A query or header parameter Cloudflare did not describe is a documented field all the
    /// same (the server crate denies missing docs).
    #[test]
    fn an_undescribed_parameter_is_a_documented_field() {
        let mut op = OperationModel::for_test("get_thing", "/things", Vec::new());
        op.query_params = vec![ParamModel {
            required: false,
            ..ParamModel::for_test("old_filter", ScalarType::String)
        }];
        op.header_params = vec![ParamModel::for_test("Upload-Length", ScalarType::String)];
        let text = query_struct(&op, &quote!(::v), &quote!(::rt)).to_string();
        assert!(
            text.contains(r#"# [doc = " The query parameter `old_filter`."] pub old_filter"#),
            "{text}"
        );
        assert!(
            text.contains(r#"# [doc = " The header `Upload-Length`."]"#),
            "{text}"
        );
    }
}
