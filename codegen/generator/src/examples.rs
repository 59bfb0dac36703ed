//! Example calls written from the model, for the READMEs and the per-method docs alike: every
//! one is compiled as a doctest.

use std::fmt::Write;

use crate::model::{ApiModel, OperationModel, ScalarType};

/// A placeholder value for a parameter, as client code would pass it (`Uuid` is the client
/// crate's re-export).
pub fn example_value(name: &str, ty: &ScalarType) -> String {
    match ty {
        ScalarType::String => format!("\"<{name}>\""),
        ScalarType::Uuid => "Uuid::nil()".to_string(),
        ScalarType::Integer { .. } => "1".to_string(),
        ScalarType::Number => "1.0".to_string(),
        ScalarType::Boolean => "true".to_string(),
    }
}

/// `client.op().p1(v1).p2(v2)`: the builder with its required parameters set.
pub fn client_call(op: &OperationModel) -> String {
    let mut call = format!("client.{}()", op.id);
    for param in op
        .path_params
        .iter()
        .chain(op.query_params.iter().filter(|p| p.required))
    {
        let setter = crate::naming::progenitor_field_name(&param.name);
        let _ = write!(call, ".{setter}({})", example_value(&param.name, &param.ty));
    }
    call
}

/// One operation's call as a compiled (`no_run`) doctest for `lib`: its required parameters,
/// a body started from its builder (a union's first member), and `send()`.
pub fn method_example(model: &ApiModel, op: &OperationModel, lib: &str) -> String {
    let mut out = String::from("```no_run\n");
    let _ = writeln!(
        out,
        "# async fn example(client: &{lib}::Client) -> Result<(), {lib}::CniError> {{"
    );
    let _ = writeln!(
        out,
        "# #[allow(unused_imports)] use {lib}::{{types, Uuid}};"
    );
    let mut call = client_call(op).replace(").", ")\n    .");
    if let Some(body) = &op.request_body {
        let start = match model.schemas.get(body).and_then(|s| s.union.as_ref()) {
            Some(union) => union.variants.first().map(|member| {
                format!(
                    "types::{body}::{}()",
                    crate::naming::constructor_name(&member.tag)
                )
            }),
            None => Some(format!("types::{body}::builder()")),
        };
        if let Some(start) = start {
            let _ = write!(call, "\n    .body({start} /* set its fields */)");
        }
    }
    let _ = writeln!(out, "let answer = {call}\n    .send()\n    .await?;");
    out.push_str("# let _ = answer;\n# Ok(())\n# }\n```");
    out
}
