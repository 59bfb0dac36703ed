//! Checks on `servers` and `security`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::*;

impl<'a> Linter<'a> {
    pub(super) fn servers(&mut self) {
        let url = self
            .root
            .pointer("/servers/0/url")
            .and_then(Value::as_str)
            .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
        if url.is_none() {
            self.report(
                "/servers",
                "the spec needs a `servers` entry with an absolute http(s) URL: it is the \
                 client's default base URL",
            );
        }
    }

    pub(super) fn declared_security_schemes(&self) -> BTreeSet<&'a str> {
        self.root
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    pub(super) fn security(&mut self, requirements: &'a Value, at: String) {
        let declared = self.declared_security_schemes();
        for (i, requirement) in requirements.as_array().into_iter().flatten().enumerate() {
            for name in requirement.as_object().into_iter().flat_map(|m| m.keys()) {
                if !declared.contains(name.as_str()) {
                    self.report(
                        format!("{at}/{i}{}", pointer([name])),
                        format!("security requirement names `{name}`, which is not declared in components.securitySchemes"),
                    );
                }
            }
        }
    }
}
