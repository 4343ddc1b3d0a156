//! The numbers counting rules compute with: fixed-point decimals with the rule's own rounding,
//! and exact rationals. No floats.
//!
//! A rule that fixes its arithmetic (Scottish STV's "five decimal places (any remainder being
//! ignored)", the PR Foundation Meek rule's nine decimal places rounded up, the PR Foundation
//! WIGM rule's four decimal places truncated) gets a [`Fixed`] with that many places, and every
//! multiplication and division says how it rounds. [`Rational`] is exact.

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

/// A decimal with `DP` places, held as an integer count of `10^-DP` units.
///
/// Additions and subtractions are exact. Products and quotients take an explicit rounding:
/// `_trunc` drops the remainder (towards zero), `_up` rounds away from zero, as the rules say.
/// Intermediate products are computed in 128 bits, so they do not overflow.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fixed<const DP: u32>(i64);

/// Scottish STV's arithmetic: five decimal places, remainders ignored (SSI 2007/42 rule 48(3)).
pub type Fixed5 = Fixed<5>;
/// The PR Foundation WIGM reference rule's arithmetic: four decimal places, truncated.
pub type Fixed4 = Fixed<4>;
/// The PR Foundation Meek reference rule's arithmetic: nine decimal places.
pub type Fixed9 = Fixed<9>;

impl<const DP: u32> Fixed<DP> {
    /// `10^DP`, the number of units in one.
    pub const SCALE: i64 = 10i64.pow(DP);
    pub const ZERO: Self = Fixed(0);
    pub const ONE: Self = Fixed(Self::SCALE);
    /// The smallest positive value, `10^-DP`.
    pub const EPSILON: Self = Fixed(1);

    /// A whole number, or `None` when it does not fit.
    pub fn from_int(n: u64) -> Option<Self> {
        i64::try_from(n).ok()?.checked_mul(Self::SCALE).map(Fixed)
    }

    /// A value from its count of `10^-DP` units.
    pub const fn from_units(units: i64) -> Self {
        Fixed(units)
    }

    /// The count of `10^-DP` units.
    pub const fn units(self) -> i64 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    fn narrow(x: i128) -> Self {
        // Counts are validated on entry so that no total exceeds `i64` units; saturating keeps
        // an impossible overflow visible as an absurd figure rather than a wrapped one.
        Fixed(i64::try_from(x).unwrap_or(if x < 0 { i64::MIN } else { i64::MAX }))
    }

    /// `self × n` for a whole `n` (a ballot's multiplicity): exact.
    pub fn mul_int(self, n: u64) -> Self {
        Self::narrow(i128::from(self.0) * i128::from(n))
    }

    /// `self × other`, remainder ignored.
    pub fn mul_trunc(self, other: Self) -> Self {
        Self::narrow(i128::from(self.0) * i128::from(other.0) / i128::from(Self::SCALE))
    }

    /// `self × other`, rounded up (away from zero).
    pub fn mul_up(self, other: Self) -> Self {
        Self::narrow(div_up(
            i128::from(self.0) * i128::from(other.0),
            i128::from(Self::SCALE),
        ))
    }

    /// `self ÷ other`, remainder ignored; `None` when dividing by zero.
    pub fn div_trunc(self, other: Self) -> Option<Self> {
        (other.0 != 0).then(|| {
            Self::narrow(i128::from(self.0) * i128::from(Self::SCALE) / i128::from(other.0))
        })
    }

    /// `self ÷ other`, rounded up; `None` when dividing by zero.
    pub fn div_up(self, other: Self) -> Option<Self> {
        (other.0 != 0).then(|| {
            Self::narrow(div_up(
                i128::from(self.0) * i128::from(Self::SCALE),
                i128::from(other.0),
            ))
        })
    }

    /// `self ÷ n` for a whole `n`, remainder ignored; `None` when `n` is zero.
    pub fn div_int_trunc(self, n: u64) -> Option<Self> {
        (n != 0).then(|| Self::narrow(i128::from(self.0) / i128::from(n)))
    }

    /// `a × b ÷ c` with a single truncation at the end; `None` when `c` is zero.
    ///
    /// This is the Scottish transfer value "A divided by B" (SSI 2007/42 rule 48(3)), where A is
    /// the surplus times the ballot's value and the division is "made to five decimal places
    /// (any remainder being ignored)".
    pub fn mul_div_trunc(a: Self, b: Self, c: Self) -> Option<Self> {
        (c.0 != 0).then(|| Self::narrow(i128::from(a.0) * i128::from(b.0) / i128::from(c.0)))
    }

    /// The whole part, remainder ignored.
    pub fn floor_int(self) -> i64 {
        self.0.div_euclid(Self::SCALE)
    }
}

fn div_up(n: i128, d: i128) -> i128 {
    let q = n / d;
    if n % d != 0 && ((n < 0) == (d < 0)) {
        q + 1
    } else {
        q
    }
}

impl<const DP: u32> Add for Fixed<DP> {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Fixed(self.0 + o.0)
    }
}
impl<const DP: u32> Sub for Fixed<DP> {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Fixed(self.0 - o.0)
    }
}
impl<const DP: u32> AddAssign for Fixed<DP> {
    fn add_assign(&mut self, o: Self) {
        self.0 += o.0;
    }
}
impl<const DP: u32> SubAssign for Fixed<DP> {
    fn sub_assign(&mut self, o: Self) {
        self.0 -= o.0;
    }
}
impl<const DP: u32> std::iter::Sum for Fixed<DP> {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::ZERO, |a, b| a + b)
    }
}

impl<const DP: u32> fmt::Display for Fixed<DP> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let scale = Self::SCALE.unsigned_abs();
        if DP == 0 {
            write!(f, "{sign}{abs}")
        } else {
            write!(
                f,
                "{sign}{}.{:0width$}",
                abs / scale,
                abs % scale,
                width = DP as usize
            )
        }
    }
}

impl<const DP: u32> fmt::Debug for Fixed<DP> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<const DP: u32> std::str::FromStr for Fixed<DP> {
    type Err = ParseFixedError;
    /// Parses `"123"` or `"123.45"` with at most `DP` decimals.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseFixedError(s.to_owned());
        let (neg, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
        if whole.is_empty()
            || frac.len() > DP as usize
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(err());
        }
        let w: i64 = whole.parse().map_err(|_| err())?;
        let mut f: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| err())?
        };
        for _ in frac.len()..DP as usize {
            f *= 10;
        }
        let units = w
            .checked_mul(Self::SCALE)
            .and_then(|x| x.checked_add(f))
            .ok_or_else(err)?;
        Ok(Fixed(if neg { -units } else { units }))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a decimal number with the expected places: {0:?}")]
pub struct ParseFixedError(String);

/// An exact rational number.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Rational(BigRational);

impl Rational {
    pub fn zero() -> Self {
        Rational(BigRational::zero())
    }
    pub fn one() -> Self {
        Rational(BigRational::one())
    }
    pub fn from_int(n: u64) -> Self {
        Rational(BigRational::from_integer(BigInt::from(n)))
    }
    pub fn ratio(n: u64, d: u64) -> Option<Self> {
        (d != 0).then(|| Rational(BigRational::new(BigInt::from(n), BigInt::from(d))))
    }
    pub fn inner(&self) -> &BigRational {
        &self.0
    }
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
    pub fn is_negative(&self) -> bool {
        self.0.is_negative()
    }

    /// The value written with `places` decimals, remainder ignored (for reports).
    pub fn to_decimal(&self, places: u32) -> String {
        let scale = BigInt::from(10u32).pow(places);
        let scaled = (&self.0 * BigRational::from_integer(scale.clone()))
            .trunc()
            .to_integer();
        let neg = scaled.is_negative();
        let abs = scaled.abs();
        let whole = &abs / &scale;
        let frac = &abs % &scale;
        let frac = frac.to_u128().unwrap_or(0);
        format!(
            "{}{}.{:0width$}",
            if neg { "-" } else { "" },
            whole,
            frac,
            width = places as usize
        )
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal(12))
    }
}

impl PartialOrd<Fixed9> for Rational {
    fn partial_cmp(&self, other: &Fixed9) -> Option<Ordering> {
        let o = BigRational::new(BigInt::from(other.units()), BigInt::from(Fixed9::SCALE));
        self.0.partial_cmp(&o)
    }
}
impl PartialEq<Fixed9> for Rational {
    fn eq(&self, other: &Fixed9) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

/// The operations Meek's method needs, so that one implementation runs in the PR Foundation
/// rule's nine-decimal fixed point and in exact rationals alike.
pub trait MeekNumber: Clone + Ord + fmt::Display {
    fn zero() -> Self;
    fn one() -> Self;
    fn from_int(n: u64) -> Option<Self>;
    /// The smallest amount the arithmetic distinguishes (added to the quota), zero if exact.
    fn epsilon() -> Self;
    /// `10^-digits`.
    fn pow10_neg(digits: u32) -> Self;
    fn add(&self, o: &Self) -> Self;
    fn sub(&self, o: &Self) -> Self;
    fn add_assign(&mut self, o: &Self);
    fn sub_assign(&mut self, o: &Self);
    /// `self × o`, rounded up where the arithmetic rounds.
    fn mul_up(&self, o: &Self) -> Self;
    /// `self ÷ o`, rounded up where the arithmetic rounds; `None` for a zero divisor.
    fn div_up(&self, o: &Self) -> Option<Self>;
    /// `self ÷ n`, truncated where the arithmetic rounds; `None` for zero.
    fn div_int_trunc(&self, n: u64) -> Option<Self>;
    fn mul_int(&self, n: u64) -> Self;
    fn is_zero(&self) -> bool;
    /// The value as the report shows it.
    fn report(&self) -> String;
}

impl MeekNumber for Fixed9 {
    fn zero() -> Self {
        Fixed9::ZERO
    }
    fn one() -> Self {
        Fixed9::ONE
    }
    fn from_int(n: u64) -> Option<Self> {
        Fixed9::from_int(n)
    }
    fn epsilon() -> Self {
        Fixed9::EPSILON
    }
    fn pow10_neg(digits: u32) -> Self {
        Fixed(10i64.pow(9u32.saturating_sub(digits)))
    }
    #[inline]
    fn add(&self, o: &Self) -> Self {
        *self + *o
    }
    #[inline]
    fn sub(&self, o: &Self) -> Self {
        *self - *o
    }
    #[inline]
    fn add_assign(&mut self, o: &Self) {
        *self += *o;
    }
    #[inline]
    fn sub_assign(&mut self, o: &Self) {
        *self -= *o;
    }
    #[inline]
    fn mul_up(&self, o: &Self) -> Self {
        // Ballot weights and keep factors lie in [0, 1]: their product fits in 64 bits, and a
        // 64-bit division by the constant scale is a multiplication.
        const SMALL: u64 = 1 << 31;
        let (a, b) = (self.0 as u64, o.0 as u64);
        if a <= SMALL && b <= SMALL {
            let p = a * b;
            Fixed(p.div_ceil(Self::SCALE as u64) as i64)
        } else {
            Fixed::mul_up(*self, *o)
        }
    }
    fn div_up(&self, o: &Self) -> Option<Self> {
        Fixed::div_up(*self, *o)
    }
    fn div_int_trunc(&self, n: u64) -> Option<Self> {
        Fixed::div_int_trunc(*self, n)
    }
    #[inline]
    fn mul_int(&self, n: u64) -> Self {
        match i64::try_from(n).ok().and_then(|n| self.0.checked_mul(n)) {
            Some(x) => Fixed(x),
            None => Fixed::mul_int(*self, n),
        }
    }
    #[inline]
    fn is_zero(&self) -> bool {
        self.0 == 0
    }
    fn report(&self) -> String {
        self.to_string()
    }
}

impl MeekNumber for Rational {
    fn zero() -> Self {
        Rational::zero()
    }
    fn one() -> Self {
        Rational::one()
    }
    fn from_int(n: u64) -> Option<Self> {
        Some(Rational::from_int(n))
    }
    fn epsilon() -> Self {
        Rational::zero()
    }
    fn pow10_neg(digits: u32) -> Self {
        Rational(BigRational::new(
            BigInt::one(),
            BigInt::from(10u32).pow(digits),
        ))
    }
    fn add(&self, o: &Self) -> Self {
        Rational(&self.0 + &o.0)
    }
    fn sub(&self, o: &Self) -> Self {
        Rational(&self.0 - &o.0)
    }
    fn add_assign(&mut self, o: &Self) {
        self.0 += &o.0;
    }
    fn sub_assign(&mut self, o: &Self) {
        self.0 -= &o.0;
    }
    fn mul_up(&self, o: &Self) -> Self {
        Rational(&self.0 * &o.0)
    }
    fn div_up(&self, o: &Self) -> Option<Self> {
        (!o.0.is_zero()).then(|| Rational(&self.0 / &o.0))
    }
    fn div_int_trunc(&self, n: u64) -> Option<Self> {
        (n != 0).then(|| Rational(&self.0 / BigRational::from_integer(BigInt::from(n))))
    }
    fn mul_int(&self, n: u64) -> Self {
        Rational(&self.0 * BigRational::from_integer(BigInt::from(n)))
    }
    fn is_zero(&self) -> bool {
        self.0.is_zero()
    }
    fn report(&self) -> String {
        self.to_decimal(12)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let x: Fixed5 = "1234.5".parse().unwrap();
        assert_eq!(x.to_string(), "1234.50000");
        assert_eq!(x.units(), 123_450_000);
        assert_eq!(Fixed5::from_units(-5).to_string(), "-0.00005");
        assert!("1.123456".parse::<Fixed5>().is_err());
        assert!("x".parse::<Fixed5>().is_err());
    }

    #[test]
    fn rounding_is_explicit() {
        let third = Fixed9::ONE.div_trunc(Fixed9::from_int(3).unwrap()).unwrap();
        assert_eq!(third.to_string(), "0.333333333");
        let third_up = Fixed9::ONE.div_up(Fixed9::from_int(3).unwrap()).unwrap();
        assert_eq!(third_up.to_string(), "0.333333334");
        assert_eq!(third.mul_up(third).to_string(), "0.111111111");
        let a: Fixed9 = "0.000000001".parse().unwrap();
        assert_eq!(a.mul_up(a), Fixed9::EPSILON);
        assert_eq!(a.mul_trunc(a), Fixed9::ZERO);
    }

    #[test]
    fn scottish_transfer_value_truncates_once() {
        // Surplus 17 of a candidate with 33 votes, ballot value 1: 17/33 = 0.515151...
        let s = Fixed5::from_int(17).unwrap();
        let t = Fixed5::from_int(33).unwrap();
        let tv = Fixed5::mul_div_trunc(Fixed5::ONE, s, t).unwrap();
        assert_eq!(tv.to_string(), "0.51515");
    }

    #[test]
    fn rational_decimal_report() {
        let r = Rational::ratio(4003, 4).unwrap();
        assert_eq!(r.to_decimal(12), "1000.750000000000");
        assert!(r > Fixed9::from_int(1000).unwrap());
    }
}
