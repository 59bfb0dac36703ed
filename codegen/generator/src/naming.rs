//! How generated Rust names follow from the spec's names: each rule in one place, the same for
//! every pass, so that a name never depends on where it is spelled.

/// The builder field progenitor names after a parameter: its sanitising, with the same case
/// conversion (heck's snake case, so `accountId` is `account_id`), a leading `_` where the name
/// cannot start one, and a trailing `_` for keywords.
pub fn progenitor_field_name(name: &str) -> String {
    use heck::ToSnakeCase;
    let cleaned: String = name
        .chars()
        .filter(|c| *c != '\'')
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut snake = cleaned.to_snake_case();
    match snake.chars().next() {
        None => snake = "x".to_string(),
        Some(c) if c.is_alphabetic() || c == '_' => {}
        Some(_) => snake.insert(0, '_'),
    }
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

/// Comparison symbols spelled as words (`<=1y` → ` le 1y`, `>=` → ` ge `), so that names which
/// differ only by them (Cloudflare's Radar buckets `<=1y` and `>1y`, its filter operators `<`,
/// `<=`, `==`) stay different Rust names. Longest symbol first; other characters are kept.
fn spell_comparisons(name: &str) -> String {
    const SPELLED: &[(&str, &str)] = &[
        ("<=", " le "),
        (">=", " ge "),
        ("==", " eq "),
        ("!=", " ne "),
        ("<", " lt "),
        (">", " gt "),
        ("=", " eq "),
    ];
    let mut out = String::with_capacity(name.len() + 8);
    let mut rest = name;
    'outer: while let Some(c) = rest.chars().next() {
        for (symbol, word) in SPELLED {
            if let Some(after) = rest.strip_prefix(symbol) {
                out.push_str(word);
                rest = after;
                continue 'outer;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A symbol's name, for a value made of symbols alone (`*` → `Asterisk`); one without a
/// common name is its code point (`U2192` for `→`).
fn symbol_name(c: char) -> String {
    let name = match c {
        '*' => "Asterisk",
        '+' => "Plus",
        '-' => "Minus",
        '/' => "Slash",
        '\\' => "Backslash",
        '.' => "Dot",
        '_' => "Underscore",
        '@' => "At",
        '#' => "Hash",
        '%' => "Percent",
        '&' => "Ampersand",
        '|' => "Bar",
        '~' => "Tilde",
        '?' => "Question",
        ' ' => "Space",
        ':' => "Colon",
        ',' => "Comma",
        ';' => "Semicolon",
        '$' => "Dollar",
        '^' => "Caret",
        '!' => "Bang",
        other => return format!("U{:04X}", other as u32),
    };
    name.to_string()
}

/// Whether a name has a comparison symbol that [`field_name`] and [`value_name`] spell.
pub fn has_comparison(name: &str) -> bool {
    name.contains(['<', '>', '=', '!'])
}

/// The Rust field of a property whose name has comparison symbols: its alphanumeric runs in
/// lower case, joined by `_`, after the symbols are spelled (`<=1y` → `le_1y`, `>1y` →
/// `gt_1y`); one starting with a digit gets an `x` in front, as typify's do. It depends on the
/// property's name alone, so a property added beside it never renames it.
pub fn field_name(property: &str) -> String {
    let spelled = spell_comparisons(property);
    let mut name = spelled
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|run| !run.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join("_");
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'x');
    }
    if syn::parse_str::<syn::Ident>(&name).is_err() {
        name.push('_');
    }
    name
}

/// The Rust name of a value nobody named (an enum value, a union's tag): its alphanumeric runs,
/// each starting upper-case, joined; one starting with a digit gets a `V` in front. It depends
/// on the value alone, so a value added beside it never changes it: `advertise_only` →
/// `AdvertiseOnly`, `gcp_partner` → `GcpPartner`, `100G` → `V100G`, `Pending` → `Pending`.
pub fn value_name(value: &str) -> String {
    let spelled = spell_comparisons(value);
    let mut name: String = spelled
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|run| !run.is_empty())
        .map(|run| {
            let mut chars = run.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    if name.is_empty() {
        // A value of symbols alone (Cloudflare's `*` beside `""`): each spelled.
        name = value.chars().map(symbol_name).collect();
    }
    if name.is_empty() {
        name = "Empty".to_string();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if name == "Self" || name == "Unknown" {
        // `Self` is a keyword; `Unknown` is the variant that keeps values nobody knows.
        name.push_str("Value");
    }
    name
}

/// A schema's Rust type name from its name in the document: the same rule as [`value_name`]
/// (`Interconnect_AwsPartner_Body` → `InterconnectAwsPartnerBody`); a name that already is one
/// stays as it is.
pub fn type_name(schema: &str) -> String {
    // typify spells every type name in heck's Pascal case (`CustomNSInput` →
    // `CustomNsInput`): a name already so spelled is the one the passes find.
    heck::ToPascalCase::to_pascal_case(value_name(schema).as_str())
}

/// The name of an inline union member hoisted into the components: the union's name, then
/// the member's variant name (`InterconnectStatus` + `Provisioning`).
pub fn member_schema_name(union: &str, variant: &str) -> String {
    format!("{union}{variant}")
}

/// The client's shortcut that waits for one member of a status union: `wait_until_` and the
/// member's Rust name in snake case (`Healthy` → `wait_until_healthy`, `GcpPartner` →
/// `wait_until_gcp_partner`). It follows the variant's name alone, so it is as stable.
pub fn wait_method_name(variant: &str) -> String {
    let mut name = String::from("wait_until_");
    let mut previous: Option<char> = None;
    for c in variant.chars().filter(char::is_ascii_alphanumeric) {
        if c.is_ascii_uppercase()
            && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
        {
            name.push('_');
        }
        name.push(c.to_ascii_lowercase());
        previous = Some(c);
    }
    name
}

/// The server's constant for one operation: its operationId in upper case (`get_cni` →
/// `GET_CNI`). It follows the id alone, so an added operation never renames another.
pub fn operation_constant(operation_id: &str) -> String {
    progenitor_field_name(operation_id)
        .trim_end_matches('_')
        .to_ascii_uppercase()
}

/// A Rust name in snake case, for a method: `GcpPartner` → `gcp_partner`, `V100G` → `v100_g`.
pub fn snake_case(name: &str) -> String {
    wait_method_name(name)
        .trim_start_matches("wait_until_")
        .to_string()
}

/// A tagged union's constructor for one member: the tag in snake case (`direct` → `direct`,
/// `gcp_partner` → `gcp_partner`, `Pending` → `pending`), with a trailing `_` for a keyword.
pub fn constructor_name(tag: &str) -> String {
    let snake = wait_method_name(&value_name(tag))
        .trim_start_matches("wait_until_")
        .to_string();
    if syn::parse_str::<syn::Ident>(&snake).is_ok() {
        snake
    } else {
        format!("{snake}_")
    }
}

/// Whether `name` can be a Rust type or variant name.
pub fn is_type_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && syn::parse_str::<syn::Ident>(name).is_ok()
}

/// Whether `name` can be a schema's name: a type name typify spells as it is (its Pascal case
/// is itself: `CustomNsInput`, not `CustomNSInput`), so every pass finds the type by it.
pub fn is_schema_name(name: &str) -> bool {
    is_type_name(name) && heck::ToPascalCase::to_pascal_case(name) == name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_spelled_as_typify_spells_them() {
        // Cloudflare's `dns-custom-nameservers_CustomNSInput`, `stream_MP4Downloads…`.
        assert_eq!(
            type_name("dns-custom-nameservers_CustomNSInput"),
            "DnsCustomNameserversCustomNsInput"
        );
        assert_eq!(
            type_name("Interconnect_AwsPartner_Body"),
            "InterconnectAwsPartnerBody"
        );
        assert!(is_schema_name("InterconnectAwsPartnerBody"));
        assert!(!is_schema_name("CustomNSInput"));
        assert!(is_type_name("V100G"), "a variant is not spelled by typify");
    }

    #[test]
    fn field_names_follow_progenitor() {
        assert_eq!(progenitor_field_name("account_id"), "account_id");
        assert_eq!(progenitor_field_name("type"), "type_");
        assert_eq!(progenitor_field_name("Icon-Name"), "icon_name");
        // Cloudflare's URL scanner: progenitor's field for `{accountId}` is `account_id`.
        assert_eq!(progenitor_field_name("accountId"), "account_id");
        assert_eq!(progenitor_field_name("tag-match"), "tag_match");
    }

    #[test]
    fn comparison_symbols_are_spelled_so_names_stay_apart() {
        // Cloudflare's Radar buckets: typify names both `x1y`, which does not compile.
        assert_eq!(field_name("<=1y"), "le_1y");
        assert_eq!(field_name(">1y"), "gt_1y");
        assert_eq!(field_name("<1m"), "lt_1m");
        assert_eq!(field_name("a!=b"), "a_ne_b");
        assert_eq!(field_name("=="), "eq");
        // Its filter operators: every one was `Empty`.
        let operators = ["<", "<=", ">", ">=", "==", "!="].map(value_name);
        assert_eq!(operators, ["Lt", "Le", "Gt", "Ge", "Eq", "Ne"]);
        assert_eq!(value_name(">1y"), "Gt1y");
        // Symbols alone are spelled (load balancing's `references`: `""`, `*`).
        assert_eq!(value_name("*"), "Asterisk");
        assert_eq!(value_name(""), "Empty");
        assert_eq!(value_name("+-"), "PlusMinus");
        // A value without them is named as before.
        assert_eq!(value_name("gcp_partner"), "GcpPartner");
        assert!(!has_comparison("gcp_partner"));
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

    #[test]
    fn values_are_named_by_rule_alone() {
        assert_eq!(value_name("advertise_only"), "AdvertiseOnly");
        assert_eq!(value_name("dynamic_route_exchange"), "DynamicRouteExchange");
        assert_eq!(value_name("gcp_partner"), "GcpPartner");
        assert_eq!(value_name("Pending"), "Pending");
        assert_eq!(value_name("100G"), "V100G");
        assert_eq!(value_name("aws-partner.v2"), "AwsPartnerV2");
        assert_eq!(value_name("Self"), "SelfValue");
        assert_eq!(value_name("unknown"), "UnknownValue");
        assert_eq!(value_name("--"), "MinusMinus");
        assert_eq!(
            type_name("Interconnect_AwsPartner_Body"),
            "InterconnectAwsPartnerBody"
        );
        assert_eq!(type_name("InterconnectStatus"), "InterconnectStatus");
        assert!(is_type_name("Gbps10") && !is_type_name("gbps") && !is_type_name("A-B"));
    }

    #[test]
    fn operation_constants_are_the_id_in_upper_case() {
        assert_eq!(operation_constant("get_cni"), "GET_CNI");
        assert_eq!(operation_constant("list-slots"), "LIST_SLOTS");
        assert_eq!(operation_constant("type"), "TYPE");
    }

    #[test]
    fn constructors_are_the_tag_in_snake_case() {
        assert_eq!(constructor_name("direct"), "direct");
        assert_eq!(constructor_name("gcp_partner"), "gcp_partner");
        assert_eq!(constructor_name("Pending"), "pending");
        assert_eq!(constructor_name("type"), "type_");
        assert_eq!(constructor_name("aws-partner.v2"), "aws_partner_v2");
    }

    #[test]
    fn wait_shortcuts_are_the_variant_in_snake_case() {
        assert_eq!(wait_method_name("Healthy"), "wait_until_healthy");
        assert_eq!(wait_method_name("GcpPartner"), "wait_until_gcp_partner");
        assert_eq!(wait_method_name("V100G"), "wait_until_v100_g");
        assert_eq!(
            wait_method_name("AdvertiseOnly"),
            "wait_until_advertise_only"
        );
    }
}
