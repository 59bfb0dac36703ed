//! Example calls written from the model, for the READMEs and the per-method docs alike: every
//! one is compiled as a doctest.

use std::fmt::Write;

use crate::model::{ApiModel, JsonShape, OperationModel, ScalarType};

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

/// A placeholder value for a parameter as its setter takes it: a list is a `Vec` of one.
pub fn param_example(param: &crate::model::ParamModel) -> String {
    let one = example_value(&param.name, &param.ty);
    match (&param.ty, param.many) {
        (_, false) => one,
        (ScalarType::String, true) => format!("vec![{one}.to_string()]"),
        (_, true) => format!("vec![{one}]"),
    }
}

/// `client.op().p1(v1).p2(v2)`: the builder with its required parameters set.
pub fn client_call(op: &OperationModel) -> String {
    let mut call = format!("client.{}()", op.id);
    for param in op.path_params.iter().chain(
        op.query_params
            .iter()
            .chain(&op.header_params)
            .filter(|p| p.required),
    ) {
        let setter = crate::naming::progenitor_field_name(&param.name);
        let _ = write!(call, ".{setter}({})", param_example(param));
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
    let call = request_expression(model, op, lib);
    let _ = writeln!(out, "let answer = {call}\n    .send()\n    .await?;");
    out.push_str("# let _ = answer;\n# Ok(())\n# }\n```");
    out
}

/// `client.op().param(..)…`: the request builder with its required parameters, body and
/// form set to placeholders.
fn request_expression(model: &ApiModel, op: &OperationModel, lib: &str) -> String {
    let call = client_call(op).replace(").", ")\n    .");
    call + &body_setters(model, op, lib)
}

/// `.body(..)` with a placeholder body of the operation's kind (a builder, a list, bytes, a
/// form with its required parts), or nothing.
pub fn body_setters(model: &ApiModel, op: &OperationModel, lib: &str) -> String {
    let mut call = String::new();
    if let Some(body) = &op.request_body {
        let union = model.schemas.get(body).and_then(|s| s.union.as_ref());
        let start = match (op.request_shape, union) {
            (JsonShape::Object, Some(union)) => union.variants.first().map(|member| {
                format!(
                    "types::{body}::{}()",
                    crate::naming::constructor_name(&member.tag)
                )
            }),
            (JsonShape::Object, None) => Some(format!("types::{body}::builder()")),
            // typify's newtype over a `Vec` converts from one.
            (JsonShape::Array, _) => Some(format!("types::{body}::from(::std::vec::Vec::new())")),
            (JsonShape::Other, _) => None,
        };
        if let Some(start) = start {
            let what = match op.request_shape {
                JsonShape::Array => "its items",
                _ => "its fields",
            };
            let _ = write!(call, "\n    .body({start} /* set {what} */)");
        }
    }
    if let Some(media_type) = &op.request_bytes {
        let _ = write!(
            call,
            "\n    .body(::std::vec::Vec::<u8>::new() /* the bytes to send, as `{media_type}` */)"
        );
    }
    if let Some(parts) = &op.request_form {
        let _ = write!(call, "\n    .body({})", form_example(parts, lib));
    }
    call
}

/// A form with its required parts, each as its kind is sent (a file with its name and media
/// type, JSON encoded, text).
fn form_example(parts: &[crate::model::PartModel], lib: &str) -> String {
    use crate::model::PartKind;
    let mut form = format!("{lib}::Multipart::new()");
    for part in parts.iter().filter(|p| p.required) {
        let name = format!("{:?}", part.name);
        let _ = match part.kind {
            PartKind::File => write!(
                form,
                "\n        .file({name}, \"{}.bin\", ::std::vec::Vec::<u8>::new(), \"application/octet-stream\")",
                part.name.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            ),
            PartKind::Json => write!(form, "\n        .json({name}, &{lib}::json::json!({{}}))"),
            PartKind::Text => write!(form, "\n        .text({name}, \"<{}>\")", part.name),
        };
    }
    form
}

/// An operation on one object (`…/interconnects/{icon}…`) whose object a runnable example
/// takes from the first item of the listing one level up (`GET …/interconnects`), so that it
/// reads only what exists.
#[derive(Clone)]
pub struct Listed<'a> {
    /// The paginated listing at the parent path, whose only path parameter is the scope.
    pub listing: &'a OperationModel,
    /// The item type (`types::{item}`).
    pub item: &'a str,
    /// The object's path parameter (`icon`).
    pub param: &'a crate::model::ParamModel,
    /// `let {param} = …;` from `all: Vec<types::{item}>`, failing the example when nothing is listed.
    pub binding: String,
}

/// How an operation taking the scope and one object parameter finds that object in a
/// listing, when it can: the listing at the path above the parameter, and an item field or
/// accessor of the parameter's type named `id` or `name` (the union accessors count).
pub fn listed<'a>(
    model: &'a ApiModel,
    types: &syn::File,
    op: &'a OperationModel,
) -> Option<Listed<'a>> {
    let (scope, _) = op.scope()?;
    let [_, param] = op.path_params.as_slice() else {
        return None;
    };
    let marker = format!("/{{{}}}", param.name);
    let parent = &op.path[..op.path.find(&marker)?];
    let listing = model.operations.iter().find(|candidate| {
        candidate.method == "GET"
            && candidate.path == parent
            && candidate.request_body.is_none()
            && candidate.path_params.len() == 1
            && candidate.path_params[0].name == scope
            && candidate.query_params.iter().all(|p| !p.required)
    })?;
    let item = listing.paginated_item.as_deref()?;
    let read = ["id", "name"]
        .iter()
        .find_map(|field| item_value(types, item, field, &param.ty))?;
    let binding = format!(
        "let {} = all.{read}.ok_or(\"nothing listed\")?;",
        crate::naming::progenitor_field_name(&param.name)
    );
    Some(Listed {
        listing,
        item,
        param,
        binding,
    })
}

/// How the first item of `all: Vec<{item}>` gives an `Option` of its `field`, if it has one
/// of the parameter's type: a struct field, or an inherent accessor (a union's `name()`).
fn item_value(types: &syn::File, item: &str, field: &str, ty: &ScalarType) -> Option<String> {
    use crate::syntax::{is_str_ref, option_inner, type_name};
    for entry in &types.items {
        match entry {
            syn::Item::Struct(s) if s.ident == item => {
                let found = s
                    .fields
                    .iter()
                    .find(|f| f.ident.as_ref().is_some_and(|i| i == field))?;
                let (optional, held) = match option_inner(&found.ty) {
                    Some(inner) => (true, inner),
                    None => (false, &found.ty),
                };
                return match (ty, optional, type_name(held).as_deref()) {
                    (ScalarType::Uuid, false, Some("Uuid")) => {
                        Some(format!("first().map(|item| item.{field})"))
                    }
                    (ScalarType::String, false, Some("String")) => {
                        Some(format!("first().map(|item| item.{field}.as_str())"))
                    }
                    (ScalarType::String, true, Some("String")) => {
                        Some(format!("first().and_then(|item| item.{field}.as_deref())"))
                    }
                    _ => None,
                };
            }
            syn::Item::Impl(block)
                if block.trait_.is_none() && type_name(&block.self_ty).as_deref() == Some(item) =>
            {
                for member in &block.items {
                    let syn::ImplItem::Fn(method) = member else {
                        continue;
                    };
                    if method.sig.ident != field || method.sig.inputs.len() != 1 {
                        continue;
                    }
                    let syn::ReturnType::Type(_, returns) = &method.sig.output else {
                        continue;
                    };
                    if !matches!(ty, ScalarType::String) {
                        continue;
                    }
                    if option_inner(returns).is_some_and(is_str_ref) {
                        return Some(format!("first().and_then(|item| item.{field}())"));
                    }
                    if is_str_ref(returns) {
                        return Some(format!("first().map(|item| item.{field}())"));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ParamModel, SuccessModel};

    fn op(id: &str, path: &str, params: Vec<ParamModel>, item: Option<&str>) -> OperationModel {
        OperationModel {
            success: SuccessModel::Json("Thing".into()),
            paginated_item: item.map(Into::into),
            ..OperationModel::for_test(id, path, params)
        }
    }

    /// A listing of things and a read of one, the thing named by `ty`, over `types`.
    fn binding(ty: ScalarType, types: &str) -> Option<String> {
        let account = || ParamModel::for_test("account_id", ScalarType::String);
        let model = ApiModel::for_test(vec![
            op(
                "get_thing",
                "/accounts/{account_id}/things/{thing}",
                vec![account(), ParamModel::for_test("thing", ty)],
                None,
            ),
            op(
                "list_things",
                "/accounts/{account_id}/things",
                vec![account()],
                Some("Thing"),
            ),
        ]);
        let types: syn::File = syn::parse_str(types).expect("types");
        let listed = listed(&model, &types, &model.operations[0])?;
        assert_eq!(listed.listing.id, "list_things");
        assert_eq!(listed.item, "Thing");
        Some(listed.binding)
    }

    #[test]
    fn an_object_parameter_is_read_from_the_listing_above_it_by_id_or_name() {
        assert_eq!(
            binding(
                ScalarType::Uuid,
                "pub struct Thing { pub id: ::uuid::Uuid }"
            )
            .as_deref(),
            Some(r#"let thing = all.first().map(|item| item.id).ok_or("nothing listed")?;"#)
        );
        assert_eq!(
            binding(
                ScalarType::String,
                "pub struct Thing { pub id: ::uuid::Uuid, pub name: ::std::string::String }"
            )
            .as_deref(),
            Some(
                r#"let thing = all.first().map(|item| item.name.as_str()).ok_or("nothing listed")?;"#
            )
        );
        assert_eq!(
            binding(
                ScalarType::String,
                "pub struct Thing { pub name: ::std::option::Option<::std::string::String> }"
            )
            .as_deref(),
            Some(
                r#"let thing = all.first().and_then(|item| item.name.as_deref()).ok_or("nothing listed")?;"#
            )
        );
        // A union: its accessor, where every member has the property.
        assert_eq!(
            binding(
                ScalarType::String,
                "pub enum Thing { A(A), B(B) } impl Thing { pub fn name(&self) -> ::std::option::Option<&str> { None } }"
            )
            .as_deref(),
            Some(r#"let thing = all.first().and_then(|item| item.name()).ok_or("nothing listed")?;"#)
        );
    }

    #[test]
    fn without_an_item_field_of_the_parameters_type_there_is_no_binding() {
        // A uuid parameter, and only a string name: the example keeps its placeholder.
        assert_eq!(
            binding(
                ScalarType::Uuid,
                "pub struct Thing { pub name: ::std::string::String }"
            ),
            None
        );
        assert_eq!(
            binding(
                ScalarType::String,
                "pub struct Thing { pub id: ::uuid::Uuid }"
            ),
            None
        );
        assert_eq!(
            binding(
                ScalarType::String,
                "pub struct Other { pub name: ::std::string::String }"
            ),
            None
        );
    }
}
