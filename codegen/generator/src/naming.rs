//! How generated Rust names follow from the spec's names: each rule in one place, the same for
//! every pass, so that a name never depends on where it is spelled.

/// The builder field progenitor names after a parameter (its snake-case sanitising of the
/// parameter's name, with a trailing `_` for keywords).
pub fn progenitor_field_name(name: &str) -> String {
    let snake: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if syn::parse_str::<syn::Ident>(&snake).is_ok() {
        snake
    } else {
        format!("{snake}_")
    }
}

/// `list_cnis` → `ListCnis`, as progenitor names an operation's request builder (and the server
/// its query struct).
pub fn camel_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A tag as a command: `CNIs` → `cnis`.
pub fn group_name(tag: &str) -> String {
    tag.trim().to_ascii_lowercase().replace([' ', '_'], "-")
}

/// An operation's subcommand within its group: the operationId's verb, with the group's noun
/// dropped (`get_interconnect_loa` in `interconnects` → `loa`; `list_cnis` → `list`).
pub fn verb(operation_id: &str, group: &str) -> String {
    let words: Vec<&str> = operation_id.split('_').collect();
    let singular = group.strip_suffix('s').unwrap_or(group);
    let rest: Vec<&str> = match words.split_first() {
        Some((_, rest)) => {
            let noun = rest.first().is_some_and(|w| *w == group || *w == singular);
            rest[usize::from(noun)..].to_vec()
        }
        None => Vec::new(),
    };
    match rest.is_empty() {
        true => words.first().copied().unwrap_or(operation_id).to_string(),
        false => rest.join("-"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_follow_progenitor() {
        assert_eq!(progenitor_field_name("account_id"), "account_id");
        assert_eq!(progenitor_field_name("type"), "type_");
        assert_eq!(progenitor_field_name("Icon-Name"), "icon_name");
    }

    #[test]
    fn operation_ids_become_type_names() {
        assert_eq!(camel_case("list_cnis"), "ListCnis");
        assert_eq!(camel_case("get_interconnect_loa"), "GetInterconnectLoa");
    }
    #[test]
    fn verbs_are_what_people_say() {
        assert_eq!(verb("list_cnis", "cnis"), "list");
        assert_eq!(verb("get_cni", "cnis"), "get");
        assert_eq!(verb("get_interconnect_loa", "interconnects"), "loa");
        assert_eq!(verb("get_interconnect_status", "interconnects"), "status");
        assert_eq!(
            verb("get_interconnect_loa_default_name", "interconnects"),
            "loa-default-name"
        );
        assert_eq!(verb("update_settings", "settings"), "update");
        assert_eq!(verb("get_slot", "slots"), "get");
        assert_eq!(group_name("CNIs"), "cnis");
    }
}
