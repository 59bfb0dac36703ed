//! Field names: typify names a property's field by dropping what a Rust name cannot hold, so
//! Cloudflare's Radar buckets `<=1y` and `>1y` both become `x1y`, and the struct, its builder
//! and their conversions do not compile (E0124, E0062). A property whose name has comparison
//! symbols is named by [`naming::field_name`] instead (`le_1y`, `gt_1y`): a rule of its own
//! name alone, so a property added beside it never renames it. Two fields still one name after
//! that (`a-b` and `a_b`) keep typify's name for the first and number the others in typify's
//! order (`a_b`, `a_b_2`).
//!
//! The rename is positional: typify writes a struct's fields, its builder's fields, the
//! builder's setters and every conversion between them in the same order, so the k-th field
//! named `x1y` anywhere among them is the struct's k-th field named `x1y`.

use std::collections::{BTreeMap, HashSet};

use syn::visit_mut::VisitMut;
use syn::{Expr, Fields, ImplItem, Item, Member};

use crate::error::EmitError;
use crate::model::ApiModel;
use crate::naming;
use crate::paths::Paths;

/// One struct's renames: for each of typify's field names that changes, the new names of the
/// fields that carry it, in order (`x1y` → `[le_1y, gt_1y]`).
type Renames = BTreeMap<String, Vec<String>>;

/// The pass: renames the fields of the types crate's structs whose names collide or spell a
/// comparison, with everything typify wrote about them.
pub fn apply(
    generated: &mut crate::passes::Generated,
    _model: &ApiModel,
    _paths: &Paths,
) -> Result<(), EmitError> {
    let plans = plan(&generated.types);
    if plans.is_empty() {
        return Ok(());
    }
    for item in &mut generated.types.items {
        rename_in(item, &plans);
    }
    if let Some(builders) = crate::syntax::module_items(&mut generated.types.items, "builder") {
        let builder_plans: BTreeMap<String, Renames> = plans
            .iter()
            .map(|(name, renames)| (format!("{name}Builder"), renames.clone()))
            .collect();
        let mut all = plans.clone();
        all.extend(builder_plans);
        for item in builders.iter_mut() {
            rename_in(item, &all);
        }
    }
    Ok(())
}

/// The renames of every top-level struct that needs one, by struct name.
fn plan(types: &syn::File) -> BTreeMap<String, Renames> {
    let mut plans = BTreeMap::new();
    for item in &types.items {
        let Item::Struct(s) = item else { continue };
        let Fields::Named(fields) = &s.fields else {
            continue;
        };
        let mut taken = HashSet::new();
        let mut renames = Renames::new();
        let mut changed = false;
        let planned: Vec<(String, String)> = fields
            .named
            .iter()
            .filter_map(|field| {
                let old = field.ident.as_ref()?.to_string();
                let property = crate::syntax::serde_rename(&field.attrs);
                let new = match property {
                    Some(property) if naming::has_comparison(&property) => {
                        naming::field_name(&property)
                    }
                    _ => old.clone(),
                };
                Some((old, new))
            })
            .collect();
        for (old, new) in planned {
            let mut unique = new.clone();
            let mut n = 2;
            while !taken.insert(unique.clone()) {
                unique = format!("{new}_{n}");
                n += 1;
            }
            changed |= unique != old;
            renames.entry(old).or_default().push(unique);
        }
        if changed {
            plans.insert(s.ident.to_string(), renames);
        }
    }
    plans
}

/// Applies the renames to one item: a planned struct's fields, and in an `impl` of a planned
/// type, its setters and its struct expressions.
fn rename_in(item: &mut Item, plans: &BTreeMap<String, Renames>) {
    match item {
        Item::Struct(s) => {
            let Some(renames) = plans.get(&s.ident.to_string()) else {
                return;
            };
            let Fields::Named(fields) = &mut s.fields else {
                return;
            };
            let mut next = Cursor::new(renames);
            for field in fields.named.iter_mut() {
                if let Some(ident) = &mut field.ident {
                    if let Some(new) = next.take(ident) {
                        *ident = syn::Ident::new(&new, ident.span());
                    }
                }
            }
        }
        Item::Impl(imp) => {
            let Some(renames) =
                crate::syntax::self_type_name(imp).and_then(|name| plans.get(&name))
            else {
                return;
            };
            let mut setters = Cursor::new(renames);
            for member in &mut imp.items {
                let ImplItem::Fn(function) = member else {
                    continue;
                };
                let old = function.sig.ident.to_string();
                if let Some(new) = setters.take(&function.sig.ident) {
                    function.sig.ident = syn::Ident::new(&new, function.sig.ident.span());
                    Accesses {
                        old: &old,
                        new: &new,
                    }
                    .visit_block_mut(&mut function.block);
                } else {
                    StructExpressions { renames }.visit_block_mut(&mut function.block);
                }
            }
        }
        _ => {}
    }
}

/// The k-th use of each old name, in order.
struct Cursor<'r> {
    renames: &'r Renames,
    used: BTreeMap<String, usize>,
}

impl<'r> Cursor<'r> {
    fn new(renames: &'r Renames) -> Self {
        Self {
            renames,
            used: BTreeMap::new(),
        }
    }

    /// The new name of the next field named `ident`, if it changes.
    fn take(&mut self, ident: &syn::Ident) -> Option<String> {
        let old = ident.to_string();
        let news = self.renames.get(&old)?;
        let k = self.used.entry(old.clone()).or_default();
        let new = news.get(*k)?.clone();
        *k += 1;
        (new != old).then_some(new)
    }
}

/// In a struct expression (`Self { x1y: value.x1y?, .. }`), the k-th field named `x1y` and the
/// field it reads.
struct StructExpressions<'r> {
    renames: &'r Renames,
}

impl VisitMut for StructExpressions<'_> {
    fn visit_expr_struct_mut(&mut self, expression: &mut syn::ExprStruct) {
        let mut next = Cursor::new(self.renames);
        for field in expression.fields.iter_mut() {
            let Member::Named(ident) = &mut field.member else {
                continue;
            };
            let old = ident.to_string();
            if let Some(new) = next.take(ident) {
                *ident = syn::Ident::new(&new, ident.span());
                field.colon_token.get_or_insert_with(Default::default);
                Accesses {
                    old: &old,
                    new: &new,
                }
                .visit_expr_mut(&mut field.expr);
            }
        }
        syn::visit_mut::visit_expr_struct_mut(self, expression);
    }
}

/// Inside one renamed field's code: `value.x1y` and `self.x1y` read the new name, and the
/// messages that name the field name the new one.
struct Accesses<'n> {
    old: &'n str,
    new: &'n str,
}

impl VisitMut for Accesses<'_> {
    fn visit_expr_mut(&mut self, expression: &mut Expr) {
        if let Expr::Field(access) = expression {
            if let Member::Named(ident) = &mut access.member {
                if ident == self.old {
                    *ident = syn::Ident::new(self.new, ident.span());
                }
            }
        }
        syn::visit_mut::visit_expr_mut(self, expression);
    }

    fn visit_lit_str_mut(&mut self, literal: &mut syn::LitStr) {
        let text = literal.value();
        let old = format!("for {}", self.old);
        if let Some(rest) = text.strip_suffix(&old) {
            let text = format!("{rest}for {}", self.new);
            *literal = syn::LitStr::new(&text, literal.span());
        } else if text.contains(&format!("{old}:")) {
            let text = text.replacen(&format!("{old}:"), &format!("for {}:", self.new), 1);
            *literal = syn::LitStr::new(&text, literal.span());
        }
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        // `format!("error converting supplied value for x1y: {e}")`: its first argument.
        let Ok(mut arguments) = mac
            .parse_body_with(syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated)
        else {
            return;
        };
        for argument in arguments.iter_mut() {
            self.visit_expr_mut(argument);
        }
        mac.tokens = quote::ToTokens::to_token_stream(&arguments);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn generated(types: syn::File) -> crate::passes::Generated {
        crate::passes::Generated {
            types,
            client: parse_quote!(),
            mocks: parse_quote!(),
            server: parse_quote!(),
            cli: parse_quote!(),
        }
    }

    #[test]
    fn radar_buckets_get_a_field_each_with_their_builder() {
        // What typify writes for `{"<=1y": string, ">1y": string, "<1m": string?}`, cut short.
        let mut out = generated(parse_quote! {
            pub struct Ages {
                #[serde(rename = "<1m")]
                pub x1m: Option<String>,
                #[serde(rename = "<=1y")]
                pub x1y: String,
                #[serde(rename = ">1y")]
                pub x1y: String,
                pub other: String,
            }
            pub mod builder {
                pub struct AgesBuilder {
                    x1m: Result<Option<String>, String>,
                    x1y: Result<String, String>,
                    x1y: Result<String, String>,
                    other: Result<String, String>,
                }
                impl Default for AgesBuilder {
                    fn default() -> Self {
                        Self {
                            x1m: Ok(Default::default()),
                            x1y: Err("no value supplied for x1y".to_string()),
                            x1y: Err("no value supplied for x1y".to_string()),
                            other: Err("no value supplied for other".to_string()),
                        }
                    }
                }
                impl AgesBuilder {
                    pub fn x1y<T>(mut self, value: T) -> Self where T: TryInto<String> {
                        self.x1y = value
                            .try_into()
                            .map_err(|e| format!("error converting supplied value for x1y: {e}"));
                        self
                    }
                    pub fn x1y<T>(mut self, value: T) -> Self where T: TryInto<String> {
                        self.x1y = value.try_into().map_err(|e| format!("for x1y: {e}"));
                        self
                    }
                }
                impl TryFrom<AgesBuilder> for super::Ages {
                    fn try_from(value: AgesBuilder) -> Result<Self, String> {
                        Ok(Self { x1m: value.x1m?, x1y: value.x1y?, x1y: value.x1y?, other: value.other? })
                    }
                }
                impl From<super::Ages> for AgesBuilder {
                    fn from(value: super::Ages) -> Self {
                        Self { x1m: Ok(value.x1m), x1y: Ok(value.x1y), x1y: Ok(value.x1y), other: Ok(value.other) }
                    }
                }
            }
        });
        let model = crate::model::ApiModel::for_test(Vec::new());
        let paths = Paths::new(&crate::config::Config::default(), quote::quote!(::types));
        apply(&mut out, &model, &paths).unwrap();
        let has = |needle: &str| crate::syntax::has_tokens(&out.types, needle);
        assert!(has("pub lt_1m: Option<String>, #[serde(rename = \"<=1y\")] pub le_1y: String, #[serde(rename = \">1y\")] pub gt_1y: String, pub other: String"));
        assert!(has("lt_1m: Result<Option<String>, String>, le_1y: Result<String, String>, gt_1y: Result<String, String>, other:"));
        assert!(has("le_1y: Err(\"no value supplied for le_1y\".to_string()), gt_1y: Err(\"no value supplied for gt_1y\".to_string())"));
        assert!(has(
            "pub fn le_1y<T>(mut self, value: T) -> Self where T: TryInto<String>"
        ));
        assert!(has("self.le_1y = value.try_into()"));
        assert!(has(
            "format!(\"error converting supplied value for le_1y: {e}\")"
        ));
        assert!(has(
            "pub fn gt_1y<T>(mut self, value: T) -> Self where T: TryInto<String>"
        ));
        assert!(has(
            "self.gt_1y = value.try_into().map_err(|e| format!(\"for gt_1y: {e}\"));"
        ));
        assert!(has("Ok(Self { lt_1m: value.lt_1m?, le_1y: value.le_1y?, gt_1y: value.gt_1y?, other: value.other? })"));
        assert!(has("Self { lt_1m: Ok(value.lt_1m), le_1y: Ok(value.le_1y), gt_1y: Ok(value.gt_1y), other: Ok(value.other) }"));
        assert!(!has("x1y"));
    }

    #[test]
    fn other_collisions_number_the_later_fields() {
        let mut out = generated(parse_quote! {
            pub struct Pair {
                #[serde(rename = "a-b")]
                pub a_b: String,
                pub a_b: String,
            }
        });
        let model = crate::model::ApiModel::for_test(Vec::new());
        let paths = Paths::new(&crate::config::Config::default(), quote::quote!(::types));
        apply(&mut out, &model, &paths).unwrap();
        assert!(crate::syntax::has_tokens(
            &out.types,
            "#[serde(rename = \"a-b\")] pub a_b: String, pub a_b_2: String"
        ));
    }
}
