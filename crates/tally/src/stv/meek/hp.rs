//! Fixed-point decimals with thirty places on big integers, for Meek at high precision.

use std::fmt;

use num_bigint::BigInt;
use num_traits::{One, Signed, Zero};

use crate::num::MeekNumber;

const PLACES: u32 = 30;

fn scale() -> BigInt {
    BigInt::from(10u32).pow(PLACES)
}

/// A non-negative-in-practice decimal with thirty places, rounded up where Meek rounds.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub struct Dec30(BigInt);

fn div_up(n: BigInt, d: &BigInt) -> BigInt {
    let (q, r) = (&n / d, &n % d);
    if !r.is_zero() && (n.is_negative() == d.is_negative()) {
        q + 1
    } else {
        q
    }
}

impl fmt::Display for Dec30 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.report())
    }
}

impl MeekNumber for Dec30 {
    fn zero() -> Self {
        Dec30(BigInt::zero())
    }
    fn one() -> Self {
        Dec30(scale())
    }
    fn from_int(n: u64) -> Option<Self> {
        Some(Dec30(BigInt::from(n) * scale()))
    }
    fn epsilon() -> Self {
        Dec30(BigInt::one())
    }
    fn pow10_neg(digits: u32) -> Self {
        Dec30(BigInt::from(10u32).pow(PLACES.saturating_sub(digits)))
    }
    fn add(&self, o: &Self) -> Self {
        Dec30(&self.0 + &o.0)
    }
    fn sub(&self, o: &Self) -> Self {
        Dec30(&self.0 - &o.0)
    }
    fn add_assign(&mut self, o: &Self) {
        self.0 += &o.0;
    }
    fn sub_assign(&mut self, o: &Self) {
        self.0 -= &o.0;
    }
    fn mul_up(&self, o: &Self) -> Self {
        Dec30(div_up(&self.0 * &o.0, &scale()))
    }
    fn div_up(&self, o: &Self) -> Option<Self> {
        (!o.0.is_zero()).then(|| Dec30(div_up(&self.0 * scale(), &o.0)))
    }
    fn div_int_trunc(&self, n: u64) -> Option<Self> {
        (n != 0).then(|| Dec30(&self.0 / BigInt::from(n)))
    }
    fn mul_int(&self, n: u64) -> Self {
        Dec30(&self.0 * BigInt::from(n))
    }
    fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
    fn report(&self) -> String {
        // Twelve places, truncated, as the reports of exact counts show them.
        let cut = BigInt::from(10u32).pow(PLACES - 12);
        let v = &self.0 / cut;
        let neg = v.is_negative();
        let abs = v.abs();
        let unit = BigInt::from(10u64.pow(12));
        format!(
            "{}{}.{:012}",
            if neg { "-" } else { "" },
            &abs / &unit,
            (&abs % &unit).to_string().parse::<u64>().unwrap_or(0)
        )
    }
}
