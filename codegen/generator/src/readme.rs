//! The generated crates' READMEs (also their crate docs). Every example in them is written
//! from the model, so it names this spec's operations and types and compiles as a doctest for
//! any spec.

use std::fmt::Write as _;

use crate::config::Config;
use crate::model::{ApiModel, OperationModel, ScalarType, SuccessModel};
use crate::passes::Generated;
use crate::syntax;

/// Each generated crate's README.
pub struct Readmes {
    pub types: String,
    pub client: String,
    pub server: String,
    pub cli: String,
}

/// Every README, from the model (and the types, whose Rust names the types crate's example
/// uses).
pub fn all(model: &ApiModel, config: &Config, generated: &Generated) -> Readmes {
    Readmes {
        types: types(model, config, &generated.types),
        client: client(model, config, &generated.types),
        server: server(model, config),
        cli: cli(model, config),
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().replace('|', "\\|")
}

/// A parameter's Rust type in the server trait's signature.
fn server_param_type(ty: &ScalarType) -> &'static str {
    match ty {
        ScalarType::String => "String",
        ScalarType::Uuid => "Uuid",
        ScalarType::Integer { .. } => "i64",
        ScalarType::Number => "f64",
        ScalarType::Boolean => "bool",
    }
}

fn server(model: &ApiModel, config: &Config) -> String {
    let lib = config.server.lib_name();
    let trait_name = &config.server_trait;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", config.server.package);
    let _ = writeln!(
        out,
        "A server for the {} (version {}): implement the `{trait_name}` trait, one method per \
         operation, and serve `router(api)`. Requests and responses use the same types as the \
         client crate `{}` (from `{}`, re-exported as `types`). The router extracts the \
         credentials (401 without them), parses path and query parameters, decodes and \
         validates JSON bodies against the spec's rules, and answers every rejection, and every \
         `ApiError`, in Cloudflare's v4 error envelope.\n",
        model.title, model.version, config.client.package, config.types.package
    );
    let _ = writeln!(
        out,
        "A minimal implementation, served on `CNI_LISTEN` (127.0.0.1:8787 if unset) until \
         Ctrl-C. Every method has a default that answers 501 in the envelope, so an \
         implementation provides the operations it serves (here one, answering 404 with the \
         request's `x-request-id`), lists them \
         in `IMPLEMENTED`, and keeps compiling when a release adds operations; \
         `unimplemented_operations::<Nothing>()` names the rest:\n"
    );
    let _ = writeln!(out, "```rust");
    let _ = writeln!(out, "use {lib}::{{types, *}};");
    let _ = writeln!(out, "struct Nothing;");
    let _ = writeln!(out, "impl {trait_name} for Nothing {{");
    let shown = model
        .operations
        .iter()
        .find(|op| op.method == "GET" && matches!(op.success, SuccessModel::Json(_)))
        .or_else(|| model.operations.first());
    if let Some(op) = shown {
        let mut args = String::from("request: RequestContext");
        for param in &op.path_params {
            let _ = write!(args, ", _: {}", server_param_type(&param.ty));
        }
        let _ = write!(args, ", _: {}Query", crate::naming::camel_case(&op.id));
        if let Some(body) = &op.request_body {
            let _ = write!(args, ", _: types::{body}");
        }
        let returns = match &op.success {
            SuccessModel::Json(name) => format!("types::{name}"),
            SuccessModel::Binary(_) => "Binary".to_string(),
            SuccessModel::Empty => "()".to_string(),
        };
        let _ = writeln!(
            out,
            "    const IMPLEMENTED: &'static [Operation] = &[Operation::{}];",
            crate::naming::operation_constant(&op.id)
        );
        let _ = writeln!(
            out,
            "    async fn {}(&self, {args}) -> Result<{returns}, ApiError> {{\n        \
             // The request's headers, and headers on the answer, success or error.\n        \
             if let Some(id) = request.header(\"x-request-id\").and_then(|id| id.parse().ok()) {{\n            \
             request.set_answer_header(axum::http::HeaderName::from_static(\"x-request-id\"), id);\n        \
             }}\n        \
             Err(ApiError::not_found(\"no such object\"))\n    }}",
            op.id
        );
    }
    let _ = writeln!(out, "}}");
    out.push_str(
        &r#"#[tokio::main]
async fn main() -> std::io::Result<()> {
#   if std::env::var_os("{RUN_EXAMPLES}").is_none() { return Ok(()); }
    let address = std::env::var("CNI_LISTEN").unwrap_or_else(|_| "127.0.0.1:8787".to_string());
    let listener = tokio::net::TcpListener::bind(address).await?;
#   if let Some(file) = std::env::var_os("CNI_README_SERVER_FILE") {
#       std::fs::write(file, format!("{} {}\n", listener.local_addr()?, std::process::id()))?;
#   }
    let stop = async { let _ = tokio::signal::ctrl_c().await; };
    serve(listener, router(Nothing), ServeConfig::default(), stop).await
}
```

[`serve`] is `axum::serve` with what a server reachable by others needs: a header-read timeout
(which also closes idle connections), a per-request timeout that answers 408 in the envelope,
and a graceful shutdown that lets open requests finish for a bounded grace period. Rejections
sent before a body was read (413, 415) close the connection. Check credentials with
[`Secret::matches`] or `==`, which both run in constant time.
"#
        .replace("{RUN_EXAMPLES}", RUN_EXAMPLES),
    );
    let _ = writeln!(
        out,
        "\n## Operations\n\n| Method | Request | Returns |\n| --- | --- | --- |"
    );
    for op in &model.operations {
        let returns = match &op.success {
            SuccessModel::Json(name) => format!("`types::{name}`"),
            SuccessModel::Binary(media_type) => format!("`Binary` ({media_type})"),
            SuccessModel::Empty => "`()`".to_string(),
        };
        let _ = writeln!(
            out,
            "| `{}` | `{} {}` | {} |",
            op.id, op.method, op.path, returns
        );
    }
    out
}

/// The types crate's example: decoding keeps what this version does not know, matching needs a
/// `_` arm, and values are built with builders. Written from the generated types themselves
/// (their Rust names), so it compiles for any spec.
fn types_example(lib: &str, file: &syn::File) -> String {
    let enums: Vec<&syn::ItemEnum> = file
        .items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Enum(e) => Some(e),
            _ => None,
        })
        .collect();
    let payload = |v: &syn::Variant| match &v.fields {
        syn::Fields::Unnamed(f) => f.unnamed.first().map(|f| f.ty.clone()),
        _ => None,
    };
    let mut lines = vec![format!("use {lib} as types;")];
    // A union: its first member, and a kind this version does not know.
    if let Some(union) = enums.iter().find(|e| {
        e.variants.iter().any(|v| {
            v.ident == "Unknown"
                && payload(v).is_some_and(|ty| syntax::is_path(&ty, &["UnknownVariant"]))
        })
    }) {
        let name = &union.ident;
        if let Some(first) = union.variants.first() {
            let member = &first.ident;
            let pattern = if payload(first).is_some() { "(_)" } else { "" };
            lines.push(format!(
                "\n// A kind added to the API after this crate was made decodes as `Unknown`, whole.\nfn describe(value: &types::{name}) -> String {{\n    match value {{\n        types::{name}::{member}{pattern} => \"{member}\".to_string(),\n        types::{name}::Unknown(other) => format!(\"a kind this version does not know: {{}}\", other.tag()),\n        // The enum is `#[non_exhaustive]`: later releases add kinds.\n        _ => \"another kind\".to_string(),\n    }}\n}}"
            ));
        }
    }
    // A string enum: values it does not know are kept.
    if let Some(string_enum) = enums.iter().find(|e| {
        e.variants.iter().any(|v| {
            v.ident == "Unknown"
                && payload(v).is_some_and(|ty| syntax::is_path(&ty, &["std", "string", "String"]))
        })
    }) {
        let name = &string_enum.ident;
        lines.push(format!(
            "\n// A value this version does not know is kept, and sent back unchanged.\nlet value: types::{name} = \"a-later-value\".into();\nassert!(!value.is_known());\nassert_eq!(value.to_string(), \"a-later-value\");"
        ));
    }
    // A struct built with its builder (the structs are `#[non_exhaustive]`).
    let buildable = file.items.iter().find_map(|i| match i {
        syn::Item::Struct(s) => match &s.fields {
            syn::Fields::Named(fields)
                if !fields.named.is_empty()
                    && fields.named.iter().all(|f| {
                        let ty = &f.ty;
                        quote::quote!(#ty)
                            .to_string()
                            .replace(' ', "")
                            .starts_with("::std::option::Option")
                    }) =>
            {
                Some(s)
            }
            _ => None,
        },
        _ => None,
    });
    if let Some(s) = buildable {
        let name = &s.ident;
        lines.push(format!(
            "\n// Every struct is built with its builder; `try_into()` fails if a required field is unset.\nlet built: types::{name} = types::{name}::builder().try_into().expect(\"nothing required\");\nlet _ = built;"
        ));
    }
    format!("```rust\n{}\n```\n\n", lines.join("\n"))
}

fn types(model: &ApiModel, config: &Config, source: &syn::File) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", config.types.package);
    let _ = writeln!(
        out,
        "Request and response types of the {} (version {}), generated from its OpenAPI \
         description. The client crate `{}` uses these same types, so a value the client sends \
         is the value a server built on them receives.\n",
        model.title, model.version, config.client.package
    );
    let _ = writeln!(
        out,
        "The types are built for the API's growth. Structs and enums are `#[non_exhaustive]`: \
         a field, value or member added in a later release is a minor release, so build \
         structs with their builders and give every `match` a `_` arm. A string enum keeps a \
         value it does not know (`Unknown(String)`); a tagged union keeps a kind it does not \
         know (`Unknown(UnknownVariant)`, with its tag and fields); the objects responses \
         carry keep fields they do not know (`extra`). So an older client decodes a newer \
         API's answers, and a value read, changed and sent back loses nothing. Validation \
         refuses an `Unknown` in a request (code `unknown_value`).\n"
    );
    out.push_str(&types_example(&config.types.lib_name(), source));
    let _ = writeln!(out, "| Type | What it is |\n| --- | --- |");
    for schema in model.schemas.values() {
        let _ = writeln!(
            out,
            "| `{}` | {} |",
            schema.name,
            first_line(&schema.description)
        );
    }
    out
}

/// What the waiting example shows, either version.
const WAITING_PROSE: &str = "Every read that answers JSON can be waited on: `wait_until(condition, &Wait)` sends the request\n\
again, with backoff (1 s doubling up to 30 s by default), until the condition says done, and\n\
returns that answer. The condition returns `true`/`false`, or a [`WaitOutcome`]: `Done`,\n\
`Pending`, or `Failed`, which stops the wait at once (a `Down` status need not be waited out)\n\
with `CniError::WaitFailed`. Running out of time fails with `CniError::WaitTimeout`; both carry\n\
the last answer, typed (`last.get::<T>()`). `Wait::not_found_is_pending(true)` waits through\n\
404s (an object just created). A read whose answer is a status union has a shortcut per\n\
member (`wait_until_healthy(&wait)`). Waits are cancel-safe: drop the future (an outer\n\
`select!` or timeout) and the polling stops. A listing's `stream()` is a [`Paginator`]: it owns\n\
a clone of the client (it can move to a task), reads with `next()` and `try_collect()` (no\n\
other crate needed) or as a `futures` stream, gives whole pages with `pages()`, and after an\n\
error names the page to start again from with `cursor()`. `send_with`\n\
takes per-call options (a timeout per attempt, extra headers). A success carries its status and\n\
headers, and Cloudflare's request id (`cf-ray`) through [`ResponseMetadata`]; every\n\
`CniError::Api` carries the answer's headers and `request_id()`, which its message ends with.";

/// The waiting example's code after its opening, either version: a wait on `wait` (its answer
/// type and call) with `condition`, one `read` with per-call options, and a `failing` call's
/// error and request id.
fn waiting_code(
    (wait_name, wait_call): (&str, &str),
    condition: &str,
    doc: &str,
    (read_name, read_call): (&str, &str),
    failing: &str,
) -> String {
    format!(
        r###"
// Poll {doc}, for at most ten minutes.
let reached: types::{wait_name} = {wait_call}
    .wait_until({condition}, &Wait::default().timeout(Duration::from_secs(600)))
    .await?;

// One call with its own timeout and an extra header; the answer's status and request id.
let options = RequestOptions::new()
    .timeout(Duration::from_secs(5))
    .header(HeaderName::from_static("x-change-ticket"), HeaderValue::from_static("CHG-1234"));
let answer = {read_call}.send_with(&options).await?;
println!("{{}} (cf-ray {{:?}})", answer.status(), answer.request_id());
let _: &types::{read_name} = &answer;

// An error names its request id, for a support ticket.
if let Err(error) = {failing}.send().await {{
    eprintln!("{{error}}; request id: {{:?}}", error.request_id());
}}
# let _ = reached;
# Ok(())
# }}
```
"###
    )
}

/// The variable that makes the runnable examples run: unset, a doctest returns at once (as
/// `no_run` would), so that `cargo test` never calls an API the environment happens to name;
/// tests/e2e's `readme_examples` sets it, with an emulator's address and credentials.
const RUN_EXAMPLES: &str = "CNI_RUN_README_EXAMPLES";

/// A runnable example's opening: `main`, the gate, the imports, and a client and its scope's
/// handle read from the environment, as a program using the client reads them.
fn runnable_opening(imports: &str, scope: &str, handle: &str) -> String {
    format!(
        "```rust\n# #[tokio::main(flavor = \"current_thread\")]\n# async fn main() -> Result<(), Box<dyn std::error::Error>> {{\n# if std::env::var_os(\"{RUN_EXAMPLES}\").is_none() {{ return Ok(()); }}\n{imports}\n// CLOUDFLARE_API_TOKEN (or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY), and CLOUDFLARE_API_BASE_URL\n// when set; the `{handle}` handle fills its id into every path and body.\nlet client = Client::builder().read_env().build()?;\nlet {handle} = client.{handle}(std::env::var(\"CLOUDFLARE_{}\")?);\n",
        scope.to_uppercase()
    )
}

/// `{handle}.op().param(value)…`: the call through the scope's handle, the object parameter
/// bound to `object`, any other required parameter a placeholder.
fn scoped_call(op: &OperationModel, handle: &str, object: &str) -> String {
    let mut call = format!("{handle}.{}()", op.id);
    for param in op.path_params.iter().skip(1).chain(
        op.query_params
            .iter()
            .chain(&op.header_params)
            .filter(|p| p.required),
    ) {
        let setter = crate::naming::progenitor_field_name(&param.name);
        let value = if op.path_params.iter().skip(1).any(|p| p.name == param.name) {
            object.to_string()
        } else {
            crate::examples::param_example(param)
        };
        let _ = write!(call, ".{setter}({value})");
    }
    call
}

/// What the first example does: a listing whose items name objects, one object read back and,
/// where the spec has one, a download of it. The listing with a download under it is preferred.
struct Tour<'a> {
    listed: crate::examples::Listed<'a>,
    read: Option<(&'a OperationModel, &'a str)>,
    download: Option<(&'a OperationModel, &'a str)>,
}

fn tour<'a>(model: &'a ApiModel, types: &syn::File) -> Option<Tour<'a>> {
    // Every read of a listed object, with the listing it is found in.
    let objects: Vec<(crate::examples::Listed<'a>, &'a OperationModel)> = model
        .operations
        .iter()
        .filter(|op| op.request_body.is_none() && op.method == "GET")
        .filter_map(|op| Some((crate::examples::listed(model, types, op)?, op)))
        .collect();
    let tours = objects.iter().map(|(listed, _)| {
        let object_path = format!("{}/{{{}}}", listed.listing.path, listed.param.name);
        let under = objects.iter().filter(|(other, _)| {
            other.listing.id == listed.listing.id && other.param.name == listed.param.name
        });
        let read = under.clone().find_map(|(_, op)| match &op.success {
            SuccessModel::Json(name) if op.path == object_path => Some((*op, name.as_str())),
            _ => None,
        });
        let download = under.clone().find_map(|(_, op)| match &op.success {
            SuccessModel::Binary(media_type) => Some((*op, media_type.as_str())),
            _ => None,
        });
        Tour {
            listed: listed.clone(),
            read,
            download,
        }
    });
    // The first listing with a download under it, else the first with a read.
    tours
        .filter(|t| t.read.is_some() || t.download.is_some())
        .min_by_key(|t| (t.download.is_none(), t.read.is_none()))
}

/// The listing's lines: every item, and the first one's object parameter bound.
fn listing_lines(listed: &crate::examples::Listed<'_>, handle: &str) -> String {
    format!(
        "// Every item of a listing, fetched page by page as the stream is read.\nlet all: Vec<types::{}> = {}.stream().try_collect().await?;\n{}",
        listed.item,
        scoped_call(listed.listing, handle, ""),
        listed.binding
    )
}

/// The client's first example, runnable: a listing streamed, the first item's object fetched
/// and its download saved. Without a listing that names objects, the placeholder version.
fn client_example(model: &ApiModel, lib: &str, types: &syn::File) -> String {
    let Some(tour) = tour(model, types) else {
        return client_example_with_placeholders(model, lib);
    };
    let Some((scope, handle)) = tour.listed.listing.scope() else {
        return client_example_with_placeholders(model, lib);
    };
    let object = crate::naming::progenitor_field_name(&tour.listed.param.name);
    let mut out = runnable_opening(&format!("use {lib}::{{types, Client}};\n"), scope, handle);
    let _ = write!(out, "\n{}\n", listing_lines(&tour.listed, handle));
    if let Some((op, name)) = tour.read {
        let _ = write!(
            out,
            "\n// One object; a failure is one `CniError` (an API error, a timeout...).\nlet one: types::{name} = {}.send().await?.into_inner();\n",
            scoped_call(op, handle, &object)
        );
    }
    if let Some((op, media_type)) = tour.download {
        let extension = media_type.rsplit('/').next().unwrap_or("bin");
        let _ = write!(
            out,
            "\n// A download (`{media_type}`), written to a file atomically.\nlet path = std::env::temp_dir().join(\"download.{extension}\");\n{}.save_to(&path).await?;\n",
            scoped_call(op, handle, &object)
        );
    }
    out.push_str("# Ok(())\n# }\n```\n");
    out
}

/// Waiting for a state, per-call options and response metadata, runnable: on the first read
/// of a listed object whose answer is a status union (else any union, else any answer).
/// Without one, the placeholder version.
fn client_waiting_and_options(model: &ApiModel, lib: &str, types: &syn::File) -> String {
    let mut reads: Vec<(crate::examples::Listed<'_>, &OperationModel, &String)> = model
        .operations
        .iter()
        .filter(|op| op.request_body.is_none() && op.method == "GET" && op.paginated_item.is_none())
        .filter_map(|op| match &op.success {
            SuccessModel::Json(name) => {
                Some((crate::examples::listed(model, types, op)?, op, name))
            }
            _ => None,
        })
        .collect();
    let union_of = |name: &str| model.schemas.get(name).and_then(|s| s.union.as_ref());
    // A status is what one waits for; then any union; then anything.
    reads.sort_by_key(|(_, _, name)| (!name.ends_with("Status"), union_of(name).is_none()));
    let Some((listed, op, name)) = reads.into_iter().next() else {
        return client_waiting_and_options_with_placeholders(model, lib);
    };
    let Some((scope, handle)) = op.scope() else {
        return client_waiting_and_options_with_placeholders(model, lib);
    };
    let (condition, doc) =
        match union_of(name).and_then(|u| Some((u.variants.last()?, &u.property))) {
            Some((variant, property)) => (
                format!(
                    "|answer| matches!(answer, types::{name}::{}(_))",
                    variant.name
                ),
                format!("until its `{property}` is `{}`", variant.tag),
            ),
            None => (
                "|_answer| true".to_string(),
                "until the condition holds".to_string(),
            ),
        };
    let object = crate::naming::progenitor_field_name(&listed.param.name);
    let call = scoped_call(op, handle, &object);
    let missing = match listed.param.ty {
        ScalarType::Uuid => format!("{lib}::Uuid::nil()"),
        _ => format!("\"no-such-{}\"", listed.param.name.replace('_', "-")),
    };
    let missing_call = scoped_call(op, handle, &missing);
    let opening = runnable_opening(
        &format!(
            "use std::time::Duration;\n\nuse {lib}::header::{{HeaderName, HeaderValue}};\nuse {lib}::{{types, Client, RequestOptions, ResponseMetadata, Wait}};\n"
        ),
        scope,
        handle,
    );
    let listing = listing_lines(&listed, handle);
    let code = waiting_code(
        (name, &call),
        &condition,
        &doc,
        (name, &call),
        &missing_call,
    );
    format!(
        r###"
## Waiting, per-call options, response metadata

{WAITING_PROSE}

{opening}
{listing}
{code}"###
    )
}

/// The client's example for a spec with no listing to take objects from: a listing streamed,
/// an object fetched and a download saved, on placeholder values (compiled, not run).
fn client_example_with_placeholders(model: &ApiModel, lib: &str) -> String {
    let only_path_params = |op: &&OperationModel| op.request_body.is_none();
    let mut lines = Vec::new();
    if let Some((op, item)) = model
        .operations
        .iter()
        .filter(only_path_params)
        .find_map(|op| Some((op, op.paginated_item.as_ref()?)))
    {
        lines.push(format!(
            "// Every item of a listing, fetched page by page as the stream is read.\nlet all: Vec<types::{item}> = {}.stream().try_collect().await?;",
            crate::examples::client_call(op)
        ));
    }
    if let Some((op, name)) = model
        .operations
        .iter()
        .filter(only_path_params)
        .filter(|op| op.paginated_item.is_none() && op.method == "GET")
        .find_map(|op| match &op.success {
            SuccessModel::Json(name) => Some((op, name)),
            _ => None,
        })
    {
        lines.push(format!(
            "// One object; a failure is one `CniError` (an API error, a timeout...).\nlet one: types::{name} = {}.send().await?.into_inner();",
            crate::examples::client_call(op)
        ));
    }
    if let Some((op, media_type)) =
        model
            .operations
            .iter()
            .filter(only_path_params)
            .find_map(|op| match &op.success {
                SuccessModel::Binary(media_type) => Some((op, media_type)),
                _ => None,
            })
    {
        let extension = media_type.rsplit('/').next().unwrap_or("bin");
        lines.push(format!(
            "// A download (`{media_type}`), written to a file atomically.\n{}.save_to(\"download.{extension}\").await?;",
            crate::examples::client_call(op)
        ));
    }
    format!(
        "```rust,no_run\n# async fn demo() -> Result<(), {lib}::CniError> {{\nuse {lib}::{{types, Client, Uuid}};\n\nlet client = Client::builder().api_token(\"<API token>\").build().expect(\"a valid client\");\n\n{}\n# Ok(())\n# }}\n```\n",
        lines.join("\n\n"),
    )
}

/// The waiting example for a spec with no listing to take objects from, on placeholder values
/// (compiled, not run).
fn client_waiting_and_options_with_placeholders(model: &ApiModel, lib: &str) -> String {
    let reads: Vec<(&OperationModel, &String)> = model
        .operations
        .iter()
        .filter(|op| op.request_body.is_none() && op.method == "GET" && op.paginated_item.is_none())
        .filter_map(|op| match &op.success {
            SuccessModel::Json(name) => Some((op, name)),
            _ => None,
        })
        .collect();
    let Some((first_op, first_name)) = reads.first().copied() else {
        return String::new();
    };
    // The condition: a status union's last variant, else any union's, else any answer at all.
    let mut by_preference = reads.clone();
    // A status is what one waits for.
    by_preference.sort_by_key(|(_, name)| !name.ends_with("Status"));
    let waited = by_preference.iter().find_map(|(op, name)| {
        let union = model.schemas.get(*name)?.union.as_ref()?;
        let variant = union.variants.last()?;
        Some((
            *op,
            *name,
            variant.tag.clone(),
            variant.name.clone(),
            union.property.clone(),
        ))
    });
    let (wait_op, wait_name, condition, doc) = match &waited {
        Some((op, name, tag, variant, property)) => (
            *op,
            *name,
            format!("|answer| matches!(answer, types::{name}::{variant}(_))"),
            format!("until its `{property}` is `{tag}`"),
        ),
        None => (
            first_op,
            first_name,
            "|_answer| true".to_string(),
            "until the condition holds".to_string(),
        ),
    };
    let wait_call = crate::examples::client_call(wait_op);
    let call = crate::examples::client_call(first_op);
    let code = waiting_code(
        (wait_name, &wait_call),
        &condition,
        &doc,
        (first_name, &call),
        &call,
    );
    format!(
        r###"
## Waiting, per-call options, response metadata

{WAITING_PROSE}

```rust,no_run
# async fn demo() -> Result<(), {lib}::CniError> {{
use std::time::Duration;

use {lib}::header::{{HeaderName, HeaderValue}};
use {lib}::{{types, Client, RequestOptions, ResponseMetadata, Uuid, Wait}};

let client = Client::builder().api_token("<API token>").build().expect("a valid client");
{code}"###
    )
}

/// The `mock` feature: progenitor's httpmock helpers, with a test on the spec's first read
/// that takes only path parameters.
fn client_mocks(model: &ApiModel, lib: &str) -> String {
    let Some((op, name)) = model
        .operations
        .iter()
        .filter(|op| {
            op.request_body.is_none()
                && op.method == "GET"
                && op.query_params.iter().all(|p| !p.required)
        })
        .find_map(|op| match &op.success {
            SuccessModel::Json(name) => Some((op, name)),
            _ => None,
        })
    else {
        return String::new();
    };
    let when: String = op
        .path_params
        .iter()
        .map(|p| {
            let setter = crate::naming::progenitor_field_name(&p.name);
            // The mock's matchers take non-string values by reference.
            match p.ty {
                ScalarType::String => format!(".{setter}({})", mock_string(&p.name)),
                _ => format!(
                    ".{setter}(&{})",
                    crate::examples::example_value(&p.name, &p.ty)
                ),
            }
        })
        .collect();
    // The same values in the call (a plain string: the mock matches the path as sent, where
    // `<` and `>` would be percent-encoded).
    let mut call = format!("client.{}()", op.id);
    for p in &op.path_params {
        let setter = crate::naming::progenitor_field_name(&p.name);
        let value = match p.ty {
            ScalarType::String => mock_string(&p.name),
            _ => crate::examples::example_value(&p.name, &p.ty),
        };
        let _ = write!(call, ".{setter}({value})");
    }
    let id = &op.id;
    format!(
        r###"
## Mocks

With the `mock` feature, `{lib}::mock` has progenitor's [httpmock](https://docs.rs/httpmock)
helpers: `MockServerExt` adds one method per operation to `httpmock::MockServer`, whose `when`
matches that operation's method, path and parameters and whose `then` answers with the
operation's typed responses (`ok`, `not_found`, …). A test of code that uses this client
points the client at the mock server:

```rust
# #[cfg(feature = "mock")]
# #[tokio::main(flavor = "current_thread")]
# async fn main() {{
use {lib}::mock::{{MockServer, MockServerExt}};
use {lib}::{{json, types, Client, Uuid}};

let server = MockServer::start_async().await;
let answer: types::{name} = json::from_value(json::json!({sample})).unwrap();
let mock = server.{id}(|when, then| {{
    when{when};
    then.ok(&answer);
}});

let client = Client::builder().base_url(server.base_url()).api_token("test").build().unwrap();
let got = {call}.send().await.unwrap();
assert_eq!(got.into_inner(), answer);
mock.assert_async().await;
# }}
# #[cfg(not(feature = "mock"))]
# fn main() {{}}
```

`mock::MockServer` is httpmock's, re-exported (so is the crate, as `mock::httpmock`): a test
needs no httpmock dependency of its own. The feature adds httpmock (and regex) to the build:
enable it in `[dev-dependencies]` only.
"###,
        sample = op
            .success_sample
            .as_ref()
            .map_or_else(|| "{}".to_string(), |sample| sample.to_string()),
    )
}

/// A plain string value for a parameter in the mock example.
fn mock_string(name: &str) -> String {
    format!("\"{}-1\"", name.replace('_', "-"))
}

/// One compiled example for each kind of request and answer the spec has beyond a JSON
/// object (the first operation of each, in the model's order), so a reader sees how a list,
/// a header, a form, bytes or several answers are written; nothing when it has none.
fn client_shapes(model: &ApiModel, lib: &str) -> String {
    use crate::model::JsonShape;
    type Has = fn(&OperationModel) -> bool;
    let shapes: [(&str, Has); 8] = [
        ("A list parameter is a `Vec` of its items; the client sends it as the spec says (the key repeated, or comma-separated).", |op| {
            op.query_params.iter().any(|p| p.many)
        }),
        ("A header parameter is a setter like any other; the client sends it as the header.", |op| {
            !op.header_params.is_empty()
        }),
        ("A JSON array body is its items.", |op| {
            op.request_body.is_some() && op.request_shape == JsonShape::Array
        }),
        ("A body of bytes is sent as they are, with the spec's media type.", |op| {
            op.request_bytes.is_some()
        }),
        ("A form is a `Multipart`, part by part (`text`, `file` with its name and media type, `json`, `bytes`); the builder refuses one without a required part.", |op| {
            op.request_form.is_some()
        }),
        ("An answer of bytes or text is a `ByteStream`: read it whole, stream it, or write it to a file with `save_to`.", |op| {
            matches!(op.success, SuccessModel::Binary(_))
        }),
        ("An operation with several success answers returns each with its status (`answer.status()`).", |op| {
            op.success_statuses.len() > 1
        }),
        ("Every answer is a `ResponseValue`: its status and headers (`answer.headers().get(\"etag\")`) are there beside the body.", |_| {
            true
        }),
    ];
    // Examples run where the README's examples run (against an emulator, on an account):
    // an operation on the scope alone, through its handle, reaches something real. The
    // status and headers are shown on a read, which sends no body.
    let runnable = |op: &OperationModel| {
        op.scope().is_some_and(|(parameter, _)| {
            op.path_params.len() == 1 && op.path_params[0].name == parameter
        })
    };
    let plain_read =
        |op: &OperationModel| !op.sends_body() && matches!(op.success, SuccessModel::Json(_));
    let mut sections = Vec::new();
    let last = shapes.len() - 1;
    for (i, (what, has)) in shapes.into_iter().enumerate() {
        let Some(op) = model
            .operations
            .iter()
            .find(|op| has(op) && runnable(op) && (i != last || plain_read(op)))
        else {
            continue;
        };
        let Some((_, scope)) = op.scope() else {
            continue;
        };
        let mut example = runnable_opening(&format!("use {lib}::{{types, Client}};"), scope, scope);
        let call = scoped_call(op, scope, "") + &crate::examples::body_setters(model, op, lib);
        let _ = writeln!(
            example,
            "let answer = {}\n    .send()\n    .await?;",
            call.replace(").", ")\n    .")
        );
        example.push_str(match i == last {
            true => "println!(\"{} {:?}\", answer.status(), answer.headers().get(\"etag\"));\n",
            false => "println!(\"{}\", answer.status());\n",
        });
        example.push_str("# Ok(())\n# }\n```\n");
        sections.push(format!(
            "{what} `{}` (`{} {}`):\n\n{example}",
            op.id, op.method, op.path,
        ));
    }
    // The last one holds for any spec: a section of only it says nothing new.
    if sections.len() < 2 {
        return String::new();
    }
    let mut out = String::from("## Requests and answers beyond JSON objects\n\n");
    for section in sections {
        out.push_str(&section);
        out.push('\n');
    }
    out
}

fn client(model: &ApiModel, config: &Config, types: &syn::File) -> String {
    let mut out = String::new();
    let lib = config.client.lib_name();
    let _ = writeln!(out, "# {}\n", config.client.package);
    let _ = writeln!(
        out,
        "An async Rust client for the {} (version {}), generated by progenitor from its \
         OpenAPI description. Types live in `{}`, re-exported here as `types`; the server crate \
         `{}` uses the same ones.\n",
        model.title, model.version, config.types.package, config.server.package
    );
    out.push_str(&client_example(model, &lib, types));
    out.push_str(
        r#"
Every operation is a request builder: set its parameters and body, then `send()`. A body is
checked against the spec's rules before it is sent (request validation: the builder's
`request_validation(false)`, or `client.with_request_validation(false)`, turns it off).
`read_env()` reads the credentials and base URL under the CLI's variable names (a missing or
half-set one fails `build()`, naming it); the builder also takes them as `api_token(token)`,
`api_key(email, key)` and `base_url(...)` (an emulator's, say), and `connect_timeout`,
`timeout`, `max_retries` / `retry_policy` (2 retries by default, on connection errors,
timeouts, 408, 429 and 5xx, with exponential backoff and jitter, honouring `Retry-After`;
POST only with `retry_non_idempotent(true)`), `user_agent`, `http_client` (your own
`reqwest::Client`), `request_validation(false)`, `max_response_bytes` (32 MiB by default) and
`max_download_bytes` (256 MiB by default; `None` lifts it). `build()` with no credentials
fails (`BuildError::NoCredentials`) unless `without_credentials()` says that is meant.
Credentials are sent as sensitive headers and never shown by `Debug`. The client follows no
redirect: the API never redirects, and a followed one could carry `X-Auth-Key` to another
host; a 3xx is `CniError::Redirect`, naming where it pointed.

"#,
    );
    out.push_str(&error_kinds());
    out.push_str(&client_shapes(model, &lib));
    out.push_str(&client_waiting_and_options(model, &lib, types));
    out.push_str(&client_mocks(model, &lib));
    out.push_str(
        r#"
## TLS

The HTTP client the builder makes speaks TLS through one of these features:

| Feature | Backend | Trade-off |
| --- | --- | --- |
| `rustls` (default) | rustls with the *ring* crypto provider | Memory-safe, no system library, the cheapest to build (ring's small C and assembly). The builder installs ring as the process's default rustls provider unless the application installed one first. |
| `rustls-aws-lc` | rustls with aws-lc-rs (reqwest's own default) | FIPS-capable builds and post-quantum key exchange; a large C build (`aws-lc-sys`, needing cmake and a C compiler) that dominates a clean build. |
| `native-tls` | the platform's library (OpenSSL on Linux, Security.framework, SChannel) | Follows the system's certificates and TLS policy; needs OpenSSL and its headers on Linux. |

With `default-features = false` and none of them, pass your own `reqwest::Client` to
`http_client` (it brings its TLS), or use plain-HTTP base URLs (an emulator); building a client
for an `https://` URL without a backend fails with `BuildError::NoTls`, naming the features.

```toml
[dependencies]
cloudflare-cni-client = { version = "0.1", default-features = false, features = ["native-tls"] }
```

"#,
    );
    let _ = writeln!(out, "## Operations\n");
    for tag in &model.tags {
        let _ = writeln!(out, "### {}\n\n{}\n", tag.name, tag.description);
        let _ = writeln!(
            out,
            "| Method | Request | Returns | Summary |\n| --- | --- | --- | --- |"
        );
        for op in model.operations.iter().filter(|o| o.tag == tag.name) {
            let returns = match &op.success {
                SuccessModel::Json(name) => format!("`types::{name}`"),
                SuccessModel::Binary(media_type) => format!("`ByteStream` ({media_type})"),
                SuccessModel::Empty => "`()`".to_string(),
            };
            let _ = writeln!(
                out,
                "| `{}` | `{} {}` | {} | {} |",
                op.id, op.method, op.path, returns, op.summary
            );
        }
        out.push('\n');
    }
    out
}

/// The command-line tool's README: its commands, as the table it is generated from names them.
fn cli(model: &ApiModel, config: &Config) -> String {
    let bin = &config.cli.package;
    let mut out = String::new();
    let _ = writeln!(out, "# {bin}\n");
    let _ = writeln!(
        out,
        "A command-line tool for the {} (version {}), generated from its OpenAPI description: one \
         command per group of operations and one subcommand per operation, flags from the spec's \
         parameters and body fields with its descriptions as help. It uses `{}` underneath.\n",
        model.title, model.version, config.client.package
    );
    let _ = writeln!(
        out,
        "```sh\ncargo install --path generated/cli\nexport CLOUDFLARE_API_TOKEN=... CLOUDFLARE_ACCOUNT_ID=...\n{bin} --help\n```\n"
    );
    let _ = writeln!(
        out,
        "## Commands\n\n| Command | Operation | Does |\n| --- | --- | --- |"
    );
    for tag in &model.tags {
        let group = crate::naming::group_name(&tag.name);
        for op in model.operations.iter().filter(|op| op.tag == tag.name) {
            let positionals: String = op
                .path_params
                .iter()
                .filter(|p| p.name != "account_id")
                .map(|p| format!(" {}", p.name.to_ascii_uppercase()))
                .collect();
            let _ = writeln!(
                out,
                "| `{bin} {group} {}{positionals}` | `{}` | {} |",
                crate::naming::verb(&op.id, &group),
                op.id,
                op.summary
            );
        }
    }
    out.push_str(
        r#"
(A subcommand whose name two operations would share takes the second one's whole
operationId instead; `--help` on each command lists its flags.)

## Use

- **Credentials**: `CLOUDFLARE_API_TOKEN`, or `CLOUDFLARE_EMAIL` and `CLOUDFLARE_API_KEY` (the
  variables Cloudflare's own tools read), or `--api-token`, `--email` and `--api-key`. They are
  never printed, not even by `--help`. The account: `--account` or `CLOUDFLARE_ACCOUNT_ID`.
  `--base-url` (or `CLOUDFLARE_API_BASE_URL`) points at another server, the emulator say.
- **Bodies**: each scalar field of a request body is a flag (`--magic-conduit-name`,
  `--bgp-customer-asn`; lists repeat the flag); `--body FILE` (or `-` for standard input) gives
  the whole body as JSON, and flags override its fields. A body that does not fit the spec is
  refused before anything is sent, naming the field.
- **Output**: JSON by default; `--jsonl` on a listing prints one item per line, following the
  cursor lazily page by page; `--output table` prints a table for people. A download
  (`interconnects loa ICON -o loa.pdf`) is written atomically to its file, or to standard output.
- **Waiting**: `interconnects status ICON --wait Healthy --timeout 10m` polls with backoff until
  the state is reached, showing the state on a terminal (nothing when piped).
- **Errors**: one line naming the status, Cloudflare's error codes and messages, and the request
  id (`cf-ray`) when the server sent one. Exit status: 0 success, 1 other (a file that cannot be
  written), 2 usage, 3 validation (nothing was sent), 4 the API answered 4xx, 5 the API answered
  5xx or the connection failed or timed out, 6 `--wait` gave up.
- **Completions**: `completions bash|zsh|fish|elvish|powershell`.
"#,
    );
    out
}

/// The client runtime's error type, read from its source: the README lists every variant with
/// the first sentence of its docs, so a variant added there is listed here without a word of
/// this file changing.
const CLIENT_ERROR_SOURCE: &str = include_str!("../../runtime/client/src/error.rs");

/// `[`text`](target)` → `` `text` ``: the runtime's intra-doc links name its own paths, which
/// the client crate's docs may not have.
fn without_link_targets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("[`") {
        let after = &rest[open + 1..];
        match after.find("`](").and_then(|close| {
            after[close + 3..]
                .find(')')
                .map(|end| (close, close + 3 + end))
        }) {
            Some((close, end)) => {
                out.push_str(&rest[..open]);
                out.push_str(&after[..=close]);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[..open + 2]);
                rest = &rest[open + 2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// "Every `send()` fails with one error type, [`CniError`]:" and one line per variant.
fn error_kinds() -> String {
    let mut out = String::from(
        "Every `send()` fails with one error type, [`CniError`] (`#[non_exhaustive]`: match with \
         a `_` arm, and struct variants with `..`):\n\n",
    );
    let variants = syn::parse_file(CLIENT_ERROR_SOURCE)
        .ok()
        .and_then(|file| {
            file.items.into_iter().find_map(|item| match item {
                syn::Item::Enum(e) if e.ident == "CniError" => Some(e.variants),
                _ => None,
            })
        })
        .unwrap_or_default();
    for variant in variants {
        let docs: Vec<String> = variant
            .attrs
            .iter()
            .filter_map(|attr| match &attr.meta {
                syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }) => Some(text.value().trim().to_string()),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let text = docs.join(" ");
        let first = match text.find(". ") {
            Some(end) => &text[..=end],
            None => text.as_str(),
        };
        out.push_str(&format!(
            "- `{}`: {}\n",
            variant.ident,
            without_link_targets(first.trim())
        ));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod error_kinds_tests {
    /// Every variant of the runtime's `CniError` is listed, each once.
    #[test]
    fn every_variant_of_the_client_error_is_listed() {
        let listed = super::error_kinds();
        let file = syn::parse_file(super::CLIENT_ERROR_SOURCE).expect("the runtime parses");
        let variants: Vec<String> = file
            .items
            .iter()
            .find_map(|item| match item {
                syn::Item::Enum(e) if e.ident == "CniError" => {
                    Some(e.variants.iter().map(|v| v.ident.to_string()).collect())
                }
                _ => None,
            })
            .expect("CniError is there");
        assert!(variants.len() >= 14, "{variants:?}");
        assert!(!listed.contains("]("), "no link targets: {listed}");
        assert_eq!(
            super::without_link_targets("see [`A`](crate::A) and [`b`](x::b)."),
            "see `A` and `b`."
        );
        for variant in variants {
            assert_eq!(
                listed.matches(&format!("- `{variant}`: ")).count(),
                1,
                "{variant} in\n{listed}"
            );
        }
    }
}
