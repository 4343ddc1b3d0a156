//! Decisions on motions: yes/no/abstain with weights, quorum, and the majority rules charters
//! use.
//!
//! A [`Majority`] is a fraction of a base, reached either "at least" or "more than":
//!
//! | rule | fraction | comparison | base | source |
//! | --- | --- | --- | --- | --- |
//! | majority vote | 1/2 | more than | votes cast (abstentions excluded) | RONR (12th ed.) §44:1 |
//! | two-thirds vote | 2/3 | at least | votes cast (abstentions excluded) | RONR §44:3 |
//! | majority of the members present | 1/2 | more than | members present | RONR §44:7–9 |
//! | majority of the entire membership | 1/2 | more than | all members | RONR §44:7–9 |
//! | two thirds of the members present | 2/3 | at least | members present | RONR §44:7–9; 社会团体章程示范文本 |
//! | 到会半数以上 (half or more of those present) | 1/2 | at least | members present | 社会团体章程示范文本 |
//!
//! Sources:
//! - Robert's Rules of Order Newly Revised, 12th edition (2020), §44:1 ("a majority vote ... means
//!   more than half of the votes cast by persons entitled to vote, excluding blanks or
//!   abstentions"), §44:3 ("a two-thirds vote ... means at least two thirds of the votes cast ...
//!   excluding blanks or abstentions"), §44:7–9 (modifications: a majority or two thirds "of the
//!   members present" or "of the entire membership", in which abstentions count as no votes),
//!   §40:1 (quorum).
//! - The Regulations on the Registration and Administration of Social Organisations
//!   (社会团体登记管理条例, State Council 1998, revised 2016), art. 14, require a charter to
//!   set out how its bodies are formed and decide; the Ministry of Civil Affairs' model charter
//!   for social organisations (社会团体章程示范文本, 26 November 1998) fills that in: the member
//!   congress "须有2/3以上的会员（或会员代表）出席方能召开" (quorum: two thirds of the members),
//!   its resolutions take effect when passed by "到会会员（或会员代表）半数以上", and the
//!   council's need "到会理事2/3以上". Later model charters (e.g. the 2020 trial model for
//!   national trade associations and chambers of commerce) and the charters built on them
//!   require two thirds of those present ("到会会员代表2/3以上") to adopt or amend the charter.
//! - The Civil Code of the PRC, art. 1259: "以上" includes the number itself. "2/3以上" is
//!   therefore "at least two thirds" ([`Comparison::AtLeast`]), and "半数以上" is "at least
//!   half", so that exactly half passes; a charter that means "more than half" says "过半数"
//!   ([`Comparison::MoreThan`]).
//!
//! All arithmetic is on integers: a threshold is the fewest yes votes (or vote weights) that
//! satisfy the rule, computed exactly as a fraction of the base; there is no float anywhere.
//! A motion with no yes votes at all is never adopted, whatever the rule (a rule whose
//! threshold is zero, e.g. "at least half" of an empty base, does not adopt a motion nobody
//! voted for).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A fraction `num/den` with `0 < num <= den`, kept in lowest terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawFraction", into = "RawFraction")]
pub struct Fraction {
    num: u64,
    den: u64,
}

#[derive(Serialize, Deserialize)]
struct RawFraction {
    num: u64,
    den: u64,
}

impl TryFrom<RawFraction> for Fraction {
    type Error = DecisionError;
    fn try_from(r: RawFraction) -> Result<Self, Self::Error> {
        Fraction::new(r.num, r.den)
    }
}

impl From<Fraction> for RawFraction {
    fn from(f: Fraction) -> Self {
        RawFraction {
            num: f.num,
            den: f.den,
        }
    }
}

impl Fraction {
    pub const HALF: Fraction = Fraction { num: 1, den: 2 };
    pub const TWO_THIRDS: Fraction = Fraction { num: 2, den: 3 };
    pub const THREE_QUARTERS: Fraction = Fraction { num: 3, den: 4 };
    pub const ALL: Fraction = Fraction { num: 1, den: 1 };

    /// `num/den`, reduced; refused unless `0 < num <= den`.
    pub fn new(num: u64, den: u64) -> Result<Fraction, DecisionError> {
        if num == 0 || den == 0 || num > den {
            return Err(DecisionError::BadFraction { num, den });
        }
        let g = gcd(num, den);
        Ok(Fraction {
            num: num / g,
            den: den / g,
        })
    }

    pub fn num(self) -> u64 {
        self.num
    }

    pub fn den(self) -> u64 {
        self.den
    }

    /// The fewest `v` with `v >= base * self` (AtLeast) or `v > base * self` (MoreThan).
    pub fn threshold(self, base: u64, cmp: Comparison) -> u64 {
        let product = u128::from(base) * u128::from(self.num);
        let den = u128::from(self.den);
        let t = match cmp {
            Comparison::AtLeast => product.div_ceil(den),
            Comparison::MoreThan => product / den + 1,
        };
        // t <= base + 1 since num <= den
        u64::try_from(t).unwrap_or(u64::MAX)
    }

    fn words(self) -> String {
        match (self.num, self.den) {
            (1, 2) => "half".into(),
            (2, 3) => "two thirds".into(),
            (3, 4) => "three quarters".into(),
            (1, 1) => "all".into(),
            (n, d) => format!("{n}/{d}"),
        }
    }
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Whether the threshold itself passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// "at least" (RONR's two-thirds vote; Chinese "以上").
    AtLeast,
    /// "more than" (RONR's majority; Chinese "过半数", "超过").
    MoreThan,
}

/// What the fraction is taken of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// Yes and no votes; abstentions and blanks are not counted (RONR §44:1).
    Cast,
    /// Yes, no and abstentions: an abstention weighs like a no.
    CastAndAbstentions,
    /// Everyone present (or represented by proxy) and entitled to vote, whether they voted or
    /// not (RONR §44:7–9; "到会").
    Present,
    /// All members of the body, present or not (RONR §44:7–9, "the entire membership").
    Members,
}

impl Base {
    fn words(self) -> &'static str {
        match self {
            Base::Cast => "the votes cast",
            Base::CastAndAbstentions => "the votes cast including abstentions",
            Base::Present => "the members present",
            Base::Members => "all members",
        }
    }
}

/// A majority rule: `fraction` of `base`, reached `comparison`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Majority {
    pub fraction: Fraction,
    pub comparison: Comparison,
    pub base: Base,
}

impl Majority {
    /// More than half of the votes cast (RONR §44:1).
    pub const SIMPLE: Majority = Majority {
        fraction: Fraction::HALF,
        comparison: Comparison::MoreThan,
        base: Base::Cast,
    };
    /// At least two thirds of the votes cast (RONR §44:3).
    pub const TWO_THIRDS_OF_CAST: Majority = Majority {
        fraction: Fraction::TWO_THIRDS,
        comparison: Comparison::AtLeast,
        base: Base::Cast,
    };
    /// More than half of the members present (RONR §44:7–9).
    pub const ABSOLUTE_OF_PRESENT: Majority = Majority {
        fraction: Fraction::HALF,
        comparison: Comparison::MoreThan,
        base: Base::Present,
    };
    /// More than half of all members (RONR §44:7–9).
    pub const ABSOLUTE_OF_MEMBERS: Majority = Majority {
        fraction: Fraction::HALF,
        comparison: Comparison::MoreThan,
        base: Base::Members,
    };
    /// At least two thirds of the members present (RONR §44:7–9; the model charter's rule for
    /// adopting or amending the charter, "到会会员代表2/3以上").
    pub const TWO_THIRDS_OF_PRESENT: Majority = Majority {
        fraction: Fraction::TWO_THIRDS,
        comparison: Comparison::AtLeast,
        base: Base::Present,
    };
    /// At least two thirds of all members.
    pub const TWO_THIRDS_OF_MEMBERS: Majority = Majority {
        fraction: Fraction::TWO_THIRDS,
        comparison: Comparison::AtLeast,
        base: Base::Members,
    };
    /// At least half of the members present: the model charter's rule for ordinary resolutions
    /// ("到会会员代表半数以上"; "以上" includes the number, Civil Code art. 1259).
    pub const HALF_OR_MORE_OF_PRESENT: Majority = Majority {
        fraction: Fraction::HALF,
        comparison: Comparison::AtLeast,
        base: Base::Present,
    };

    /// The rule in words, e.g. "at least two thirds of the members present".
    pub fn describe(&self) -> String {
        let cmp = match self.comparison {
            Comparison::AtLeast => "at least",
            Comparison::MoreThan => "more than",
        };
        format!("{cmp} {} of {}", self.fraction.words(), self.base.words())
    }

    /// Where the rule comes from, for the record.
    pub fn source(&self) -> &'static str {
        let (f, c) = (self.fraction, self.comparison);
        match (self.base, c) {
            (Base::Cast, Comparison::MoreThan) if f == Fraction::HALF => {
                "Robert's Rules of Order Newly Revised, 12th ed., §44:1 (majority vote)"
            }
            (Base::Cast, Comparison::AtLeast) if f == Fraction::TWO_THIRDS => {
                "Robert's Rules of Order Newly Revised, 12th ed., §44:3 (two-thirds vote)"
            }
            (Base::Present, Comparison::AtLeast) if f == Fraction::TWO_THIRDS => {
                "社会团体章程示范文本 (Ministry of Civil Affairs model charter): 到会会员代表2/3以上; RONR 12th ed. §44:7–9"
            }
            (Base::Present, Comparison::AtLeast) if f == Fraction::HALF => {
                "社会团体章程示范文本 (Ministry of Civil Affairs model charter): 到会会员代表半数以上; Civil Code art. 1259"
            }
            (Base::Present | Base::Members, _) => {
                "Robert's Rules of Order Newly Revised, 12th ed., §44:7–9 (votes of the members present or of the entire membership)"
            }
            _ => "the body's charter",
        }
    }
}

/// A quorum rule: how many members must be present for the body to decide (RONR §40:1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Quorum {
    /// No quorum: whoever attends may decide.
    None,
    /// A share of all members, e.g. at least two thirds ("须有2/3以上的会员代表出席").
    Share {
        fraction: Fraction,
        comparison: Comparison,
    },
    /// A number of members present.
    Number { present: u64 },
}

impl Quorum {
    /// The model charter's quorum: at least two thirds of the members.
    pub const TWO_THIRDS: Quorum = Quorum::Share {
        fraction: Fraction::TWO_THIRDS,
        comparison: Comparison::AtLeast,
    };
    /// More than half of the members (RONR §40:3, the default where the bylaws are silent).
    pub const MAJORITY: Quorum = Quorum::Share {
        fraction: Fraction::HALF,
        comparison: Comparison::MoreThan,
    };

    /// The fewest present that make a quorum out of `members`. A share of the members needs at
    /// least one of them: a body with no members, or nobody present, cannot decide.
    pub fn required(&self, members: u64) -> u64 {
        match *self {
            Quorum::None => 0,
            Quorum::Share {
                fraction,
                comparison,
            } => fraction.threshold(members, comparison).max(1),
            Quorum::Number { present } => present,
        }
    }

    /// Checks `present` out of `members`.
    pub fn check(&self, present: u64, members: u64) -> QuorumCheck {
        let required = self.required(members);
        QuorumCheck {
            rule: *self,
            members,
            present,
            required,
            met: present >= required,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Quorum::None => "no quorum".into(),
            Quorum::Share {
                fraction,
                comparison,
            } => format!(
                "{} {} of the members",
                match comparison {
                    Comparison::AtLeast => "at least",
                    Comparison::MoreThan => "more than",
                },
                fraction.words()
            ),
            Quorum::Number { present } => format!("{present} members present"),
        }
    }
}

/// A quorum, as computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuorumCheck {
    pub rule: Quorum,
    pub members: u64,
    pub present: u64,
    pub required: u64,
    pub met: bool,
}

/// One voter's choice on a motion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    Yes,
    No,
    Abstain,
}

/// The figures of a vote, each a sum of weights.
///
/// `present` is everyone present or represented and entitled to vote (whether or not they
/// voted), `members` everyone entitled to vote in the body. A count must satisfy
/// `yes + no + abstain <= present <= members`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    pub yes: u64,
    pub no: u64,
    pub abstain: u64,
    pub present: u64,
    pub members: u64,
}

impl Counts {
    /// Sums weighted choices; `present` and `members` are the caller's.
    pub fn from_votes(
        votes: impl IntoIterator<Item = (Choice, u64)>,
        present: u64,
        members: u64,
    ) -> Counts {
        let mut c = Counts {
            present,
            members,
            ..Counts::default()
        };
        for (choice, w) in votes {
            match choice {
                Choice::Yes => c.yes += w,
                Choice::No => c.no += w,
                Choice::Abstain => c.abstain += w,
            }
        }
        c
    }

    /// Votes that took part: yes, no and abstentions.
    pub fn voted(&self) -> u64 {
        self.yes + self.no + self.abstain
    }

    fn base(&self, base: Base) -> u64 {
        match base {
            Base::Cast => self.yes + self.no,
            Base::CastAndAbstentions => self.voted(),
            Base::Present => self.present,
            Base::Members => self.members,
        }
    }
}

/// Why a motion was adopted or not; a UI translates the variant and fills in the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The yes votes reached the threshold.
    ThresholdReached,
    /// The yes votes fell short of the threshold.
    ThresholdMissed,
    /// Fewer were present than the quorum; nothing could be decided.
    NoQuorum,
    /// Nobody voted yes (e.g. no votes at all), so nothing was adopted.
    NoYesVotes,
}

impl Reason {
    /// A stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Reason::ThresholdReached => "threshold_reached",
            Reason::ThresholdMissed => "threshold_missed",
            Reason::NoQuorum => "no_quorum",
            Reason::NoYesVotes => "no_yes_votes",
        }
    }
}

/// The result of a decision on a motion: what was decided, under which rule, with which
/// numbers, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub adopted: bool,
    pub reason: Reason,
    pub majority: Majority,
    /// The majority rule in words.
    pub rule: String,
    /// Where the rule comes from.
    pub source: String,
    pub counts: Counts,
    pub quorum: QuorumCheck,
    /// The base the fraction is taken of.
    pub base: u64,
    /// The fewest yes votes that adopt the motion.
    pub threshold: u64,
    /// The decision as an English sentence.
    pub explanation: String,
}

/// A count that cannot be decided on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum DecisionError {
    #[error("a fraction needs 0 < numerator <= denominator, not {num}/{den}")]
    BadFraction { num: u64, den: u64 },
    #[error("{voted} voted but only {present} are present")]
    MoreVotedThanPresent { voted: u64, present: u64 },
    #[error("{present} are present but the body has only {members} members")]
    MorePresentThanMembers { present: u64, members: u64 },
}

impl DecisionError {
    pub fn code(&self) -> &'static str {
        match self {
            DecisionError::BadFraction { .. } => "bad_fraction",
            DecisionError::MoreVotedThanPresent { .. } => "more_voted_than_present",
            DecisionError::MorePresentThanMembers { .. } => "more_present_than_members",
        }
    }
}

/// Decides a motion: first the quorum, then the majority. See the [module docs](self).
pub fn decide(
    counts: Counts,
    majority: Majority,
    quorum: Quorum,
) -> Result<Decision, DecisionError> {
    if counts.voted() > counts.present {
        return Err(DecisionError::MoreVotedThanPresent {
            voted: counts.voted(),
            present: counts.present,
        });
    }
    if counts.present > counts.members {
        return Err(DecisionError::MorePresentThanMembers {
            present: counts.present,
            members: counts.members,
        });
    }
    let q = quorum.check(counts.present, counts.members);
    let base = counts.base(majority.base);
    let threshold = majority.fraction.threshold(base, majority.comparison);
    let rule = majority.describe();
    let figures = format!(
        "{} yes, {} no, {} abstaining; {} present of {} members",
        counts.yes, counts.no, counts.abstain, counts.present, counts.members
    );
    let (adopted, reason, explanation) = if !q.met {
        (
            false,
            Reason::NoQuorum,
            format!(
                "Not decided: {} present, fewer than the quorum of {} ({} of {}).",
                q.present,
                q.required,
                quorum.describe(),
                q.members
            ),
        )
    } else if counts.yes == 0 {
        (
            false,
            Reason::NoYesVotes,
            format!("Rejected: nobody voted yes ({figures})."),
        )
    } else if counts.yes >= threshold {
        (
            true,
            Reason::ThresholdReached,
            format!(
                "Adopted: {} yes reach the threshold of {threshold}, {rule} ({base}); {figures}.",
                counts.yes
            ),
        )
    } else {
        (
            false,
            Reason::ThresholdMissed,
            format!(
                "Rejected: {} yes fall short of the threshold of {threshold}, {rule} ({base}); {figures}.",
                counts.yes
            ),
        )
    };
    Ok(Decision {
        adopted,
        reason,
        majority,
        rule,
        source: majority.source().into(),
        counts,
        quorum: q,
        base,
        threshold,
        explanation,
    })
}
