//! Keyset cursors for the listings. Objects get a sequence number when created, listings run
//! in that order, and a page's `next` encodes the last sequence number it returned: the next
//! page starts after it. Objects created or deleted between pages therefore never make a walk
//! skip or repeat an untouched object (an offset would).
//!
//! The API's cursor is an int32, so one is packed as `seq << 10 | check << 2 | listing`:
//! `listing` tells the three listings apart (a cursor from another listing answers 400),
//! `check` is 8 bits of the account id's hash (another account's cursor answers 400, but for a
//! 1-in-256 chance), and `seq` leaves room for 2,097,151 objects of a kind per account. A
//! cursor beyond anything issued answers 400 too.

use cloudflare_cni_server::ApiError;

/// The largest sequence number a cursor can carry.
pub const MAX_SEQ: u64 = (1 << 21) - 1;

/// The three paginated listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// The cursor that continues `listing` after the object with sequence number `seq`.
pub fn encode(listing: Listing, account: &str, seq: u64) -> Option<i32> {
    (seq <= MAX_SEQ).then(|| {
        let packed = (seq << 10) | u64::from(account_check(account) << 2) | listing as u64;
        i32::try_from(packed).unwrap_or(i32::MAX)
    })
}

/// The sequence number a `cursor` continues after; `issued` is the highest ever given out in
/// this listing. A cursor this listing did not issue answers 400 pointing at `cursor`.
pub fn decode(listing: Listing, account: &str, cursor: i32, issued: u64) -> Result<u64, ApiError> {
    let refuse = |why: &str| {
        Err(ApiError::bad_request(format!("invalid cursor {cursor}: {why}")).at("cursor"))
    };
    let Ok(packed) = u32::try_from(cursor) else {
        return refuse("cursors are never negative");
    };
    if packed & 0b11 != listing as u32 {
        return refuse("it belongs to another listing");
    }
    if (packed >> 2) & 0xff != account_check(account) {
        return refuse("it belongs to another account");
    }
    let seq = u64::from(packed >> 10);
    if seq == 0 || seq > issued {
        return refuse("it was never issued (stale or made up)");
    }
    Ok(seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_what_they_did_not_issue() {
        let cursor = encode(Listing::Cnis, "acc", 42).unwrap();
        assert!(cursor > 0);
        assert_eq!(decode(Listing::Cnis, "acc", cursor, 42).unwrap(), 42);
        assert!(decode(Listing::Interconnects, "acc", cursor, 42).is_err());
        assert!(decode(Listing::Cnis, "acc", cursor, 41).is_err());
        assert!(decode(Listing::Cnis, "acc", -5, 42).is_err());
        assert!(decode(Listing::Cnis, "acc", 0, 42).is_err());
        let max = encode(Listing::Slots, "acc", MAX_SEQ).unwrap();
        assert_eq!(
            decode(Listing::Slots, "acc", max, MAX_SEQ).unwrap(),
            MAX_SEQ
        );
        assert_eq!(encode(Listing::Slots, "acc", MAX_SEQ + 1), None);
    }
}
