//! The point-to-point links of an account's CNIs: /31s of the emulator's link pool (Cloudflare's
//! end the even address, the customer's the odd one). A new CNI gets the lowest free link, so a
//! deleted CNI's link is reused; a PUT may move a CNI to any free link of the pool
//! ([`crate::state::link_in_pool`] is the rule).
//!
//! Links are numbered from the pool's start (link `i` is the /31 at `pool + 2i`), and the taken
//! ones are kept as runs of consecutive numbers, so taking the lowest free link, taking a given
//! one and giving one back each cost O(log n) in the account's CNIs, whatever the pool's size.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use uuid::Uuid;

/// The number of link `link` in `pool` (the caller made sure it is a /31 inside it).
pub fn number(pool: &Ipv4Net, link: &Ipv4Net) -> u32 {
    (u32::from(link.network()) - u32::from(pool.network())) / 2
}

/// How many links `pool` holds.
fn capacity(pool: &Ipv4Net) -> u64 {
    (1u64 << (32 - u32::from(pool.prefix_len()))) / 2
}

/// Link `number` of `pool` as (p2p_ip, cust_ip) texts.
pub fn addresses(pool: &Ipv4Net, number: u32) -> (String, String) {
    let first = u32::from(pool.network()) + 2 * number;
    (
        format!("{}/31", Ipv4Addr::from(first)),
        format!("{}/31", Ipv4Addr::from(first + 1)),
    )
}

/// The links an account's CNIs hold.
#[derive(Debug, Default)]
pub struct Links {
    /// Runs of taken link numbers: start → end (exclusive), never adjacent or overlapping.
    runs: BTreeMap<u32, u32>,
    /// Link number → the CNI holding it.
    holders: HashMap<u32, Uuid>,
}

impl Links {
    /// The CNI holding link `number`, if any.
    pub fn holder(&self, number: u32) -> Option<Uuid> {
        self.holders.get(&number).copied()
    }

    /// The lowest link of `pool` no CNI holds.
    pub fn lowest_free(&self, pool: &Ipv4Net) -> Option<u32> {
        let free = match self.runs.first_key_value() {
            Some((0, end)) => *end,
            _ => 0,
        };
        (u64::from(free) < capacity(pool)).then_some(free)
    }

    /// Gives link `number` to `cni`; the CNI already holding it, if any, keeps it.
    pub fn take(&mut self, number: u32, cni: Uuid) -> Result<(), Uuid> {
        if let Some(holder) = self.holder(number) {
            return Err(holder);
        }
        self.holders.insert(number, cni);
        let before = self
            .runs
            .range(..number)
            .next_back()
            .filter(|(_, end)| **end == number)
            .map(|(start, _)| *start);
        let after = number
            .checked_add(1)
            .and_then(|next| self.runs.remove(&next).map(|end| (next, end)));
        let start = before.unwrap_or(number);
        let end = after.map_or(number + 1, |(_, end)| end);
        self.runs.insert(start, end);
        Ok(())
    }

    /// Frees link `number`.
    pub fn release(&mut self, number: u32) {
        if self.holders.remove(&number).is_none() {
            return;
        }
        let Some((&start, &end)) = self.runs.range(..=number).next_back() else {
            return;
        };
        self.runs.remove(&start);
        if start < number {
            self.runs.insert(start, number);
        }
        if number + 1 < end {
            self.runs.insert(number + 1, end);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> Ipv4Net {
        text.parse().unwrap()
    }

    #[test]
    fn the_lowest_free_link_is_taken_and_given_back() {
        let pool = net("100.64.0.0/29");
        let mut links = Links::default();
        let (a, b, c, d) = (
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            Uuid::from_u128(3),
            Uuid::from_u128(4),
        );
        assert_eq!(links.lowest_free(&pool), Some(0));
        assert_eq!(
            addresses(&pool, 0),
            ("100.64.0.0/31".into(), "100.64.0.1/31".into())
        );
        links.take(0, a).unwrap();
        // A PUT moved another CNI to link 2: link 1 is still the lowest free.
        links.take(2, b).unwrap();
        assert_eq!(links.lowest_free(&pool), Some(1));
        assert_eq!(links.take(2, c), Err(b), "a held link stays its holder's");
        links.take(1, c).unwrap();
        assert_eq!(links.lowest_free(&pool), Some(3));
        links.take(3, d).unwrap();
        assert_eq!(links.lowest_free(&pool), None, "a /29 holds four links");
        links.release(1);
        assert_eq!(links.lowest_free(&pool), Some(1));
        assert_eq!(links.holder(2), Some(b));
        links.release(0);
        assert_eq!(links.lowest_free(&pool), Some(0));
        assert_eq!(number(&pool, &net("100.64.0.6/31")), 3);
        assert_eq!(addresses(&pool, 3).1, "100.64.0.7/31");
    }

    /// Against the plain rule (the lowest number not held), over a long random walk.
    #[test]
    fn runs_agree_with_a_plain_set() {
        let pool = net("100.64.0.0/26");
        let mut links = Links::default();
        let mut held = std::collections::BTreeSet::new();
        let mut rng = fastrand::Rng::with_seed(7);
        for step in 0..5_000u128 {
            let n = rng.u32(0..32);
            if held.contains(&n) {
                links.release(n);
                held.remove(&n);
            } else {
                links.take(n, Uuid::from_u128(step)).unwrap();
                held.insert(n);
            }
            let expected = (0..32).find(|n| !held.contains(n));
            assert_eq!(links.lowest_free(&pool), expected, "step {step}");
        }
    }
}
