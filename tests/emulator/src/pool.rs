//! The point-to-point addresses of CNIs: each new CNI gets the lowest free /31 of the
//! account's pool (Cloudflare's end the even address, the customer's the odd one). Free means
//! overlapping no live CNI's `p2p_ip` prefix, so a deleted CNI's link is reused and an address
//! a PUT moved elsewhere is respected.

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;

/// The range an address prefix covers, as `u32`s (first, last).
fn range(net: &Ipv4Net) -> (u32, u32) {
    (u32::from(net.network()), u32::from(net.broadcast()))
}

/// Whether two prefixes share any address.
pub fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    let ((a0, a1), (b0, b1)) = (range(a), range(b));
    a0 <= b1 && b0 <= a1
}

/// The lowest /31 of `pool` that overlaps none of `taken`, as (p2p_ip, cust_ip) texts.
pub fn allocate(pool: &Ipv4Net, taken: &[Ipv4Net]) -> Option<(String, String)> {
    let (start, end) = range(pool);
    let mut ranges: Vec<(u32, u32)> = taken
        .iter()
        .map(range)
        .filter(|(first, last)| *last >= start && *first <= end)
        .collect();
    ranges.sort_unstable();
    // Walk the taken ranges in order; the first gap of two aligned addresses is the link.
    let mut candidate = start.checked_add(start % 2)?;
    for (first, last) in ranges {
        if candidate.checked_add(1)? < first {
            break;
        }
        if last >= candidate {
            candidate = last.checked_add(1)?;
            candidate = candidate.checked_add(candidate % 2)?;
        }
    }
    (candidate.checked_add(1)? <= end).then(|| {
        (
            format!("{}/31", Ipv4Addr::from(candidate)),
            format!("{}/31", Ipv4Addr::from(candidate + 1)),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> Ipv4Net {
        text.parse().unwrap()
    }

    #[test]
    fn the_lowest_free_link_is_taken() {
        let pool = net("100.64.0.0/29");
        let first = allocate(&pool, &[]).unwrap();
        assert_eq!(first, ("100.64.0.0/31".into(), "100.64.0.1/31".into()));
        let taken = [net("100.64.0.0/31"), net("100.64.0.4/31")];
        assert_eq!(allocate(&pool, &taken).unwrap().0, "100.64.0.2/31");
        // A wider prefix (set by a PUT) blocks every link it covers.
        let taken = [net("100.64.0.0/30"), net("100.64.0.4/31")];
        assert_eq!(allocate(&pool, &taken).unwrap().0, "100.64.0.6/31");
        let full = [net("100.64.0.0/29")];
        assert_eq!(allocate(&pool, &full), None);
        // Prefixes outside the pool do not matter.
        assert_eq!(
            allocate(&pool, &[net("10.0.0.0/8")]).unwrap().0,
            "100.64.0.0/31"
        );
    }

    #[test]
    fn overlap_is_symmetric_and_exact() {
        assert!(overlaps(&net("100.64.0.0/30"), &net("100.64.0.2/31")));
        assert!(overlaps(&net("100.64.0.2/31"), &net("100.64.0.0/30")));
        assert!(!overlaps(&net("100.64.0.0/31"), &net("100.64.0.2/31")));
    }
}
