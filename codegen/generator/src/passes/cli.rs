//! The command-line tool's command table and dispatch, from the spec: one subcommand per tag
//! (`cnis`, `interconnects` …) and per operation (`list`, `get`, `loa` …), flags from the
//! parameters and the body's fields with the spec's descriptions as help, and a `match` that
//! sends each call through the typed client. Everything else (clap, credentials, output,
//! waiting, exit codes) is the hand-written `cloudflare-cni-cli-runtime`.
//!
//! progenitor has a CLI generator of its own; it is not used because its commands are flat
//! operationIds, and its code calls progenitor's `send()`, whose error type this client
//! replaces with `CniError`.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::error::EmitError;
use crate::model::{ApiModel, OperationModel, ParamModel, ScalarType, SuccessModel};
use crate::paths::Paths;

/// The path parameter the global `--account` (or `CLOUDFLARE_ACCOUNT_ID`) sets.
const ACCOUNT_PARAMETER: &str = "account_id";
/// Whether `param` is the account the global `--account` sets: `account_id`, a string (one
/// of another type, an integer in some of Cloudflare's products, is a flag of its own).
fn is_account(param: &ParamModel) -> bool {
    param.name == ACCOUNT_PARAMETER && param.ty == ScalarType::String
}

/// The body property that repeats the path's account: filled from `--account` too.
const ACCOUNT_BODY_FIELD: &str = "/account";

fn first_sentence(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    line.to_string()
}

fn value_type(ty: &ScalarType) -> TokenStream {
    match ty {
        ScalarType::String => quote!(rt::ValueType::String),
        ScalarType::Uuid => quote!(rt::ValueType::Uuid),
        ScalarType::Integer { .. } => quote!(rt::ValueType::Integer),
        ScalarType::Number => quote!(rt::ValueType::Number),
        ScalarType::Boolean => quote!(rt::ValueType::Boolean),
    }
}

fn rust_type(ty: &ScalarType) -> TokenStream {
    match ty {
        ScalarType::String => quote!(::std::string::String),
        ScalarType::Uuid => quote!(::uuid::Uuid),
        ScalarType::Integer { .. } => quote!(i64),
        ScalarType::Number => quote!(f64),
        ScalarType::Boolean => quote!(bool),
    }
}

/// The property of a status union that names its state, if the answer is one.
fn status_property(model: &ApiModel, op: &OperationModel) -> Option<String> {
    let SuccessModel::Json(name) = &op.success else {
        return None;
    };
    let union = model.schemas.get(name)?.union.as_ref()?;
    ["state", "status"]
        .contains(&union.property.as_str())
        .then(|| union.property.clone())
}

/// Where a parameter goes: the path (a positional argument), the query or a header (flags).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ArgPlace {
    Path,
    Query,
    Header,
}

fn arg_entry(param: &ParamModel, place: ArgPlace) -> TokenStream {
    let positional = place == ArgPlace::Path;
    let header = place == ArgPlace::Header;
    let name = &param.name;
    let help = match &param.deprecated {
        Some(note) => format!(
            "[deprecated: {note}] {}",
            first_sentence(&param.description)
        ),
        None => first_sentence(&param.description),
    };
    let value = value_type(&param.ty);
    let required = param.required;
    let values = &param.values;
    let many = param.many;
    let joined = param.joined;
    quote! {
        rt::Arg { name: #name, help: #help, value: #value, values: &[#(#values),*], required: #required, positional: #positional, many: #many, header: #header, joined: #joined }
    }
}

/// One operation's subcommand in the command table: help, arguments, body flags, answer.
fn operation_entry(model: &ApiModel, op: &OperationModel, verb: &str) -> TokenStream {
    let description = op.description.as_str();
    let about = if op.summary.is_empty() {
        first_sentence(description)
    } else {
        op.summary.clone()
    };
    // A deprecated operation says so first, in the list of commands and in its own help.
    let about = match &op.deprecated {
        Some(note) => format!("[deprecated] {about} ({note})"),
        None => about,
    };
    let long_about = format!(
        "{}\n\n{}\n\nSends {} {}{}.",
        about,
        description.trim(),
        op.method,
        op.path,
        if op.path_params.iter().any(is_account) {
            " (the account from --account or CLOUDFLARE_ACCOUNT_ID)"
        } else {
            ""
        }
    )
    .replace("\n\n\n\n", "\n\n");
    let args = op
        .path_params
        .iter()
        .filter(|p| !is_account(p))
        .map(|p| arg_entry(p, ArgPlace::Path))
        .chain(
            op.query_params
                .iter()
                .map(|p| arg_entry(p, ArgPlace::Query)),
        )
        .chain(
            op.header_params
                .iter()
                .map(|p| arg_entry(p, ArgPlace::Header)),
        );
    let answer = match (&op.success, &op.paginated_item, status_property(model, op)) {
        (_, _, Some(property)) if op.method == "GET" => {
            quote!(rt::AnswerKind::Status { property: #property })
        }
        (SuccessModel::Json(_), Some(_), _) => quote!(rt::AnswerKind::Listing),
        (SuccessModel::Json(_), None, _) => quote!(rt::AnswerKind::Json),
        (SuccessModel::Binary(_), _, _) => quote!(rt::AnswerKind::Binary),
        (SuccessModel::Empty, _, _) => quote!(rt::AnswerKind::Empty),
    };
    let body = match &op.request_body {
        Some(schema) => {
            let account_field = op
                .request_fields
                .iter()
                .any(|f| f.pointer == ACCOUNT_BODY_FIELD);
            let account_pointer = match account_field {
                true => quote!(::std::option::Option::Some(#ACCOUNT_BODY_FIELD)),
                false => quote!(::std::option::Option::None),
            };
            let fields = op.request_fields.iter().filter(|f| f.pointer != ACCOUNT_BODY_FIELD).map(|f| {
                let flag = f.pointer.trim_start_matches('/').replace(['/', '_'], "-");
                let (pointer, many) = (&f.pointer, f.many);
                let help = first_sentence(&f.description);
                let value = value_type(&f.ty);
                let values = &f.values;
                quote!(rt::BodyField { flag: #flag, pointer: #pointer, help: #help, value: #value, values: &[#(#values),*], many: #many })
            });
            quote!(::std::option::Option::Some(rt::Body { schema: #schema, media_type: "application/json", account: #account_pointer, fields: &[#(#fields),*] }))
        }
        None if op.request_form.is_some() => {
            quote!(::std::option::Option::Some(rt::Body {
                schema: "form",
                media_type: "multipart/form-data",
                account: ::std::option::Option::None,
                fields: &[]
            }))
        }
        None => match &op.request_bytes {
            Some(media_type) => {
                quote!(::std::option::Option::Some(rt::Body { schema: "bytes", media_type: #media_type, account: ::std::option::Option::None, fields: &[] }))
            }
            None => quote!(::std::option::Option::None),
        },
    };
    let id = &op.id;
    let (method, path) = (&op.method, &op.path);
    quote! {
        rt::Operation {
            verb: #verb,
            operation_id: #id,
            method: #method,
            path: #path,
            about: #about,
            long_about: #long_about,
            args: &[#(#args),*],
            body: #body,
            answer: #answer,
        }
    }
}

/// The command table and dispatch of the tool, as tokens for `src/generated.rs`.
pub fn cli_tokens(model: &ApiModel, paths: &Paths) -> TokenStream {
    let (cli_runtime, client, binary) = (&paths.cli_runtime, &paths.client, &paths.binary);
    let mut groups = Vec::new();
    let mut arms = Vec::new();
    let mut runs = Vec::new();
    for tag in &model.tags {
        let group = crate::naming::group_name(&tag.name);
        let operations: Vec<&OperationModel> = model
            .operations
            .iter()
            .filter(|op| op.tag == tag.name)
            .collect();
        if operations.is_empty() {
            continue;
        }
        let mut verbs = BTreeSet::new();
        let mut entries = Vec::new();
        for op in operations {
            let mut verb = crate::naming::verb(&op.id, &group);
            if !verbs.insert(verb.clone()) {
                // Two operations would share a subcommand: the later one keeps its whole id.
                verb = op.id.replace('_', "-");
                verbs.insert(verb.clone());
            }
            entries.push(operation_entry(model, op, &verb));
            let run = format_ident!("run_{}", op.id);
            let id = &op.id;
            arms.push(quote!(#id => ::std::boxed::Box::pin(#run(client, call)),));
            runs.push(operation_run(model, op));
        }
        let about = if tag.description.is_empty() {
            tag.name.clone()
        } else {
            first_sentence(&tag.description)
        };
        groups.push(quote! {
            rt::Group { name: #group, about: #about, operations: &[#(#entries),*] }
        });
    }
    let about = format!(
        "A command-line tool for the {} (version {})",
        model.title, model.version
    );
    quote! {
        use #cli_runtime as rt;
        use #client::{types, Client};

        /// The tool: its command tree (one group per tag of the spec, one subcommand per
        /// operation) and how each call reaches the client.
        pub static APP: rt::App = rt::App {
            name: #binary,
            version: env!("CARGO_PKG_VERSION"),
            about: #about,
            groups: &[#(#groups),*],
            dispatch,
        };

        /// Each operation's call is a function of its own, boxed here: one `match` over
        /// futures, not one future holding every operation's (the whole document's tool did
        /// not type-check in 21 GB that way).
        fn dispatch<'a>(
            client: &'a Client,
            call: &'a rt::Call,
        ) -> ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = ::std::result::Result<rt::Answer<'a>, rt::CliError>> + 'a>> {
            match call.operation_id() {
                #(#arms)*
                other => {
                    let other = other.to_string();
                    ::std::boxed::Box::pin(async move {
                        ::std::result::Result::Err(rt::CliError::other(format!("no operation {other}")))
                    })
                }
            }
        }

        #(#runs)*
    }
}

/// A string parameter whose client type is not text (`date-time`, `date`: chrono's): the
/// flag's text goes to the setter as `rt::TextArg`, which that type parses.
fn parsed_by_client(param: &ParamModel) -> bool {
    matches!(param.ty, ScalarType::String)
        && matches!(param.format.as_deref(), Some("date-time" | "date"))
}

/// One operation's `run_<id>`: its flags set on the client's request builder, then the call.
fn operation_run(model: &ApiModel, op: &OperationModel) -> TokenStream {
    let id = &op.id;
    let method = format_ident!("{}", op.id);
    let mut setters = Vec::new();
    for param in &op.path_params {
        let setter = format_ident!("{}", crate::naming::progenitor_field_name(&param.name));
        let name = &param.name;
        let ty = rust_type(&param.ty);
        setters.push(if is_account(param) {
            quote!(let builder = builder.#setter(call.account()?);)
        } else if parsed_by_client(param) {
            quote!(let builder = builder.#setter(call.required_text(#name)?);)
        } else {
            quote!(let builder = builder.#setter(call.required::<#ty>(#name)?);)
        });
    }
    for param in op.query_params.iter().chain(&op.header_params) {
        let setter = format_ident!("{}", crate::naming::progenitor_field_name(&param.name));
        let name = &param.name;
        let ty = rust_type(&param.ty);
        if param.many {
            // The flag repeated: its values, as text, convert into the client's list of
            // whatever item type it holds (an enum's, a number's).
            setters.push(quote! {
                let builder = match call.list(#name)? {
                    ::std::option::Option::Some(values) => builder.#setter(values),
                    ::std::option::Option::None => builder,
                };
            });
            continue;
        }
        if parsed_by_client(param) {
            setters.push(quote! {
                let builder = match call.text(#name)? {
                    ::std::option::Option::Some(value) => builder.#setter(value),
                    ::std::option::Option::None => builder,
                };
            });
            continue;
        }
        setters.push(quote! {
            let builder = match call.optional::<#ty>(#name)? {
                ::std::option::Option::Some(value) => builder.#setter(value),
                ::std::option::Option::None => builder,
            };
        });
    }
    if op.request_bytes.is_some() {
        setters.push(quote!(let builder = builder.body(call.raw_body()?);));
    }
    if op.request_form.is_some() {
        setters.push(quote!(let builder = builder.body(call.form()?);));
    }
    if let Some(body) = &op.request_body {
        let body = format_ident!("{}", body);
        setters.push(quote!(let builder = builder.body(call.body::<types::#body>()?);));
    }
    let send_json = quote!(rt::Answer::json(builder.send().await?.into_inner()));
    let answer = match (&op.success, &op.paginated_item, status_property(model, op)) {
        (_, _, Some(property)) if op.method == "GET" => quote! {
            match call.wait() {
                ::std::option::Option::Some(wait) => rt::Answer::json(
                    builder.wait_until(|value| call.reached(value, #property), wait).await?,
                ),
                ::std::option::Option::None => #send_json,
            }
        },
        (SuccessModel::Json(_), Some(_), _) => quote! {
            if call.jsonl() {
                ::std::result::Result::Ok(rt::Answer::items(builder.stream()))
            } else {
                #send_json
            }
        },
        (SuccessModel::Json(_), None, _) => send_json,
        (SuccessModel::Binary(_), _, _) => quote! {
            match call.output_path() {
                ::std::option::Option::Some(path) => {
                    let bytes = builder.save_to(path).await?;
                    ::std::result::Result::Ok(rt::Answer::Saved { path: path.to_path_buf(), bytes })
                }
                ::std::option::Option::None => {
                    ::std::result::Result::Ok(rt::Answer::Bytes(builder.send().await?.into_inner()))
                }
            }
        },
        (SuccessModel::Empty, _, _) => quote! {
            builder.send().await?;
            ::std::result::Result::Ok(rt::Answer::Empty)
        },
    };
    let run = format_ident!("run_{}", op.id);
    quote! {
        #[doc = concat!("`", #id, "`: its flags into the client's request, and the answer.")]
        async fn #run<'a>(
            client: &'a Client,
            call: &'a rt::Call,
        ) -> ::std::result::Result<rt::Answer<'a>, rt::CliError> {
            let builder = client.#method();
            #(#setters)*
            #answer
        }
    }
}

/// The pass: the command-line tool's source, from the model.
pub fn apply(
    generated: &mut crate::passes::Generated,
    model: &ApiModel,
    paths: &Paths,
) -> Result<(), EmitError> {
    generated.cli = syn::parse2(cli_tokens(model, paths))
        .map_err(|e| EmitError::Output(format!("the command-line tool: {e}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ApiModel, OperationModel, ParamModel, ScalarType};

    /// Workers AI's `account_id` is an integer: the global `--account` (text) cannot set it,
    /// so it is a flag of its own, parsed as one (the whole document's CLI did not compile).
    #[test]
    fn an_account_that_is_not_text_is_a_flag_of_its_own() {
        let integer = ScalarType::Integer {
            format: None,
            minimum: None,
        };
        let op = OperationModel::for_test(
            "list_models",
            "/accounts/{account_id}/models",
            vec![ParamModel::for_test("account_id", integer)],
        );
        let model = ApiModel::for_test(vec![op.clone()]);
        let arm = operation_run(&model, &op);
        assert!(crate::syntax::has_tokens(
            &arm,
            "builder.account_id(call.required::<i64>(\"account_id\")?)"
        ));
        let entry = operation_entry(&model, &op, "list");
        assert!(crate::syntax::has_tokens(&entry, "name: \"account_id\""));

        let text = OperationModel::for_test(
            "list_things",
            "/accounts/{account_id}/things",
            vec![ParamModel::for_test("account_id", ScalarType::String)],
        );
        let arm = operation_run(&model, &text);
        assert!(crate::syntax::has_tokens(
            &arm,
            "builder.account_id(call.account()?)"
        ));
    }

    /// A header parameter is a flag of the operation, sent by the client's setter for it
    /// (Cloudflare's Stream uploads take `Upload-Length`).
    #[test]
    fn a_header_parameter_is_a_flag_set_on_the_request() {
        let mut op = OperationModel::for_test("start_upload", "/uploads", vec![]);
        let integer = ScalarType::Integer {
            format: None,
            minimum: Some(0),
        };
        op.header_params = vec![ParamModel::for_test("Upload-Length", integer)];
        let model = ApiModel::for_test(vec![op.clone()]);
        let entry = operation_entry(&model, &op, "start");
        assert!(crate::syntax::has_tokens(&entry, "name: \"Upload-Length\""));
        assert!(crate::syntax::has_tokens(&entry, "header: true"));
        let run = operation_run(&model, &op);
        assert!(crate::syntax::has_tokens(
            &run,
            "call.optional::<i64>(\"Upload-Length\")"
        ));
        assert!(crate::syntax::has_tokens(
            &run,
            "builder.upload_length(value)"
        ));
    }
}
