//! The Schulze method: the winner and a full order from the strongest paths between candidates.
//!
//! Source: M. Schulze, "A new monotonic, clone-independent, reversal symmetric, and
//! Condorcet-consistent single-winner election method", Social Choice and Welfare 36 (2011)
//! 267-303, sections 2.1-2.3 (and Wikipedia's "Schulze method" page, which repeats the paper's
//! 45-voter example). `d[x][y]` is the number of voters who strictly prefer `x` to `y`; a
//! candidate a ballot leaves unranked is below every ranked one, and candidates ranked equally
//! (or both unranked) are preferred neither way. The strength of a link `x -> y` is measured by
//! winning votes (`d[x][y]` if `d[x][y] > d[y][x]`, else no link), the paper's main
//! proposal; margins (`d[x][y] - d[y][x]`) are an option. `p[x][y]` is the strength of the
//! strongest path from `x` to `y` (the widest-path variant of Floyd-Warshall, section 2.3);
//! `x` is ranked above `y` when `p[x][y] > p[y][x]`. This relation is transitive (section 4.1),
//! so it gives a full order with ties; the potential winners are the candidates no one is
//! ranked above. Ties in that order are broken by lot from the recorded seed where they decide
//! a seat. With `k` seats, the first `k` of the order are reported elected.
//!
//! Speed: identical ballots are counted once; each distinct ballot adds its weight to the rows
//! of `d` for the candidates it ranks, so building `d` costs the ranks times the candidates.

use crate::election::BallotsRef;
use crate::ranked::{CountError, Ranked, empty_ballots, ids, names};
use crate::{CandidateId, Election, FlatElection, Lot, Outcome, Round, Tally};

/// How the strength of a pairwise defeat is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strength {
    /// `d[x][y]`, where `x` beats `y`.
    #[default]
    WinningVotes,
    /// `d[x][y] - d[y][x]`.
    Margins,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SchulzeOptions {
    pub seats: Option<u32>,
    pub strength: Strength,
    pub seed: u64,
}

/// The pairwise preferences and strongest paths of an election.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The standing candidates, in order; the matrices are indexed by position in this list.
    pub candidates: Vec<CandidateId>,
    /// `d[i][j]`: weight of ballots preferring candidate `i` to candidate `j`.
    pub d: Vec<Vec<u64>>,
    /// `p[i][j]`: strength of the strongest path from `i` to `j`.
    pub p: Vec<Vec<u64>>,
}

/// Computes `d` and `p` for the standing candidates.
pub fn paths(election: &Election, strength: Strength) -> Result<Paths, CountError> {
    Ok(paths_of(&Ranked::new(election)?, strength))
}

fn paths_of(r: &Ranked, strength: Strength) -> Paths {
    let standing = r.candidates();
    let m = standing.len();
    let mut index = vec![usize::MAX; r.n];
    for (i, &c) in standing.iter().enumerate() {
        index[c as usize] = i;
    }
    // d is built flat; for each ballot, every ranked candidate beats everything below it.
    // Done as: row[c] += w for everything, then subtract what is at or above c's rank.
    let mut d = vec![0u64; m * m];
    let mut above: Vec<usize> = Vec::with_capacity(m);
    for b in 0..r.ballots() {
        let w = r.weights[b];
        let ranks = r.ranks(b);
        if ranks.is_empty() {
            continue;
        }
        above.clear();
        for &span in ranks {
            let rank = r.rank(span);
            let start = above.len();
            for &c in rank {
                above.push(index[c as usize]);
            }
            // Each candidate of this rank beats all candidates not in `above` (i.e. ranked
            // lower or unranked).
            for &c in &above[start..] {
                let row = &mut d[c * m..(c + 1) * m];
                for x in row.iter_mut() {
                    *x += w;
                }
                for &a in &above {
                    row[a] -= w;
                }
            }
        }
    }
    // Widest paths.
    let link = |i: usize, j: usize| -> u64 {
        let (x, y) = (d[i * m + j], d[j * m + i]);
        if x > y {
            match strength {
                Strength::WinningVotes => x,
                Strength::Margins => x - y,
            }
        } else {
            0
        }
    };
    let mut p = vec![0u64; m * m];
    for i in 0..m {
        for j in 0..m {
            if i != j {
                p[i * m + j] = link(i, j);
            }
        }
    }
    for i in 0..m {
        for j in 0..m {
            if i == j {
                continue;
            }
            let pji = p[j * m + i];
            if pji == 0 {
                continue;
            }
            for k in 0..m {
                if k != i && k != j {
                    let via = pji.min(p[i * m + k]);
                    if via > p[j * m + k] {
                        p[j * m + k] = via;
                    }
                }
            }
        }
    }
    let rows = |v: &[u64]| (0..m).map(|i| v[i * m..(i + 1) * m].to_vec()).collect();
    Paths {
        candidates: ids(standing),
        d: rows(&d),
        p: rows(&p),
    }
}

/// Counts by the Schulze method. See the [module docs](self).
pub fn count(election: &Election, options: &SchulzeOptions) -> Result<Outcome, CountError> {
    count_in(election, BallotsRef::Nested(&election.ballots), options)
}

/// [`count`] for an election whose ballots are kept flat: the same outcome, without building
/// a vector per ballot (see [`FlatElection`]).
pub fn count_flat(
    election: &FlatElection,
    options: &SchulzeOptions,
) -> Result<Outcome, CountError> {
    election.count_with(|e, ballots| count_in(e, ballots, options))
}

fn count_in(
    election: &Election,
    ballots: BallotsRef<'_>,
    options: &SchulzeOptions,
) -> Result<Outcome, CountError> {
    let ranked = Ranked::of(election, ballots)?;
    let paths = paths_of(&ranked, options.strength);
    let m = paths.candidates.len();
    if m == 0 {
        return Err(CountError::Invalid("every candidate has withdrawn".into()));
    }
    let seats = options.seats.unwrap_or(election.seats).max(1) as usize;
    let p = &paths.p;
    // Full order: repeatedly take the candidates no remaining candidate is ranked above.
    let mut left: Vec<usize> = (0..m).collect();
    let mut tiers: Vec<Vec<usize>> = Vec::new();
    while !left.is_empty() {
        let top: Vec<usize> = left
            .iter()
            .copied()
            .filter(|&x| left.iter().all(|&y| p[y][x] <= p[x][y]))
            .collect();
        if top.is_empty() {
            // Cannot happen: the relation is a strict partial order (Schulze 2011, 4.1).
            tiers.push(left.clone());
            break;
        }
        left.retain(|x| !top.contains(x));
        tiers.push(top);
    }
    let id = |i: usize| paths.candidates[i];
    let mut lot = Lot::new(options.seed);
    let mut elected: Vec<CandidateId> = Vec::new();
    let mut lot_note = None;
    for tier in &tiers {
        let room = seats.saturating_sub(elected.len());
        if room == 0 {
            break;
        }
        if tier.len() <= room {
            elected.extend(tier.iter().map(|&i| id(i)));
        } else {
            let mut pool: Vec<usize> = tier.clone();
            let mut drawn = Vec::new();
            for _ in 0..room {
                if let Some(k) = lot.draw(pool.len()) {
                    drawn.push(pool.remove(k));
                }
            }
            let tied: Vec<u32> = tier.iter().map(|&i| id(i).0).collect();
            let won: Vec<u32> = drawn.iter().map(|&i| id(i).0).collect();
            lot_note = Some(format!(
                "{} tie in the Schulze order for {room} seat(s): {} drawn by lot (seed {})",
                names(election, &tied),
                names(election, &won),
                options.seed
            ));
            elected.extend(drawn.into_iter().map(id));
        }
    }
    let order: Vec<Vec<CandidateId>> = tiers
        .iter()
        .map(|t| t.iter().map(|&i| id(i)).collect())
        .collect();

    // Report: each candidate's number of pairwise wins by strongest path, and the matrices.
    let wins: Vec<usize> = (0..m)
        .map(|x| (0..m).filter(|&y| y != x && p[x][y] > p[y][x]).count())
        .collect();
    let mut by_wins: Vec<usize> = (0..m).collect();
    by_wins.sort_by_key(|&x| (std::cmp::Reverse(wins[x]), x));
    let tallies: Vec<Tally> = by_wins
        .iter()
        .map(|&x| Tally {
            candidate: id(x),
            votes: format!("{} of {} by strongest path", wins[x], m - 1),
        })
        .collect();
    let label = |i: usize| {
        election
            .candidates
            .get(id(i).index())
            .cloned()
            .unwrap_or_default()
    };
    let mut notes = vec![
        format!(
            "link strength: {}",
            match options.strength {
                Strength::WinningVotes => "winning votes",
                Strength::Margins => "margins",
            }
        ),
        "unranked candidates rank below every ranked candidate; equal ranks prefer neither".into(),
    ];
    if m <= 30 {
        for (name, mat) in [("d", &paths.d), ("p", &paths.p)] {
            for (i, row) in mat.iter().enumerate() {
                let cells: Vec<String> = row
                    .iter()
                    .enumerate()
                    .map(|(j, v)| if i == j { "-".into() } else { v.to_string() })
                    .collect();
                notes.push(format!("{name}[{}]: {}", label(i), cells.join(" ")));
            }
        }
    }
    if let Some(n) = &lot_note {
        notes.push(n.clone());
    }
    let order_text: Vec<String> = tiers
        .iter()
        .map(|t| t.iter().map(|&i| label(i)).collect::<Vec<_>>().join(" = "))
        .collect();
    let set_aside = empty_ballots(&ranked).into_iter().collect();
    Ok(Outcome {
        method: "schulze".into(),
        source: "M. Schulze, 'A new monotonic, clone-independent, reversal symmetric, and Condorcet-consistent single-winner election method', Social Choice and Welfare 36 (2011), sections 2.1-2.3".into(),
        seats: seats as u32,
        elected: elected.clone(),
        order: Some(order),
        rounds: vec![Round {
            number: 1,
            tallies,
            quota: None,
            non_transferable: None,
            rounding_loss: None,
            elected,
            excluded: Vec::new(),
            action: format!("Schulze order: {}", order_text.join(" > ")),
        }],
        set_aside,
        seed: Some(options.seed),
        notes,
    })
}
