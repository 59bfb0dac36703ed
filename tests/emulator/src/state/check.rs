//! The one judgement of a state document: is it a state the API could have made? Used by
//! `--state` loading and `PUT /__emulator/state` alike (both go through
//! [`Emulator::restore`](crate::Emulator::restore)), so nothing the control plane accepts can
//! make a state the emulator would later refuse to load.
//!
//! Each object is held to the spec's rules (the validation crate: CIDRs, `cust_ip` inside
//! `p2p_ip`, the MD5-key characters, bounds, known kinds and states) and to what the emulator
//! itself guarantees: links are /31s of the link pool and never shared, conduit names, CNI ids
//! and interconnect names are unique, an object's `account` is the account it sits in, direct
//! interconnects hold catalogue slots one each, and the counters are ahead of every sequence
//! number and name they issued.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use cloudflare_cni_server::types::{Interconnect, Settings};
use cloudflare_cni_server::MAX_BODY_DEPTH;
use cloudflare_cni_validate::{Validate, ValidationErrors};
use ipnet::Ipv4Net;
use uuid::Uuid;

use super::{AccountState, StateFile, STATE_VERSION};
use crate::seed::SlotSeed;

/// Ten years in seconds: the longest delay or age a state may hold (`Duration` and the
/// emulator's clock hold far more; a larger number is a mistake, not a wish).
pub const MAX_SECONDS: f64 = 315_360_000.0;

/// How many problems an error names; the rest are counted.
const NAMED: usize = 10;

/// What the emulator a state is loaded into brings: its link pool and slot catalogue.
pub struct Catalogue<'a> {
    pub link_pool: Ipv4Net,
    pub slots: &'a [SlotSeed],
}

/// One broken rule, at the JSON pointer of the value that breaks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub pointer: String,
    pub message: String,
}

/// Every problem found, in document order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().take(NAMED).enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", problem.pointer, problem.message)?;
        }
        if self.0.len() > NAMED {
            write!(f, "; and {} more", self.0.len() - NAMED)?;
        }
        Ok(())
    }
}

/// A JSON pointer segment (RFC 6901).
fn segment(text: &str) -> String {
    text.replace('~', "~0").replace('/', "~1")
}

/// The /31 link `p2p_ip` names, inside `pool`; what is wrong otherwise. Also the rule the
/// API's PUT applies: the emulator never hands out, nor takes, another link.
pub fn link_in_pool(p2p_ip: &str, pool: &Ipv4Net) -> Result<Ipv4Net, String> {
    let link: Ipv4Net = p2p_ip
        .parse()
        .map_err(|_| format!("{p2p_ip:?} is not an IPv4 address with a prefix length"))?;
    if link.prefix_len() != 31 {
        return Err(format!(
            "{p2p_ip} is a /{}: a CNI link is a /31",
            link.prefix_len()
        ));
    }
    if !pool.contains(&link) {
        return Err(format!(
            "{p2p_ip} is outside the emulator's link pool {pool}"
        ));
    }
    Ok(link.trunc())
}

/// The serial a generated interconnect name ends with (`…-direct-3`, `gcp-…-3`).
pub fn name_serial(name: &str) -> Option<u32> {
    let (_, digits) = name.rsplit_once('-')?;
    digits.parse().ok()
}

/// How many levels `value` nests (a scalar is 0, `{}` 1), without recursion.
fn nesting(value: &serde_json::Value) -> usize {
    let mut deepest = 0;
    let mut open = vec![(value, 1)];
    while let Some((value, level)) = open.pop() {
        let children: Box<dyn Iterator<Item = &serde_json::Value>> = match value {
            serde_json::Value::Array(items) => Box::new(items.iter()),
            serde_json::Value::Object(fields) => Box::new(fields.values()),
            _ => continue,
        };
        deepest = deepest.max(level);
        open.extend(children.map(|child| (child, level + 1)));
    }
    deepest
}

struct Checker<'a> {
    catalogue: &'a Catalogue<'a>,
    problems: Vec<Problem>,
    /// Slot id → the pointer of the interconnect holding it, across accounts.
    slot_holders: BTreeMap<Uuid, String>,
}

impl Checker<'_> {
    fn refuse(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            pointer: pointer.into(),
            message: message.into(),
        });
    }

    fn rules(&mut self, at: &str, errors: Result<(), ValidationErrors>) {
        if let Err(errors) = errors {
            for violation in errors.violations {
                self.refuse(format!("{at}{}", violation.pointer), violation.message);
            }
        }
    }

    /// The API refuses a body nesting deeper than the server's bound, so a stored object
    /// (whose unknown fields came from a body) never does: one rule for bodies and the state,
    /// which keeps every state the emulator writes readable again.
    fn depth(&mut self, at: &str, object: &impl serde::Serialize) {
        let Ok(value) = serde_json::to_value(object) else {
            return self.refuse(at, "the object cannot be written as JSON");
        };
        let depth = nesting(&value);
        if depth > MAX_BODY_DEPTH {
            self.refuse(
                at,
                format!("the object nests {depth} levels deep, more than the API accepts ({MAX_BODY_DEPTH})"),
            );
        }
    }

    fn seconds(&mut self, at: String, value: f64) {
        if !(value.is_finite() && (0.0..=MAX_SECONDS).contains(&value)) {
            self.refuse(
                at,
                format!("{value} is not a number of seconds from 0 to {MAX_SECONDS}"),
            );
        }
    }

    fn account(&mut self, id: &str, account: &AccountState) {
        let at = format!("/accounts/{}", segment(id));
        if id.is_empty() || id.contains('/') {
            self.refuse(
                at.clone(),
                format!("{id:?} is not an account id the API's paths can name"),
            );
        }
        if let Some(asn) = account.default_asn {
            let settings = Settings::builder().default_asn(asn).try_into();
            match settings {
                Ok(settings) => {
                    let settings: Settings = settings;
                    self.rules(&at, settings.validate());
                }
                Err(e) => self.refuse(format!("{at}/default_asn"), e.to_string()),
            }
        }
        let mut seqs = BTreeSet::new();
        let mut names = BTreeSet::new();
        for (i, stored) in account.interconnects.iter().enumerate() {
            let here = format!("{at}/interconnects/{i}");
            self.sequence(&here, stored.seq, account.last_seq, &mut seqs);
            self.seconds(format!("{here}/age_seconds"), stored.age_seconds);
            if let Some(status) = &stored.pinned_status {
                self.rules(&format!("{here}/pinned_status"), status.validate());
                self.depth(&format!("{here}/pinned_status"), status);
            }
            self.depth(&format!("{here}/interconnect"), &stored.interconnect);
            self.interconnect(&format!("{here}/interconnect"), id, &stored.interconnect);
            let name = crate::interconnect_name(&stored.interconnect);
            if !name.is_empty() && !names.insert(name.to_string()) {
                self.refuse(
                    format!("{here}/interconnect/name"),
                    format!("interconnect {name:?} appears twice in the account"),
                );
            }
            if let Some(serial) = name_serial(name).filter(|s| *s > account.next_name) {
                self.refuse(
                    format!("{at}/next_name"),
                    format!(
                        "next_name {} is behind the serial {serial} of interconnect {name:?}: the next create would reuse a name",
                        account.next_name
                    ),
                );
            }
        }
        let mut ids = BTreeSet::new();
        let mut conduits = BTreeMap::new();
        let mut links = BTreeMap::new();
        for (i, stored) in account.cnis.iter().enumerate() {
            let here = format!("{at}/cnis/{i}");
            self.sequence(&here, stored.seq, account.last_seq, &mut seqs);
            let cni = &stored.cni;
            let here = format!("{here}/cni");
            self.rules(&here, cni.validate());
            self.depth(&here, cni);
            if cni.account != id {
                self.refuse(
                    format!("{here}/account"),
                    format!("{:?} is not the account it sits in, {id:?}", cni.account),
                );
            }
            if !ids.insert(cni.id) {
                self.refuse(
                    format!("{here}/id"),
                    format!("CNI {} appears twice", cni.id),
                );
            }
            if !names.contains(&cni.interconnect) {
                self.refuse(
                    format!("{here}/interconnect"),
                    format!("no interconnect {:?} in the account", cni.interconnect),
                );
            }
            let conduit = &cni.magic.conduit_name;
            if let Some(first) = conduits.insert(conduit.clone(), cni.id) {
                self.refuse(
                    format!("{here}/magic/conduit_name"),
                    format!("CNI {first} already uses conduit_name {conduit:?}"),
                );
            }
            match link_in_pool(&cni.p2p_ip, &self.catalogue.link_pool) {
                Ok(link) => {
                    if let Some(first) = links.insert(link, cni.id) {
                        self.refuse(
                            format!("{here}/p2p_ip"),
                            format!("the link {link} is CNI {first}'s too"),
                        );
                    }
                }
                Err(why) => self.refuse(format!("{here}/p2p_ip"), why),
            }
        }
    }

    fn sequence(&mut self, at: &str, seq: u64, last_seq: u64, seen: &mut BTreeSet<u64>) {
        if seq == 0 || seq > last_seq {
            self.refuse(
                format!("{at}/seq"),
                format!("seq {seq} is not from 1 to the account's last_seq {last_seq}"),
            );
        } else if !seen.insert(seq) {
            self.refuse(format!("{at}/seq"), format!("seq {seq} appears twice"));
        }
    }

    fn interconnect(&mut self, at: &str, account: &str, interconnect: &Interconnect) {
        self.rules(at, interconnect.validate());
        let (holder, slot) = match interconnect {
            Interconnect::Direct(p) => (&p.account, Some(p.slot_id)),
            Interconnect::GcpPartner(g) => (&g.account, None),
            // Validation has named the unknown kind.
            _ => return,
        };
        if holder != account {
            self.refuse(
                format!("{at}/account"),
                format!("{holder:?} is not the account it sits in, {account:?}"),
            );
        }
        let Some(slot) = slot else { return };
        if !self.catalogue.slots.iter().any(|s| s.id == slot) {
            self.refuse(
                format!("{at}/slot_id"),
                format!("slot {slot} is not in the emulator's slot catalogue"),
            );
        } else if let Some(first) = self.slot_holders.insert(slot, at.to_string()) {
            self.refuse(
                format!("{at}/slot_id"),
                format!("slot {slot} is held by {first} too"),
            );
        }
    }
}

impl StateFile {
    /// Every way this state differs from one the API could have made on an emulator with
    /// `catalogue`; empty when it could have.
    pub fn problems(&self, catalogue: &Catalogue<'_>) -> Vec<Problem> {
        let mut checker = Checker {
            catalogue,
            problems: Vec::new(),
            slot_holders: BTreeMap::new(),
        };
        if self.version == 0 || self.version > STATE_VERSION {
            checker.refuse(
                "/version",
                format!("{} is not a version this emulator writes", self.version),
            );
        }
        checker.seconds(
            "/status_delay_seconds".to_string(),
            self.status_delay_seconds,
        );
        for (id, account) in &self.accounts {
            checker.account(id, account);
        }
        checker.problems
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::{json, Value};

    use super::*;

    /// A state the API could have made: account `a` with a direct interconnect on the
    /// catalogue's first slot and a CNI on it.
    fn valid(slot: Uuid) -> Value {
        json!({
            "format": "cloudflare-cni-emulator-state", "version": 1,
            "lifecycle": "automatic", "status_delay_seconds": 5.0,
            "accounts": {"a": {
                "default_asn": 65001, "last_seq": 2, "next_name": 1,
                "interconnects": [{"seq": 1, "age_seconds": 12.5, "interconnect": {
                    "type": "direct", "account": "a", "name": "ams01-direct-1",
                    "facility": {"name": "F", "address": ["1 Street"]}, "site": "AMS01",
                    "slot_id": slot, "speed": "10G",
                    "virtual_port_reservation_id": "9a0e1f6c-8f3a-4a47-9a59-3b0f7d1c2e11"}}],
                "cnis": [{"seq": 2, "cni": {
                    "id": "3f6d2f5e-1f0b-4c36-9e7f-2e1f4c8e0a11", "account": "a",
                    "interconnect": "ams01-direct-1",
                    "p2p_ip": "100.64.0.0/31", "cust_ip": "100.64.0.1/31",
                    "magic": {"conduit_name": "c1", "description": "d", "mtu": 1500},
                    "bgp": {"customer_asn": 65010, "extra_prefixes": [], "md5_key": "k"}}}]
            }}
        })
    }

    fn problems_of(state: &Value, slots: &[SlotSeed]) -> Vec<Problem> {
        let text = state.to_string();
        let state = StateFile::parse(&text, Path::new("state.json")).unwrap();
        let catalogue = Catalogue {
            link_pool: "100.64.0.0/16".parse().unwrap(),
            slots,
        };
        state.problems(&catalogue)
    }

    /// A second CNI on the same interconnect, at `p2p_ip`.
    fn second_cni(state: &mut Value, p2p_ip: &str, cust_ip: &str, conduit: &str) {
        let account = &mut state["accounts"]["a"];
        account["last_seq"] = json!(3);
        let mut cni = account["cnis"][0].clone();
        cni["seq"] = json!(3);
        cni["cni"]["id"] = json!("5b1c0f0e-2a4d-4f6e-8e0a-7c9d1b2a3f44");
        cni["cni"]["p2p_ip"] = json!(p2p_ip);
        cni["cni"]["cust_ip"] = json!(cust_ip);
        cni["cni"]["magic"]["conduit_name"] = json!(conduit);
        account["cnis"].as_array_mut().unwrap().push(cni);
    }

    /// Each finding of the reliability probe: the state the control plane accepted, and
    /// where the check now points.
    #[test]
    fn states_the_api_could_not_have_made_are_named_by_pointer() {
        let slots = crate::seed::load_slots(None).unwrap();
        let slot = slots[0].id;
        assert_eq!(problems_of(&valid(slot), &slots), vec![]);
        let cni = "/accounts/a/cnis/0/cni";
        type Edit = Box<dyn Fn(&mut Value)>;
        let set = |pointer: &'static str, value: Value| -> Edit {
            Box::new(move |state: &mut Value| {
                // The last key is added when absent (`pinned_status`).
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                let parent = state.pointer_mut(parent).unwrap();
                parent
                    .as_object_mut()
                    .unwrap()
                    .insert(key.to_string(), value.clone());
            })
        };
        let cases: Vec<(Edit, String, &str)> = vec![
            (
                set("/accounts/a/cnis/0/cni/p2p_ip", json!("hello")),
                format!("{cni}/p2p_ip"),
                "not an IPv4 address",
            ),
            (
                set("/accounts/a/cnis/0/cni/p2p_ip", json!("300.1.1.1/31")),
                format!("{cni}/p2p_ip"),
                "300.1.1.1/31",
            ),
            (
                set("/accounts/a/cnis/0/cni/cust_ip", json!("100.64.9.1/31")),
                format!("{cni}/cust_ip"),
                "",
            ),
            (
                set("/accounts/a/default_asn", json!(-5)),
                "/accounts/a/default_asn".into(),
                "",
            ),
            (
                set("/accounts/a/cnis/0/cni/bgp/md5_key", json!("a?b")),
                format!("{cni}/bgp/md5_key"),
                "",
            ),
            (
                set("/accounts/a/cnis/0/cni/account", json!("b")),
                format!("{cni}/account"),
                "not the account it sits in",
            ),
            (
                set(
                    "/accounts/a/interconnects/0/interconnect/account",
                    json!("b"),
                ),
                "/accounts/a/interconnects/0/interconnect/account".into(),
                "not the account",
            ),
            (
                set(
                    "/accounts/a/interconnects/0/pinned_status",
                    json!({"state": "Weird"}),
                ),
                "/accounts/a/interconnects/0/pinned_status/state".into(),
                "unknown state \"Weird\"",
            ),
            (
                set("/version", json!(0)),
                "/version".into(),
                "0 is not a version",
            ),
            (
                set("/accounts/a/interconnects/0/age_seconds", json!(1e308)),
                "/accounts/a/interconnects/0/age_seconds".into(),
                "not a number of seconds",
            ),
            (
                set("/status_delay_seconds", json!(1e300)),
                "/status_delay_seconds".into(),
                "",
            ),
            (
                set("/accounts/a/next_name", json!(0)),
                "/accounts/a/next_name".into(),
                "behind the serial 1",
            ),
            (
                set(
                    "/accounts/a/interconnects/0/interconnect/slot_id",
                    json!(Uuid::nil()),
                ),
                "/accounts/a/interconnects/0/interconnect/slot_id".into(),
                "not in the emulator's slot catalogue",
            ),
            (
                set("/accounts/a/cnis/0/seq", json!(7)),
                "/accounts/a/cnis/0/seq".into(),
                "last_seq 2",
            ),
            (
                set("/accounts/a/cnis/0/cni/interconnect", json!("elsewhere")),
                format!("{cni}/interconnect"),
                "no interconnect",
            ),
            (
                Box::new(|state: &mut Value| {
                    second_cni(state, "100.64.0.0/31", "100.64.0.1/31", "c2")
                }),
                "/accounts/a/cnis/1/cni/p2p_ip".into(),
                "is CNI 3f6d2f5e-1f0b-4c36-9e7f-2e1f4c8e0a11's too",
            ),
            (
                Box::new(|state: &mut Value| {
                    second_cni(state, "100.64.0.0/30", "100.64.0.1/30", "c2")
                }),
                "/accounts/a/cnis/1/cni/p2p_ip".into(),
                "a CNI link is a /31",
            ),
            (
                Box::new(|state: &mut Value| {
                    second_cni(state, "100.64.0.2/31", "100.64.0.3/31", "c1")
                }),
                "/accounts/a/cnis/1/cni/magic/conduit_name".into(),
                "already uses conduit_name \"c1\"",
            ),
        ];
        let links = [
            "0.0.0.0/0",
            "100.64.0.0/24",
            "127.0.0.0/31",
            "224.0.0.0/31",
            "255.255.255.254/31",
        ];
        let links = links.iter().map(|link| -> (Edit, String, &str) {
            let net: Ipv4Net = link.parse().unwrap();
            let p2p_ip = link.to_string();
            let cust_ip = format!(
                "{}/{}",
                std::net::Ipv4Addr::from(u32::from(net.network()) + 1),
                net.prefix_len()
            );
            let edit = move |state: &mut Value| {
                let cni = &mut state["accounts"]["a"]["cnis"][0]["cni"];
                cni["p2p_ip"] = json!(p2p_ip);
                cni["cust_ip"] = json!(cust_ip);
            };
            (Box::new(edit), format!("{cni}/p2p_ip"), "")
        });
        for (i, (edit, pointer, message)) in cases.into_iter().chain(links).enumerate() {
            let mut state = valid(slot);
            edit(&mut state);
            let problems = problems_of(&state, &slots);
            assert!(
                problems
                    .iter()
                    .any(|p| p.pointer == pointer && p.message.contains(message)),
                "case {i}: expected {pointer}: …{message}…, found {problems:?}"
            );
        }
        // Account ids the API's paths cannot name.
        for id in ["", "a/b"] {
            let mut state = valid(slot);
            let account = state["accounts"]["a"].take();
            state["accounts"] = json!({ id: account });
            let problems = problems_of(&state, &slots);
            let pointer = format!("/accounts/{}", segment(id));
            assert!(
                problems.iter().any(|p| p.pointer == pointer),
                "{id:?}: {problems:?}"
            );
        }
    }

    #[test]
    fn links_are_slash_31s_of_the_pool() {
        let pool: Ipv4Net = "100.64.0.0/16".parse().unwrap();
        assert_eq!(
            link_in_pool("100.64.3.4/31", &pool).unwrap().to_string(),
            "100.64.3.4/31"
        );
        assert!(
            link_in_pool("100.64.3.5/31", &pool).is_ok(),
            "either end names the link"
        );
        assert!(link_in_pool("100.64.3.4/30", &pool)
            .unwrap_err()
            .contains("/30"));
        assert!(link_in_pool("10.0.0.0/31", &pool)
            .unwrap_err()
            .contains("outside"));
        assert_eq!(name_serial("ams01-direct-12"), Some(12));
        assert_eq!(name_serial("gcp-us-central1-3"), Some(3));
        assert_eq!(name_serial("mine"), None);
    }
}
