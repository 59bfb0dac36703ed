//! Operations compared: added, removed, and each one's parameters, request body and
//! responses.

use std::collections::BTreeMap;

use serde_json::Value;

use super::*;

impl Differ<'_> {
    pub(super) fn operations(&mut self) {
        let (old_ops, new_ops) = (operations(self.old), operations(self.new));
        for (id, (path, method, op)) in &old_ops {
            let at = pointer(["paths", path.as_str(), method.as_str()]);
            match new_ops.get(id) {
                None => self.push(
                    Class::Breaking,
                    Impact::operation(Bump::Major, Bump::Major),
                    at,
                    format!("operation `{id}` removed"),
                ),
                Some((new_path, new_method, new_op)) => {
                    let new_at = pointer(["paths", new_path.as_str(), new_method.as_str()]);
                    if (path, method) != (new_path, new_method) {
                        // The client's method and the server's trait keep their names and
                        // signatures: only the URL changes.
                        self.push(
                            Class::Breaking,
                            Impact::NONE,
                            new_at.clone(),
                            format!(
                                "operation `{id}` moved from {} {path} to {} {new_path}",
                                method.to_uppercase(),
                                new_method.to_uppercase()
                            ),
                        );
                    }
                    self.operation(id, op, new_op, &new_at);
                }
            }
        }
        for (id, (path, method, op)) in &new_ops {
            if !old_ops.contains_key(id) {
                let at = pointer(["paths", path.as_str(), method.as_str()]);
                // A new client method and builder; a new trait method with a default.
                self.push(
                    Class::Additive,
                    Impact::operation(Bump::Minor, Bump::Minor),
                    at.clone(),
                    format!("operation `{id}` added"),
                );
                // One that comes deprecated is reported as such: its users are told to move
                // off it from the start.
                self.deprecation(&Value::Null, op, &at, &format!("operation `{id}`"));
            }
        }
    }

    pub(super) fn operation(&mut self, id: &str, old: &Value, new: &Value, at: &str) {
        self.docs(old, new, at);
        self.deprecation(old, new, at, &format!("operation `{id}`"));
        self.parameters(id, old, new, at);
        self.request_body(id, old, new, at);
        self.responses(id, old, new, at);
    }

    /// Parameters, matched by location and name.
    pub(super) fn parameters(&mut self, id: &str, old: &Value, new: &Value, at: &str) {
        let params = |root: &Value, op: &Value| -> BTreeMap<(String, String), Value> {
            op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| deref(root, p).clone())
                .map(|p| ((text(&p["in"]), text(&p["name"])), p))
                .collect()
        };
        let (old_params, new_params) = (params(self.old, old), params(self.new, new));
        for ((location, name), p) in &old_params {
            let here = format!("{at}/parameters/{location}:{name}");
            let required = p.get("required") == Some(&Value::Bool(true));
            match new_params.get(&(location.clone(), name.clone())) {
                None => self.push(
                    Class::Breaking,
                    Impact::operation(Bump::Major, Bump::Major),
                    here,
                    format!("{location} parameter `{name}` of `{id}` removed"),
                ),
                Some(q) => {
                    let now_required = q.get("required") == Some(&Value::Bool(true));
                    if !required && now_required {
                        // The server's field goes from `Option<T>` to `T`.
                        self.push(
                            Class::Breaking,
                            Impact::operation(Bump::Patch, Bump::Major),
                            here.clone(),
                            format!("{location} parameter `{name}` made required"),
                        );
                    } else if required && !now_required {
                        self.push(
                            Class::Additive,
                            Impact::operation(Bump::Patch, Bump::Major),
                            here.clone(),
                            format!("{location} parameter `{name}` made optional"),
                        );
                    }
                    self.docs(p, q, &here);
                    self.deprecation(
                        p,
                        q,
                        &here,
                        &format!("{location} parameter `{name}` of `{id}`"),
                    );
                    let (s, t) = (
                        p.get("schema").cloned().unwrap_or_default(),
                        q.get("schema").cloned().unwrap_or_default(),
                    );
                    self.operation_schema(
                        &s,
                        &t,
                        &format!("{here}/schema"),
                        Usage {
                            request: true,
                            response: false,
                        },
                    );
                }
            }
        }
        for ((location, name), q) in &new_params {
            if !old_params.contains_key(&(location.clone(), name.clone())) {
                let here = format!("{at}/parameters/{location}:{name}");
                if q.get("required") == Some(&Value::Bool(true)) {
                    // A new builder setter; a path parameter is a new argument of the
                    // server's method, a query parameter a new field of its query struct.
                    let server = if location == "path" {
                        Bump::Major
                    } else {
                        Bump::Minor
                    };
                    self.push(
                        Class::Breaking,
                        Impact::operation(Bump::Minor, server),
                        here,
                        format!("required {location} parameter `{name}` added to `{id}`"),
                    );
                } else {
                    self.push(
                        Class::Additive,
                        Impact::operation(Bump::Minor, Bump::Minor),
                        here,
                        format!("optional {location} parameter `{name}` added to `{id}`"),
                    );
                }
            }
        }
    }

    /// The JSON request body's schema.
    pub(super) fn request_body(&mut self, id: &str, old: &Value, new: &Value, at: &str) {
        let body_schema = |root: &Value, op: &Value| {
            op.get("requestBody").map(|b| {
                deref(root, b)
                    .pointer("/content/application~1json/schema")
                    .cloned()
                    .unwrap_or_default()
            })
        };
        match (body_schema(self.old, old), body_schema(self.new, new)) {
            (None, None) => {}
            (Some(_), None) => self.push(
                Class::Breaking,
                Impact::operation(Bump::Major, Bump::Major),
                format!("{at}/requestBody"),
                format!("request body of `{id}` removed"),
            ),
            (None, Some(_)) => self.push(
                Class::Breaking,
                Impact::operation(Bump::Minor, Bump::Major),
                format!("{at}/requestBody"),
                format!("request body added to `{id}`"),
            ),
            (Some(s), Some(t)) => self.operation_schema(
                &s,
                &t,
                &format!("{at}/requestBody"),
                Usage {
                    request: true,
                    response: false,
                },
            ),
        }
    }

    /// Compares an operation's own schema (a parameter's, the body's, a response's): a change
    /// there is the client's and the server's.
    fn operation_schema(&mut self, old: &Value, new: &Value, at: &str, usage: Usage) {
        let outer = std::mem::replace(&mut self.scope, Scope::Operation);
        self.schema(old, new, at, usage);
        self.scope = outer;
    }

    /// Responses, matched by status.
    pub(super) fn responses(&mut self, id: &str, old: &Value, new: &Value, at: &str) {
        let responses = |op: &Value| -> BTreeMap<String, Value> {
            op.get("responses")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default()
        };
        let (old_r, new_r) = (responses(old), responses(new));
        for (status, r) in &old_r {
            let here = format!("{at}/responses/{status}");
            match new_r.get(status) {
                None if status.starts_with('2') => self.push(
                    Class::Breaking,
                    Impact::operation(Bump::Major, Bump::Major),
                    here,
                    format!("success response {status} of `{id}` removed"),
                ),
                None => self.push(
                    Class::Documentation,
                    Impact::NONE,
                    here,
                    format!("error status {status} no longer declared for `{id}`"),
                ),
                Some(q) => {
                    let (r, q) = (deref(self.old, r).clone(), deref(self.new, q).clone());
                    self.docs(&r, &q, &here);
                    let media = |v: &Value| {
                        v.get("content")
                            .and_then(Value::as_object)
                            .map(|c| c.keys().cloned().collect::<Vec<_>>())
                            .unwrap_or_default()
                    };
                    if media(&r) != media(&q) {
                        self.push(
                            Class::Breaking,
                            Impact::operation(Bump::Major, Bump::Major),
                            here.clone(),
                            format!(
                                "media type of response {status} changed from {:?} to {:?}",
                                media(&r),
                                media(&q)
                            ),
                        );
                    }
                    let first = |v: &Value| {
                        v.get("content")
                            .and_then(Value::as_object)
                            .and_then(|c| c.values().next())
                            .and_then(|m| m.get("schema"))
                            .cloned()
                            .unwrap_or_default()
                    };
                    self.operation_schema(
                        &first(&r),
                        &first(&q),
                        &format!("{here}/schema"),
                        Usage {
                            request: false,
                            response: true,
                        },
                    );
                }
            }
        }
        for status in new_r.keys() {
            if !old_r.contains_key(status) {
                // A second success type changes what `send()` returns; an error status only
                // adds a case the client's error and the server's `ApiError` already cover.
                let (class, impact) = if status.starts_with('2') {
                    (Class::Breaking, Impact::operation(Bump::Major, Bump::Major))
                } else {
                    (Class::Additive, Impact::NONE)
                };
                self.push(
                    class,
                    impact,
                    format!("{at}/responses/{status}"),
                    format!("response {status} added to `{id}`"),
                );
            }
        }
    }
}
