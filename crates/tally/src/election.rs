//! The values every counting method takes: candidates, seats and weighted ballots.

use serde::{Deserialize, Serialize};

/// A candidate's position in [`Election::candidates`], counted from zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CandidateId(pub u32);

impl CandidateId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One ranked ballot, or many identical ones (`weight` copies).
///
/// `ranks[0]` is the first preference. A rank holds more than one candidate where the voter
/// ranked them equally (`=` in BLT); methods that do not accept equal rankings say what they do
/// with them in their report.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Ballot {
    pub weight: u64,
    pub ranks: Vec<Vec<CandidateId>>,
}

/// An election as a file describes it: who stands, how many seats, who withdrew, and the ballots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Election {
    pub title: String,
    pub candidates: Vec<String>,
    pub seats: u32,
    pub withdrawn: Vec<CandidateId>,
    pub ballots: Vec<Ballot>,
}

/// Separates two ranks in a ballot of [`FlatBallots`].
pub const RANK_BREAK: CandidateId = CandidateId(u32::MAX);

/// Weighted ballots kept end to end in one array, without a vector per ballot or per rank.
///
/// Ballot `b` is a run of candidates with [`RANK_BREAK`] between its ranks (none for a ballot
/// that ranks nobody). The counts read these exactly as they read [`Election::ballots`]; the
/// ballot file readers build them first, so a large file costs no allocation per ballot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatBallots {
    keys: Vec<CandidateId>,
    /// Ballot `b` is `keys[starts[b]..starts[b + 1]]`.
    starts: Vec<usize>,
    weights: Vec<u64>,
}

impl Default for FlatBallots {
    fn default() -> Self {
        FlatBallots {
            keys: Vec::new(),
            starts: vec![0],
            weights: Vec::new(),
        }
    }
}

impl FlatBallots {
    /// Room for `ballots` ballots of `keys` candidates and rank breaks in all.
    pub fn with_capacity(ballots: usize, keys: usize) -> Self {
        let mut starts = Vec::with_capacity(ballots + 1);
        starts.push(0);
        FlatBallots {
            keys: Vec::with_capacity(keys),
            starts,
            weights: Vec::with_capacity(ballots),
        }
    }

    /// Adds a ballot given as its ranks.
    pub fn push<'r>(&mut self, weight: u64, ranks: impl IntoIterator<Item = &'r [CandidateId]>) {
        for (i, rank) in ranks.into_iter().enumerate() {
            if i > 0 {
                self.keys.push(RANK_BREAK);
            }
            self.keys.extend_from_slice(rank);
        }
        self.starts.push(self.keys.len());
        self.weights.push(weight);
    }

    /// Adds a ballot given flat: candidates with [`RANK_BREAK`] between ranks.
    pub fn push_flat(&mut self, weight: u64, key: impl IntoIterator<Item = CandidateId>) {
        self.keys.extend(key);
        self.starts.push(self.keys.len());
        self.weights.push(weight);
    }

    pub fn len(&self) -> usize {
        self.weights.len()
    }

    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    pub fn weight(&self, b: usize) -> u64 {
        self.weights[b]
    }

    /// Ballot `b` flat: candidates with [`RANK_BREAK`] between ranks.
    pub fn key(&self, b: usize) -> &[CandidateId] {
        &self.keys[self.starts[b]..self.starts[b + 1]]
    }

    /// Ballot `b`'s ranks, first preference first.
    pub fn ranks(&self, b: usize) -> impl Iterator<Item = &[CandidateId]> {
        let key = self.key(b);
        key.split(|&c| c == RANK_BREAK)
            .take(if key.is_empty() { 0 } else { usize::MAX })
    }

    /// The ballots as [`Ballot`]s (on two threads when there are many).
    pub fn to_ballots(&self) -> Vec<Ballot> {
        let n = self.len();
        if n < PARALLEL_BALLOTS {
            return self.build(0..n);
        }
        let half = n / 2;
        let (mut first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| self.build(half..n));
            (self.build(0..half), second.join())
        });
        match second {
            Ok(mut rest) => first.append(&mut rest),
            Err(_) => first.extend(self.build(half..n)),
        }
        first
    }

    fn build(&self, range: std::ops::Range<usize>) -> Vec<Ballot> {
        let mut out = Vec::with_capacity(range.len());
        for b in range {
            let key = self.key(b);
            let mut ranks = Vec::new();
            if !key.is_empty() {
                // Exact capacities: a million small vectors should not each grow twice.
                ranks.reserve_exact(1 + key.iter().filter(|&&c| c == RANK_BREAK).count());
                for rank in key.split(|&c| c == RANK_BREAK) {
                    ranks.push(rank.to_vec());
                }
            }
            out.push(Ballot {
                weight: self.weights[b],
                ranks,
            });
        }
        out
    }
}

impl From<&[Ballot]> for FlatBallots {
    fn from(ballots: &[Ballot]) -> Self {
        let mut flat = FlatBallots::with_capacity(ballots.len(), ballots.len() * 4);
        for b in ballots {
            flat.push(b.weight, b.ranks.iter().map(Vec::as_slice));
        }
        flat
    }
}

/// At least this many ballots are turned into [`Ballot`]s on two threads.
const PARALLEL_BALLOTS: usize = 1 << 15;

/// An [`Election`] whose ballots are kept flat ([`FlatBallots`]): what the BLT reader's
/// [`crate::formats::blt::parse_flat`] returns, and what the `count_flat` functions of
/// [`crate::stv`], [`crate::irv`] and [`crate::schulze`] count, with the same results as
/// reading and counting an [`Election`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlatElection {
    pub title: String,
    pub candidates: Vec<String>,
    pub seats: u32,
    pub withdrawn: Vec<CandidateId>,
    pub ballots: FlatBallots,
}

impl FlatElection {
    /// The election with its ballots as [`Ballot`]s.
    pub fn into_election(self) -> Election {
        let ballots = self.ballots.to_ballots();
        Election {
            title: self.title,
            candidates: self.candidates,
            seats: self.seats,
            withdrawn: self.withdrawn,
            ballots,
        }
    }

    /// Runs `count` on everything but the ballots (for the parts of a count that name
    /// candidates) and the flat ballots: the one way each method's `count_flat` reaches the
    /// count it shares with `count`.
    pub(crate) fn count_with<T>(&self, count: impl FnOnce(&Election, BallotsRef<'_>) -> T) -> T {
        let header = Election {
            title: self.title.clone(),
            candidates: self.candidates.clone(),
            seats: self.seats,
            withdrawn: self.withdrawn.clone(),
            ballots: Vec::new(),
        };
        count(&header, BallotsRef::Flat(&self.ballots))
    }
}

impl From<&Election> for FlatElection {
    fn from(e: &Election) -> Self {
        FlatElection {
            title: e.title.clone(),
            candidates: e.candidates.clone(),
            seats: e.seats,
            withdrawn: e.withdrawn.clone(),
            ballots: FlatBallots::from(e.ballots.as_slice()),
        }
    }
}

/// The ballots a count reads: an [`Election`]'s own, or flat ones.
#[derive(Clone, Copy)]
pub(crate) enum BallotsRef<'a> {
    Nested(&'a [Ballot]),
    Flat(&'a FlatBallots),
}

impl<'a> BallotsRef<'a> {
    pub fn len(self) -> usize {
        match self {
            BallotsRef::Nested(b) => b.len(),
            BallotsRef::Flat(f) => f.len(),
        }
    }

    /// Calls `f(index, weight, ranks)` for every ballot, in order.
    #[inline]
    pub fn each<E>(
        self,
        mut f: impl FnMut(usize, u64, &mut dyn Iterator<Item = &'a [CandidateId]>) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            BallotsRef::Nested(ballots) => {
                for (i, b) in ballots.iter().enumerate() {
                    f(i, b.weight, &mut b.ranks.iter().map(Vec::as_slice))?;
                }
            }
            BallotsRef::Flat(flat) => {
                for i in 0..flat.len() {
                    f(i, flat.weight(i), &mut flat.ranks(i))?;
                }
            }
        }
        Ok(())
    }
}
