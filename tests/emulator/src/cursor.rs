//! Keyset cursors for the listings. Objects get a sequence number when created, listings run
//! in that order, and a page's `next` stands for the last sequence number it returned: the next
//! page starts after it. Objects created or deleted between pages therefore never make a walk
//! skip or repeat an untouched object (an offset would).
//!
//! The API's cursor is an int32, packed as `handle << 10 | check << 2 | listing`: `listing`
//! tells the three listings apart (a cursor from another listing answers 400), `check` is 8
//! bits of the account id's hash (another account's cursor answers 400, but for a 1-in-256
//! chance). For the slot catalogue, fixed at start, `handle` is the sequence number itself.
//! For CNIs and interconnects it is an entry of the account's [`Cursors`] table, which holds the
//! sequence number: sequence numbers are `u64`s, so an account can create objects for ever and
//! hold as many as it likes, and every one stays reachable. The table keeps the last
//! [`KEPT`] cursors an account was given; an older one answers 400 like one never issued.

use std::collections::{HashMap, VecDeque};

use cloudflare_cni_server::ApiError;

/// The largest handle a cursor can carry.
pub const MAX_HANDLE: u64 = (1 << 21) - 1;

/// How many cursors an account's table keeps: a walk holds one at a time, so this is how many
/// pages may be read, across the account's walks, before a cursor handed out earlier expires.
pub const KEPT: usize = 1 << 16;

/// The three paginated listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Listing {
    Cnis = 1,
    Interconnects = 2,
    Slots = 3,
}

fn account_check(account: &str) -> u32 {
    // FNV-1a: stable across runs and platforms, unlike std's RandomState.
    let hash = account.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    hash & 0xff
}

fn pack(listing: Listing, account: &str, handle: u64) -> Option<i32> {
    (1..=MAX_HANDLE).contains(&handle).then(|| {
        let packed = (handle << 10) | u64::from(account_check(account) << 2) | listing as u64;
        i32::try_from(packed).unwrap_or(i32::MAX)
    })
}

/// The handle a `cursor` of `listing` for `account` carries; 400 pointing at `cursor` when it
/// is not one.
fn unpack(listing: Listing, account: &str, cursor: i32) -> Result<u64, ApiError> {
    let Ok(packed) = u32::try_from(cursor) else {
        return Err(refuse(cursor, "cursors are never negative"));
    };
    if packed & 0b11 != listing as u32 {
        return Err(refuse(cursor, "it belongs to another listing"));
    }
    if (packed >> 2) & 0xff != account_check(account) {
        return Err(refuse(cursor, "it belongs to another account"));
    }
    Ok(u64::from(packed >> 10))
}

fn refuse(cursor: i32, why: &str) -> ApiError {
    ApiError::bad_request(format!("invalid cursor {cursor}: {why}")).at("cursor")
}

const NEVER_ISSUED: &str = "it was never issued, or has expired (stale or made up)";

/// The cursor that continues the slot catalogue after slot number `seq` (from 1).
pub fn encode_slot(account: &str, seq: u64) -> Option<i32> {
    pack(Listing::Slots, account, seq)
}

/// The slot number a catalogue cursor continues after; `issued` is the catalogue's size.
pub fn decode_slot(account: &str, cursor: i32, issued: u64) -> Result<u64, ApiError> {
    let seq = unpack(Listing::Slots, account, cursor)?;
    if seq == 0 || seq > issued {
        return Err(refuse(cursor, NEVER_ISSUED));
    }
    Ok(seq)
}

/// An account's cursors for its CNIs and interconnects: handle ↔ (listing, sequence number).
#[derive(Debug, Default)]
pub struct Cursors {
    by_handle: HashMap<u64, (Listing, u64)>,
    by_place: HashMap<(Listing, u64), u64>,
    /// Handles in the order they were given, the oldest first.
    order: VecDeque<u64>,
    last_handle: u64,
}

impl Cursors {
    /// The cursor that continues `listing` after sequence number `seq`: the same one for the
    /// same place while it is kept.
    pub fn issue(&mut self, listing: Listing, account: &str, seq: u64) -> Option<i32> {
        let handle = match self.by_place.get(&(listing, seq)) {
            Some(handle) => *handle,
            None => {
                if self.order.len() >= KEPT {
                    if let Some(oldest) = self.order.pop_front() {
                        if let Some(place) = self.by_handle.remove(&oldest) {
                            self.by_place.remove(&place);
                        }
                    }
                }
                // Handles go round the handle space; those in use are the last `KEPT` given,
                // far fewer than the space holds, so the next one is free.
                self.last_handle = if self.last_handle >= MAX_HANDLE {
                    1
                } else {
                    self.last_handle + 1
                };
                let handle = self.last_handle;
                self.by_handle.insert(handle, (listing, seq));
                self.by_place.insert((listing, seq), handle);
                self.order.push_back(handle);
                handle
            }
        };
        pack(listing, account, handle)
    }

    /// The sequence number a `cursor` continues after.
    pub fn resolve(&self, listing: Listing, account: &str, cursor: i32) -> Result<u64, ApiError> {
        let handle = unpack(listing, account, cursor)?;
        match self.by_handle.get(&handle) {
            Some((issued_for, seq)) if *issued_for == listing => Ok(*seq),
            _ => Err(refuse(cursor, NEVER_ISSUED)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_what_they_did_not_issue() {
        let mut cursors = Cursors::default();
        let cursor = cursors.issue(Listing::Cnis, "acc", 42).unwrap();
        assert!(cursor > 0);
        assert_eq!(
            cursors.issue(Listing::Cnis, "acc", 42),
            Some(cursor),
            "stable"
        );
        assert_eq!(cursors.resolve(Listing::Cnis, "acc", cursor).unwrap(), 42);
        assert!(cursors
            .resolve(Listing::Interconnects, "acc", cursor)
            .is_err());
        assert!(cursors
            .resolve(Listing::Cnis, "other-account", cursor)
            .is_err());
        assert!(cursors.resolve(Listing::Cnis, "acc", -5).is_err());
        assert!(cursors.resolve(Listing::Cnis, "acc", 0).is_err());
        assert!(Cursors::default()
            .resolve(Listing::Cnis, "acc", cursor)
            .is_err());
        // The catalogue's cursors carry the slot number.
        let slot = encode_slot("acc", 7).unwrap();
        assert_eq!(decode_slot("acc", slot, 7).unwrap(), 7);
        assert!(decode_slot("acc", slot, 6).is_err());
    }

    /// Sequence numbers far past what an int32 could carry stay reachable, and the table
    /// forgets only its oldest cursors, whatever the number of pages read.
    #[test]
    fn no_sequence_number_is_out_of_reach_and_old_cursors_expire() {
        let mut cursors = Cursors::default();
        let far = 1u64 << 40;
        let first = cursors.issue(Listing::Interconnects, "acc", far).unwrap();
        assert_eq!(
            cursors
                .resolve(Listing::Interconnects, "acc", first)
                .unwrap(),
            far
        );
        // More pages than the handle space holds: handles go round, none is ever ambiguous.
        let mut last = first;
        for seq in 0..(MAX_HANDLE + 10) {
            last = cursors.issue(Listing::Cnis, "acc", seq).unwrap();
        }
        assert_eq!(
            cursors.resolve(Listing::Cnis, "acc", last).unwrap(),
            MAX_HANDLE + 9
        );
        assert!(
            cursors
                .resolve(Listing::Interconnects, "acc", first)
                .is_err(),
            "expired"
        );
        assert!(cursors.by_handle.len() <= KEPT);
    }
}
