//! Drawing lots, reproducibly.
//!
//! Where a rule's own provisions leave a tie, it is broken "by lot". A count draws from a
//! [`Lot`] made from a seed that the report records, so that anyone can replay the count and
//! get the same draws. The generator is SplitMix64 (Steele, Lea and Flood, "Fast splittable
//! pseudorandom number generators", OOPSLA 2014): small, fully specified, and identical on
//! every platform, which is what a replayable draw needs; it is not meant to be unpredictable.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    seed: u64,
    state: u64,
    draws: u32,
}

impl Lot {
    pub fn new(seed: u64) -> Self {
        Lot {
            seed,
            state: seed,
            draws: 0,
        }
    }

    /// The seed this lot was made from, for the report.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How many draws have been made so far.
    pub fn draws(&self) -> u32 {
        self.draws
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Draws one of `n` positions (`0..n`) uniformly, without modulo bias.
    ///
    /// Returns `None` when `n` is zero: there is nothing to draw from.
    pub fn draw(&mut self, n: usize) -> Option<usize> {
        let n = u64::try_from(n).ok().filter(|&n| n > 0)?;
        self.draws += 1;
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let x = self.next_u64();
            if x < zone {
                return usize::try_from(x % n).ok();
            }
        }
    }

    /// Picks one item of a non-empty slice by lot.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        let i = self.draw(items.len())?;
        items.get(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_draws() {
        let mut a = Lot::new(42);
        let mut b = Lot::new(42);
        let xs: Vec<_> = (0..100).map(|_| a.draw(7)).collect();
        let ys: Vec<_> = (0..100).map(|_| b.draw(7)).collect();
        assert_eq!(xs, ys);
        assert_eq!(a.draws(), 100);
        assert!(xs.iter().all(|x| x.is_some_and(|x| x < 7)));
    }

    #[test]
    fn every_position_can_be_drawn() {
        let mut lot = Lot::new(1);
        let mut seen = [false; 5];
        for _ in 0..200 {
            if let Some(i) = lot.draw(5) {
                seen[i] = true;
            }
        }
        assert_eq!(seen, [true; 5]);
        assert_eq!(lot.draw(0), None);
    }
}
