//! Schemas as Cloudflare's other products write them (the dialect fixture): number and integer
//! enums that a newer API extends, and properties whose names differ only by comparison
//! symbols (Radar's `<=1y` and `>1y`).

use cloudflare_cni_codegen_snapshots::dialect::types;

#[test]
fn a_number_enum_checks_what_is_built_and_keeps_what_a_newer_api_sends() {
    let known: types::WidgetTtl = serde_json::from_str("300").unwrap();
    assert_eq!(known.as_f64(), Some(300.0));
    let fraction: types::WidgetTtl = serde_json::from_str("1.5").unwrap();
    assert_eq!(fraction.as_f64(), Some(1.5));
    // A value this crate's spec does not name: decoded and written back as it came.
    let newer: types::WidgetTtl = serde_json::from_str("86400").unwrap();
    assert_eq!(serde_json::to_string(&newer).unwrap(), "86400");
    // Built by hand, a value is checked against the spec's.
    assert!(types::WidgetTtl::try_from(serde_json::Number::from(60)).is_ok());
    assert!(types::WidgetTtl::try_from(serde_json::Number::from(61)).is_err());

    let code: types::WidgetStatusCode = serde_json::from_str("503").unwrap();
    assert_eq!(*code, 503);
    assert!(types::WidgetStatusCode::try_from(202_i64).is_ok());
    assert!(types::WidgetStatusCode::try_from(203_i64).is_err());

    // Inside a struct, through a read, modify and write back.
    let body = r#"{"name":"w","ttl":7200,"status_code":418}"#;
    let mut widget: types::Widget = serde_json::from_str(body).unwrap();
    widget.enabled = Some(true);
    let back: serde_json::Value = serde_json::to_value(&widget).unwrap();
    assert_eq!(back["ttl"], 7200);
    assert_eq!(back["status_code"], 418);

    // Decoded, a value the spec does not name is kept; validated (as the server does a
    // request, and the client a body before it sends it), it is refused, naming where.
    use cloudflare_cni_validate::Validate;
    let errors = widget.validate().unwrap_err().to_string();
    assert!(
        errors.contains("/ttl") && errors.contains("unknown value 7200"),
        "{errors}"
    );
    assert!(
        errors.contains("/status_code") && errors.contains("unknown value 418"),
        "{errors}"
    );
    let known: types::Widget = serde_json::from_str(r#"{"name":"w","ttl":1.5}"#).unwrap();
    assert!(known.validate().is_ok());
}

#[test]
fn properties_one_symbol_apart_are_fields_of_their_own() {
    let body = r#"{"<=1y":"80","<1m":"5",">1y":"20"}"#;
    let ages: types::WidgetAges = serde_json::from_str(body).unwrap();
    assert_eq!(
        (
            ages.le_1y.as_str(),
            ages.gt_1y.as_str(),
            ages.lt_1m.as_deref()
        ),
        ("80", "20", Some("5"))
    );
    let back: serde_json::Value = serde_json::to_value(&ages).unwrap();
    assert_eq!(
        back,
        serde_json::from_str::<serde_json::Value>(body).unwrap()
    );

    let built: types::WidgetAges = types::WidgetAges::builder()
        .le_1y("1")
        .gt_1y("2")
        .try_into()
        .unwrap();
    assert_eq!((built.le_1y.as_str(), built.gt_1y.as_str()), ("1", "2"));
    let missing = types::WidgetAges::try_from(types::WidgetAges::builder().le_1y("1"));
    let message = missing.unwrap_err().to_string();
    assert!(message.contains("gt_1y"), "{message}");
}

#[test]
fn defaults_of_an_upper_case_enum_and_a_number_enum_are_the_spec_s() {
    // typify wrote `Method::Get` and `Ttl(300_f64)`; neither compiled after the rewrites.
    let patch: types::WidgetPatch = serde_json::from_str("{}").unwrap();
    assert_eq!(patch.method, types::WidgetPatchMethod::GET);
    assert!(patch.enabled);
    assert_eq!(types::WidgetTtl::default().as_f64(), Some(300.0));
    assert_eq!(
        serde_json::to_string(&types::WidgetTtl::default()).unwrap(),
        "300"
    );
}

#[test]
fn comparison_operators_are_an_enum_of_their_own_names() {
    // typify panicked naming `<`, `<=`, `>`, `>=` and `==` (none has a letter).
    let rule: types::WidgetRule = serde_json::from_str(r#"{"operator": "<="}"#).unwrap();
    assert_eq!(rule.operator, types::WidgetRuleOperator::Le);
    assert_eq!(rule.operator.as_str(), "<=");
    let all = ["<", "<=", ">", ">=", "=="].map(types::WidgetRuleOperator::from);
    assert!(all.iter().all(types::WidgetRuleOperator::is_known));
    assert_eq!(
        serde_json::to_string(&types::WidgetRuleOperator::Ge).unwrap(),
        r#"">=""#
    );
    // The spec's default, and a newer API's operator kept as it came.
    let built: types::WidgetRule = types::WidgetRule::builder().try_into().unwrap();
    assert_eq!(built.operator, types::WidgetRuleOperator::Eq);
    let read: types::WidgetRule = serde_json::from_str("{}").unwrap();
    assert_eq!(read.operator, types::WidgetRuleOperator::Eq);
    // Values of symbols alone are spelled: `""` and `*` were both `Empty`.
    let scopes = ["", "*", "mine"].map(types::WidgetRuleScope::from);
    assert_eq!(
        scopes,
        [
            types::WidgetRuleScope::Empty,
            types::WidgetRuleScope::Asterisk,
            types::WidgetRuleScope::Mine
        ]
    );
    let newer: types::WidgetRule = serde_json::from_str(r#"{"operator": "!="}"#).unwrap();
    assert_eq!(newer.operator.as_str(), "!=");
    assert!(!newer.operator.is_known());
}

#[test]
fn a_union_with_a_default_reads_each_member_and_writes_it_back() {
    // typify refused the union's default (1, a member's one value); it is left to the API.
    for ttl in ["1", "3600"] {
        let body = format!(r#"{{"cache_ttl": {ttl}}}"#);
        let patch: types::WidgetPatch = serde_json::from_str(&body).unwrap();
        let back = serde_json::to_value(&patch).unwrap();
        assert_eq!(back["cache_ttl"].to_string(), ttl, "{body}");
    }
    let empty: types::WidgetPatch = serde_json::from_str("{}").unwrap();
    assert!(empty.cache_ttl.is_none());
}
