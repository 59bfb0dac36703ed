//! The slot catalogue: the physical ports an emulated account can claim.

use std::path::Path;

use serde::Deserialize;
use uuid::Uuid;

/// The catalogue shipped with the emulator (`seed/slots.json`).
pub const DEFAULT_SLOTS: &str = include_str!("../seed/slots.json");

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SlotSeed {
    pub id: Uuid,
    pub site: String,
    pub speed: String,
    pub facility: FacilitySeed,
    /// The Cloudflare router the port is on; null or absent when unknown.
    #[serde(default)]
    pub ccr_device_name: Option<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FacilitySeed {
    pub name: String,
    pub address: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedFile {
    slots: Vec<SlotSeed>,
}

/// Why a catalogue could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read the slot catalogue {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the slot catalogue {path} is not valid: {source} (expected {{\"slots\": [{{\"id\", \"site\", \"speed\", \"facility\": {{\"name\", \"address\"}}, \"ccr_device_name\"?}}]}})")]
    Parse {
        path: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("the slot catalogue {path} lists slot {id} twice")]
    Duplicate { path: String, id: Uuid },
}

/// Parses a catalogue; `path` names it in errors.
pub fn parse_slots(text: &str, path: &str) -> Result<Vec<SlotSeed>, SeedError> {
    let file: SeedFile = serde_json::from_str(text).map_err(|source| SeedError::Parse {
        path: path.to_string(),
        source,
    })?;
    let mut seen = std::collections::HashSet::new();
    for slot in &file.slots {
        if !seen.insert(slot.id) {
            return Err(SeedError::Duplicate {
                path: path.to_string(),
                id: slot.id,
            });
        }
    }
    Ok(file.slots)
}

/// Loads the catalogue at `path`, or the shipped one.
pub fn load_slots(path: Option<&Path>) -> Result<Vec<SlotSeed>, SeedError> {
    match path {
        None => parse_slots(DEFAULT_SLOTS, "seed/slots.json"),
        Some(path) => {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
                path: shown.clone(),
                source,
            })?;
            parse_slots(&text, &shown)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_loads() {
        let slots = load_slots(None).unwrap();
        assert!(slots.len() >= 20);
    }

    #[test]
    fn a_bad_catalogue_is_a_clear_error() {
        let err = parse_slots("{\"slots\": [{\"id\": \"nope\"}]}", "mine.json").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the slot catalogue mine.json is not valid"),
            "{err}"
        );
        let id = Uuid::nil();
        let slot = format!("{{\"id\": \"{id}\", \"site\": \"X\", \"speed\": \"1G\", \"facility\": {{\"name\": \"f\", \"address\": []}}}}");
        let err = parse_slots(&format!("{{\"slots\": [{slot}, {slot}]}}"), "dup.json").unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
    }
}
