//! Ballots made ready for counting: withdrawn candidates removed, repeated candidates dropped,
//! identical ballots merged into one with their combined weight, in a flat layout that a count
//! walks without allocating.

use std::collections::HashMap;

use crate::election::BallotsRef;
use crate::{Election, SetAside};

use super::StvError;

/// Marks an item ranked equal with the item before it.
pub(crate) const TIED: u32 = 1 << 31;

/// What to do with a rank that holds several candidates.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum EqualRanks {
    /// The ballot stops counting there (for a first preference: it is not valid). SSI 2007/42
    /// treats a paper with two candidates marked with the same number next in order of
    /// preference as non-transferable from that point.
    Truncate,
    /// Keep the group; the method shares the ballot among its members.
    Keep,
}

pub(crate) struct Prepared {
    /// Items of all unique ballots, one after another: a candidate index, with [`TIED`] set when
    /// it shares the rank of the item before it.
    pub items: Vec<u32>,
    /// Ballot `b` is `items[starts[b]..starts[b + 1]]`.
    pub starts: Vec<u32>,
    /// How many ballots each unique ballot stands for.
    pub weights: Vec<u64>,
    /// Total weight of the valid ballots.
    pub valid: u64,
    pub set_aside: Vec<SetAside>,
    pub notes: Vec<String>,
}

impl Prepared {
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    pub fn ballot(&self, b: usize) -> &[u32] {
        &self.items[self.starts[b] as usize..self.starts[b + 1] as usize]
    }
}

/// Cleans the ballots; with `merge`, identical ballots become one (a method that merges them
/// itself, as Meek's prefix tree does, can skip the hashing).
pub(crate) fn prepare(
    election: &Election,
    ballots: BallotsRef<'_>,
    equal: EqualRanks,
    merge: bool,
) -> Result<Prepared, StvError> {
    let n = election.candidates.len();
    if n >= TIED as usize {
        return Err(StvError::TooManyCandidates {
            max: TIED as usize - 1,
        });
    }
    let mut withdrawn = vec![false; n];
    for w in &election.withdrawn {
        if let Some(x) = withdrawn.get_mut(w.index()) {
            *x = true;
        }
    }

    // All ballots, cleaned, in one buffer; then merged by content.
    let mut buf: Vec<u32> = Vec::new();
    let mut spans: Vec<(u32, u32, u64)> = Vec::with_capacity(ballots.len());
    let mut seen = vec![u32::MAX; n];
    let mut no_candidate = (0u64, None::<usize>);
    let mut equal_first = (0u64, None::<usize>);
    let mut truncated = 0u64;
    ballots.each(|i, weight, ranks| {
        if weight == 0 {
            return Ok(());
        }
        let start = buf.len();
        let stamp = i as u32;
        let mut rejected = false;
        for rank in ranks {
            let group_start = buf.len();
            for c in rank {
                let ci = c.index();
                let Some(s) = seen.get_mut(ci) else {
                    return Err(StvError::UnknownCandidate {
                        candidate: c.0,
                        candidates: n,
                    });
                };
                if withdrawn[ci] || *s == stamp {
                    continue;
                }
                *s = stamp;
                let tied = if buf.len() > group_start { TIED } else { 0 };
                buf.push(c.0 | tied);
            }
            if equal == EqualRanks::Truncate && buf.len() > group_start + 1 {
                buf.truncate(group_start);
                if group_start == start {
                    rejected = true;
                    equal_first.0 += weight;
                    equal_first.1.get_or_insert(i);
                } else {
                    truncated += weight;
                }
                break;
            }
        }
        if buf.len() == start {
            if !rejected {
                no_candidate.0 += weight;
                no_candidate.1.get_or_insert(i);
            }
            return Ok(());
        }
        spans.push((start as u32, buf.len() as u32, weight));
        Ok(())
    })?;

    let valid: u128 = spans.iter().map(|&(_, _, w)| u128::from(w)).sum();
    let (items, starts, weights) = if merge {
        let mut index: HashMap<&[u32], usize> = HashMap::with_capacity(spans.len() / 2 + 1);
        let mut items = Vec::with_capacity(buf.len());
        let mut starts = vec![0u32];
        let mut weights: Vec<u64> = Vec::new();
        for &(s, e, w) in &spans {
            let key = &buf[s as usize..e as usize];
            match index.get(key) {
                Some(&b) => weights[b] += w,
                None => {
                    index.insert(key, weights.len());
                    items.extend_from_slice(key);
                    starts.push(items.len() as u32);
                    weights.push(w);
                }
            }
        }
        (items, starts, weights)
    } else {
        // The cleaned ballots lie end to end in `buf` already.
        let starts = std::iter::once(0)
            .chain(spans.iter().map(|&(_, e, _)| e))
            .collect();
        let weights = spans.iter().map(|&(_, _, w)| w).collect();
        (buf, starts, weights)
    };
    let valid = u64::try_from(valid)
        .ok()
        .filter(|&v| v <= (i64::MAX / 1_000_000_000) as u64)
        .ok_or(StvError::TooManyBallots { total: valid })?;

    let mut set_aside = Vec::new();
    if no_candidate.0 > 0 {
        set_aside.push(SetAside {
            ballot: no_candidate.1,
            count: no_candidate.0,
            reason: "ranks no standing candidate".into(),
        });
    }
    if equal_first.0 > 0 {
        set_aside.push(SetAside {
            ballot: equal_first.1,
            count: equal_first.0,
            reason: "two or more candidates marked as first preference".into(),
        });
    }
    let mut notes = Vec::new();
    if truncated > 0 {
        notes.push(format!(
            "{truncated} ballot(s) rank candidates equally after the first preference; each is \
             non-transferable from that rank on"
        ));
    }
    Ok(Prepared {
        items,
        starts,
        weights,
        valid,
        set_aside,
        notes,
    })
}
