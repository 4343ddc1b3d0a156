//! Meek's method.
//!
//! Sources: I. D. Hill, B. A. Wichmann and D. R. Woodall, "Algorithm 123: Single Transferable
//! Vote by Meek's method", The Computer Journal 30(3), 1987; and the PR Foundation's Meek
//! reference rule, which fixes the details this module follows:
//!
//! - B.2.a: each ballot starts with weight 1; each candidate in rank order keeps `w × kf`
//!   (rounded up) and the ballot goes on with `w` less that amount, until `w` is 0 or the
//!   ranking ends (what is left then is non-transferable);
//! - B.2.b: the quota is the votes of the candidates divided by seats + 1, truncated, plus the
//!   smallest unit of the arithmetic;
//! - B.2.c: every hopeful candidate with at least the quota is elected;
//! - B.2.d-e: the total surplus decides when to stop iterating (below omega, or no longer
//!   falling);
//! - B.2.f: an elected candidate's keep factor becomes `kf × quota / votes`, each step rounded
//!   up;
//! - B.3: otherwise the hopeful candidate with the fewest votes is defeated, every candidate
//!   within the total surplus of that lowest vote counting as tied; ties are broken by lot;
//! - C: when as many hopeful candidates remain as seats, they are elected.
//!
//! Equal rankings (which Algorithm 123 does not admit) share the ballot's weight equally among
//! the continuing candidates of the rank, as Meek proposed; each keeps its keep factor of its
//! share.
//!
//! Identical ballots are counted once, and ballots that share their first ranks share the work
//! of distributing them: the ballots form a prefix tree, and a distribution walks only the part
//! of the tree below elected and defeated candidates. A hopeful candidate keeps the whole
//! weight, so nothing under it needs a visit.

use crate::election::BallotsRef;
use crate::num::{Fixed9, MeekNumber};
use crate::report::{Outcome, Round, Tally};
use crate::{CandidateId, Election, Lot};

use super::prep::{EqualRanks, Prepared, TIED, prepare};
use super::{MeekArithmetic, StvError, names};

mod hp;

pub(crate) fn count(
    election: &Election,
    ballots: BallotsRef<'_>,
    seats: u32,
    arithmetic: MeekArithmetic,
    seed: u64,
) -> Result<Outcome, StvError> {
    let prepared = prepare(election, ballots, EqualRanks::Keep, false)?;
    let tree = Tree::new(&prepared);
    match arithmetic {
        MeekArithmetic::Fixed9 => {
            run::<Fixed9>(election, &prepared, &tree, seats, seed, 6, arithmetic)
        }
        MeekArithmetic::HighPrecision => {
            run::<hp::Dec30>(election, &prepared, &tree, seats, seed, 10, arithmetic)
        }
        MeekArithmetic::Rational => {
            run::<crate::num::Rational>(election, &prepared, &tree, seats, seed, 10, arithmetic)
        }
    }
}

/// One rank of a group of ballots that agree up to it.
struct Node {
    /// `labels[label..label + len]`: the candidates of this rank (usually one).
    label: u32,
    len: u32,
    depth: u32,
    /// One past the last node of this node's subtree (nodes are in preorder).
    end: u32,
    /// Ballots whose ranking goes through this rank.
    through: u64,
    /// Ballots whose ranking ends at this rank.
    ending: u64,
}

struct Tree {
    nodes: Vec<Node>,
    labels: Vec<u32>,
    depth: usize,
}

/// Calls `f` with every ballot (its items and weight) in the order of their rankings, so that
/// ballots sharing first ranks come one after another (any lexicographic order will do).
///
/// Where the rankings fit, each is packed into one 128-bit key, five bits a rank with the
/// first rank highest, so that comparing keys compares rankings; the keys are sorted with the
/// weights beside them and unpacked in order, which reads memory only front to back. Otherwise
/// rankings are sorted by comparing their items.
fn in_ranking_order(p: &Prepared, mut f: impl FnMut(&[u32], u64)) {
    let max_item = p
        .items
        .iter()
        .map(|&x| u64::from(x & !TIED) * 2 + 2)
        .max()
        .unwrap_or(0);
    let max_len = (0..p.len()).map(|b| p.ballot(b).len()).max().unwrap_or(0);
    if max_item < 32 && max_len <= 25 {
        let mut keyed: Vec<(u128, u64)> = (0..p.len())
            .map(|b| {
                let mut key = 0u128;
                for (i, &x) in p.ballot(b).iter().enumerate() {
                    // A distinct non-zero symbol for each candidate, tied or not; zero pads.
                    let sym = u128::from((x & !TIED) * 2 + 1 + u32::from(x & TIED != 0));
                    key |= sym << (123 - 5 * i);
                }
                (key, p.weights[b])
            })
            .collect();
        keyed.sort_unstable();
        let mut items: Vec<u32> = Vec::with_capacity(25);
        for (key, w) in keyed {
            items.clear();
            for i in 0..25 {
                let sym = ((key >> (123 - 5 * i)) & 31) as u32;
                if sym == 0 {
                    break;
                }
                let c = (sym - 1) / 2;
                items.push(if (sym - 1) % 2 == 1 { c | TIED } else { c });
            }
            f(&items, w);
        }
    } else {
        let mut order: Vec<u32> = (0..p.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| p.ballot(a as usize).cmp(p.ballot(b as usize)));
        for b in order {
            f(p.ballot(b as usize), p.weights[b as usize]);
        }
    }
}

impl Tree {
    fn new(p: &Prepared) -> Tree {
        // A tree never has more nodes (or label items) than the ballots have items.
        let mut nodes: Vec<Node> = Vec::with_capacity(p.items.len());
        let mut labels: Vec<u32> = Vec::with_capacity(p.items.len());
        // The open path: node index and the end of its rank in the previous ballot's items.
        let mut path: Vec<(usize, usize)> = Vec::new();
        let mut prev: Vec<u32> = Vec::new();
        let mut depth = 0;
        in_ranking_order(p, |ballot, w| {
            let common = ballot.iter().zip(&prev).take_while(|(a, b)| a == b).count();
            // A rank is shared when its items are in the common prefix and it ends at the same
            // place in both ballots (the next item is not ranked equal with it).
            let shared = path
                .iter()
                .take_while(|&&(_, end)| {
                    end <= common && ballot.get(end).is_none_or(|&x| x & TIED == 0)
                })
                .count();
            for &(i, _) in &path[..shared] {
                nodes[i].through += w;
            }
            for (i, _) in path.drain(shared..) {
                nodes[i].end = nodes.len() as u32;
            }
            let mut pos = path.last().map_or(0, |&(_, end)| end);
            while pos < ballot.len() {
                let len = 1 + ballot[pos + 1..]
                    .iter()
                    .take_while(|&&x| x & TIED != 0)
                    .count();
                let i = nodes.len();
                nodes.push(Node {
                    label: labels.len() as u32,
                    len: len as u32,
                    depth: path.len() as u32,
                    end: 0,
                    through: w,
                    ending: 0,
                });
                labels.extend(ballot[pos..pos + len].iter().map(|&c| c & !TIED));
                pos += len;
                path.push((i, pos));
            }
            depth = depth.max(path.len());
            if let Some(&(last, _)) = path.last() {
                nodes[last].ending += w;
            }
            prev.clear();
            prev.extend_from_slice(ballot);
        });
        for (i, _) in path.drain(..) {
            nodes[i].end = nodes.len() as u32;
        }
        Tree {
            nodes,
            labels,
            depth,
        }
    }

    /// B.2.a: distributes every ballot by the keep factors; returns the non-transferable votes.
    fn distribute<N: MeekNumber>(&self, kf: &[N], votes: &mut [N], stack: &mut Vec<N>) -> N {
        for v in votes.iter_mut() {
            *v = N::zero();
        }
        stack.clear();
        stack.resize(self.depth + 1, N::zero());
        let one = N::one();
        let mut exhausted = N::zero();
        let mut i = 0;
        let n = self.nodes.len();
        while i < n {
            let node = &self.nodes[i];
            let d = node.depth as usize;
            let w = if d == 0 { &one } else { &stack[d - 1] };
            let label = &self.labels[node.label as usize..(node.label + node.len) as usize];
            let rest = if let [c] = label {
                let k = &kf[*c as usize];
                if k.is_zero() {
                    w.clone()
                } else {
                    let keep = w.mul_up(k);
                    votes[*c as usize].add_assign(&keep.mul_int(node.through));
                    w.sub(&keep)
                }
            } else {
                let live = label.iter().filter(|&&c| !kf[c as usize].is_zero()).count();
                let mut rest = w.clone();
                if let Some(share) = w.div_int_trunc(live as u64) {
                    for &c in label {
                        let k = &kf[c as usize];
                        if !k.is_zero() {
                            let keep = share.mul_up(k);
                            votes[c as usize].add_assign(&keep.mul_int(node.through));
                            rest.sub_assign(&keep);
                        }
                    }
                }
                rest
            };
            if rest.is_zero() {
                i = node.end as usize;
                continue;
            }
            if node.ending > 0 {
                exhausted.add_assign(&rest.mul_int(node.ending));
            }
            stack[d] = rest;
            i += 1;
        }
        exhausted
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Hopeful,
    Elected,
    Defeated,
    Withdrawn,
}

fn run<N: MeekNumber>(
    election: &Election,
    p: &Prepared,
    tree: &Tree,
    seats: u32,
    seed: u64,
    omega_digits: u32,
    arithmetic: MeekArithmetic,
) -> Result<Outcome, StvError> {
    let n = election.candidates.len();
    let seats = seats as usize;
    let seats1 = seats as u64 + 1;
    let mut state = vec![State::Hopeful; n];
    for w in &election.withdrawn {
        if let Some(s) = state.get_mut(w.index()) {
            *s = State::Withdrawn;
        }
    }
    // A: keep factors 1 for hopeful candidates, 0 for withdrawn ones.
    let mut kf: Vec<N> = state
        .iter()
        .map(|s| {
            if *s == State::Hopeful {
                N::one()
            } else {
                N::zero()
            }
        })
        .collect();
    let omega = N::pow10_neg(omega_digits);
    let total = N::from_int(p.valid).ok_or(StvError::TooManyBallots {
        total: u128::from(p.valid),
    })?;
    let quota_of = |votes: &N| {
        votes
            .div_int_trunc(seats1)
            .unwrap_or_else(N::zero)
            .add(&N::epsilon())
    };
    let mut quota = quota_of(&total);
    let mut votes: Vec<N> = vec![N::zero(); n];
    let mut stack = Vec::new();
    let mut exhausted = tree.distribute(&kf, &mut votes, &mut stack);
    let mut lot = Lot::new(seed);
    let mut rounds: Vec<Round> = Vec::new();
    let mut elected: Vec<CandidateId> = Vec::new();
    let mut surplus: N;

    let tallies = |votes: &[N], state: &[State]| -> Vec<Tally> {
        (0..n)
            .filter(|&c| state[c] != State::Withdrawn)
            .map(|c| Tally {
                candidate: CandidateId(c as u32),
                votes: votes[c].report(),
            })
            .collect()
    };
    let push_round = |rounds: &mut Vec<Round>,
                      votes: &[N],
                      state: &[State],
                      quota: &N,
                      exhausted: &N,
                      el: Vec<usize>,
                      ex: Vec<usize>,
                      action: String| {
        rounds.push(Round {
            number: rounds.len() as u32 + 1,
            tallies: tallies(votes, state),
            quota: Some(quota.report()),
            non_transferable: Some(exhausted.report()),
            rounding_loss: Some(N::zero().report()),
            elected: el.into_iter().map(|c| CandidateId(c as u32)).collect(),
            excluded: ex.into_iter().map(|c| CandidateId(c as u32)).collect(),
            action,
        });
    };
    push_round(
        &mut rounds,
        &votes,
        &state,
        &quota,
        &exhausted,
        Vec::new(),
        Vec::new(),
        format!(
            "First preferences counted: {} valid ballots, quota {} (votes divided by seats plus one, plus {}).",
            p.valid,
            quota.report(),
            N::epsilon().report()
        ),
    );

    let mut reuse = false;
    let count = |state: &[State], s: State| state.iter().filter(|&&x| x == s).count();
    // B.1: while more hopeful candidates than seats left, and seats left.
    while count(&state, State::Hopeful) > seats.saturating_sub(count(&state, State::Elected))
        && count(&state, State::Elected) < seats
    {
        let mut last_surplus = total.clone();
        let mut iterations = 0u32;
        let mut newly: Vec<usize>;
        let stop;
        loop {
            // A round that follows an election starts from the same keep factors as the
            // distribution that elected, so that distribution's figures stand.
            if !reuse {
                exhausted = tree.distribute(&kf, &mut votes, &mut stack);
            }
            reuse = false;
            iterations += 1;
            // B.2.b
            let sum = total.sub(&exhausted);
            quota = quota_of(&sum);
            // B.2.c
            newly = (0..n)
                .filter(|&c| state[c] == State::Hopeful && votes[c] >= quota)
                .collect();
            newly.sort_by(|&a, &b| votes[b].cmp(&votes[a]).then(a.cmp(&b)));
            for &c in &newly {
                state[c] = State::Elected;
                elected.push(CandidateId(c as u32));
            }
            // B.2.d
            surplus = N::zero();
            for c in 0..n {
                if state[c] == State::Elected && votes[c] > quota {
                    surplus.add_assign(&votes[c].sub(&quota));
                }
            }
            // B.2.e
            if !newly.is_empty() {
                stop = "elected";
                break;
            }
            if surplus < omega {
                stop = "omega";
                break;
            }
            if surplus >= last_surplus {
                stop = "stable";
                break;
            }
            last_surplus = surplus.clone();
            // B.2.f
            for c in 0..n {
                if state[c] == State::Elected {
                    let kept = kf[c].mul_up(&quota);
                    if let Some(k) = kept.div_up(&votes[c]) {
                        kf[c] = k;
                    }
                }
            }
        }
        if stop == "elected" {
            reuse = true;
            let action = format!(
                "{} reached the quota {} after {iterations} iteration(s) and {} elected (step B.2.c).",
                names(election, newly.iter().copied()),
                quota.report(),
                if newly.len() == 1 { "is" } else { "are" }
            );
            push_round(
                &mut rounds,
                &votes,
                &state,
                &quota,
                &exhausted,
                newly,
                Vec::new(),
                action,
            );
            continue;
        }
        // B.3: defeat the lowest, every candidate within the surplus of it counting as tied.
        let hopeful: Vec<usize> = (0..n).filter(|&c| state[c] == State::Hopeful).collect();
        let Some(low) = hopeful.iter().map(|&c| votes[c].clone()).min() else {
            break;
        };
        let limit = low.add(&surplus);
        let tied: Vec<usize> = hopeful
            .iter()
            .copied()
            .filter(|&c| votes[c] <= limit)
            .collect();
        let (c, tie) = if tied.len() == 1 {
            (tied[0], String::new())
        } else {
            let i = lot.draw(tied.len()).unwrap_or(0);
            (
                tied[i],
                format!(
                    " {} were within the total surplus of the lowest vote, so tied; {} was chosen by lot (draw {} from seed {}).",
                    names(election, tied.iter().copied()),
                    names(election, [tied[i]]),
                    lot.draws(),
                    lot.seed()
                ),
            )
        };
        let why = if stop == "omega" {
            format!(
                "the total surplus {} is below {}",
                surplus.report(),
                omega.report()
            )
        } else {
            format!("the total surplus {} stopped falling", surplus.report())
        };
        let action = format!(
            "{} defeated with the fewest votes ({}) after {iterations} iteration(s): {why} (step B.3).{tie}",
            names(election, [c]),
            votes[c].report()
        );
        state[c] = State::Defeated;
        kf[c] = N::zero();
        push_round(
            &mut rounds,
            &votes,
            &state,
            &quota,
            &exhausted,
            Vec::new(),
            vec![c],
            action,
        );
    }

    // C: elect the remaining hopeful candidates if seats are left.
    let left = seats.saturating_sub(count(&state, State::Elected));
    let mut rest: Vec<usize> = (0..n).filter(|&c| state[c] == State::Hopeful).collect();
    if left > 0 && !rest.is_empty() {
        rest.sort_by(|&a, &b| votes[b].cmp(&votes[a]).then(a.cmp(&b)));
        for &c in &rest {
            state[c] = State::Elected;
            elected.push(CandidateId(c as u32));
        }
        if let Some(r) = rounds.last_mut() {
            r.action.push_str(&format!(
                " {} elected as the remaining hopeful candidates (step C.1).",
                names(election, rest.iter().copied())
            ));
            r.elected
                .extend(rest.iter().map(|&c| CandidateId(c as u32)));
        }
    }

    let mut notes = p.notes.clone();
    notes.push(match arithmetic {
        MeekArithmetic::Fixed9 => "Fixed-point arithmetic to nine decimal places, products and quotients rounded up; iteration stops when the total surplus is below 0.000001 (PR Foundation Meek reference rule).".to_owned(),
        MeekArithmetic::HighPrecision => "Fixed-point arithmetic to thirty decimal places, rounded up; iteration stops when the total surplus is below 10^-10.".to_owned(),
        MeekArithmetic::Rational => "Exact rational arithmetic (figures shown to twelve places, truncated); iteration stops when the total surplus is below 10^-10.".to_owned(),
    });
    if tree.labels.len() > tree.nodes.len() {
        notes.push("Equally ranked candidates share the ballot's weight equally.".to_owned());
    }
    Ok(Outcome {
        method: "meek".into(),
        source: "I. D. Hill, B. A. Wichmann, D. R. Woodall, 'Algorithm 123: Single Transferable Vote by Meek's method', Computer Journal 30(3), 1987; PR Foundation Meek reference rule".into(),
        seats: seats as u32,
        elected,
        order: None,
        rounds,
        set_aside: p.set_aside.clone(),
        seed: (lot.draws() > 0).then_some(lot.seed()),
        notes,
    })
}
