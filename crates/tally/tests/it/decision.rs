//! Tests: decisions on motions, as a table of worked cases.

use tally::decision::{
    Base, Choice, Comparison, Counts, Decision, Fraction, Majority, Quorum, Reason, decide,
};

/// One case: the figures (yes, no, abstain, present, members), the rules, and what must come out.
struct Case {
    name: &'static str,
    votes: (u64, u64, u64, u64, u64),
    majority: Majority,
    quorum: Quorum,
    adopted: bool,
    reason: Reason,
    threshold: u64,
    base: u64,
}

fn check(c: &Case) -> Decision {
    let (yes, no, abstain, present, members) = c.votes;
    let counts = Counts {
        yes,
        no,
        abstain,
        present,
        members,
    };
    let d = decide(counts, c.majority, c.quorum).unwrap();
    assert_eq!(
        d.adopted, c.adopted,
        "{}: adopted? {}",
        c.name, d.explanation
    );
    assert_eq!(d.reason, c.reason, "{}: {}", c.name, d.explanation);
    assert_eq!(d.threshold, c.threshold, "{}: threshold", c.name);
    assert_eq!(d.base, c.base, "{}: base", c.name);
    assert_eq!(d.counts, counts);
    assert_eq!(d.rule, c.majority.describe());
    d
}

const NONE: Quorum = Quorum::None;

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Reason::*;
    let more_than_half_cast_with_abst = Majority { base: Base::CastAndAbstentions, ..Majority::SIMPLE };
    let three_fifths_present = Majority {
        fraction: Fraction::new(3, 5).unwrap(),
        comparison: Comparison::AtLeast,
        base: Base::Present,
    };
    let c = |name, votes, majority, quorum, adopted, reason, threshold, base| Case {
        name, votes, majority, quorum, adopted, reason, threshold, base,
    };
    vec![
        // RONR §44:1: majority of votes cast; abstentions do not count.
        c("simple majority", (51, 49, 10, 110, 120), Majority::SIMPLE, NONE, true, ThresholdReached, 51, 100),
        c("simple majority: a tie fails", (50, 50, 0, 100, 100), Majority::SIMPLE, NONE, false, ThresholdMissed, 51, 100),
        c("simple majority: odd base", (4, 3, 0, 7, 7), Majority::SIMPLE, NONE, true, ThresholdReached, 4, 7),
        c("simple majority: abstentions ignored", (3, 2, 40, 45, 50), Majority::SIMPLE, NONE, true, ThresholdReached, 3, 5),
        c("abstentions in the base weigh as no", (3, 2, 40, 45, 50), more_than_half_cast_with_abst, NONE, false, ThresholdMissed, 23, 45),
        // RONR §44:3: two-thirds vote of votes cast, "at least".
        c("two thirds of cast: exactly two thirds", (20, 10, 5, 35, 40), Majority::TWO_THIRDS_OF_CAST, NONE, true, ThresholdReached, 20, 30),
        c("two thirds of cast: one short", (19, 10, 0, 29, 40), Majority::TWO_THIRDS_OF_CAST, NONE, false, ThresholdMissed, 20, 29),
        // Two thirds of 90 present is 60: "at least" passes with 60, "more than" needs 61.
        c("2/3 of 90 present: 60 is at least two thirds", (60, 20, 10, 90, 92), Majority::TWO_THIRDS_OF_PRESENT, Quorum::TWO_THIRDS, true, ThresholdReached, 60, 90),
        c("2/3 of 90 present: 59 is not", (59, 21, 10, 90, 92), Majority::TWO_THIRDS_OF_PRESENT, Quorum::TWO_THIRDS, false, ThresholdMissed, 60, 90),
        c("more than 2/3 of 90 present: 60 is not more",
          (60, 30, 0, 90, 92), Majority { comparison: Comparison::MoreThan, ..Majority::TWO_THIRDS_OF_PRESENT }, NONE, false, ThresholdMissed, 61, 90),
        // RONR §44:9: members present; absent-minded abstainers count against.
        c("majority of present: abstentions count against", (40, 30, 11, 81, 100), Majority::ABSOLUTE_OF_PRESENT, NONE, false, ThresholdMissed, 41, 81),
        c("majority of present", (41, 30, 10, 81, 100), Majority::ABSOLUTE_OF_PRESENT, NONE, true, ThresholdReached, 41, 81),
        c("majority of all members", (46, 10, 0, 56, 92), Majority::ABSOLUTE_OF_MEMBERS, NONE, false, ThresholdMissed, 47, 92),
        c("majority of all members: 47 of 92", (47, 0, 0, 60, 92), Majority::ABSOLUTE_OF_MEMBERS, NONE, true, ThresholdReached, 47, 92),
        c("two thirds of all members: 62 of 92", (62, 0, 0, 80, 92), Majority::TWO_THIRDS_OF_MEMBERS, NONE, true, ThresholdReached, 62, 92),
        c("two thirds of all members: 61 of 92", (61, 19, 0, 80, 92), Majority::TWO_THIRDS_OF_MEMBERS, NONE, false, ThresholdMissed, 62, 92),
        // The model charter's "到会半数以上": 以上 includes the number, so exactly half passes.
        c("半数以上 of 90 present: 45 passes", (45, 45, 0, 90, 92), Majority::HALF_OR_MORE_OF_PRESENT, NONE, true, ThresholdReached, 45, 90),
        c("半数以上 of 89 present: 44 does not", (44, 45, 0, 89, 92), Majority::HALF_OR_MORE_OF_PRESENT, NONE, false, ThresholdMissed, 45, 89),
        // Any fraction, exact.
        c("3/5 of 7 present: 4.2 rounds up to 5", (5, 2, 0, 7, 7), three_fifths_present, NONE, true, ThresholdReached, 5, 7),
        c("3/5 of 7 present: 4 is short", (4, 3, 0, 7, 7), three_fifths_present, NONE, false, ThresholdMissed, 5, 7),
        // Quorum: the model charter's two thirds of 92 members is 61.33..., so 62.
        c("quorum: 61 of 92 is short of two thirds", (61, 0, 0, 61, 92), Majority::SIMPLE, Quorum::TWO_THIRDS, false, NoQuorum, 31, 61),
        c("quorum: 62 of 92 makes two thirds", (62, 0, 0, 62, 92), Majority::SIMPLE, Quorum::TWO_THIRDS, true, ThresholdReached, 32, 62),
        c("quorum by number", (5, 0, 0, 5, 30), Majority::SIMPLE, Quorum::Number { present: 6 }, false, NoQuorum, 3, 5),
        c("quorum: RONR default majority of 10 is 6", (5, 0, 0, 5, 10), Majority::SIMPLE, Quorum::MAJORITY, false, NoQuorum, 3, 5),
        c("quorum: a body with no members cannot decide", (0, 0, 0, 0, 0), Majority::SIMPLE, Quorum::TWO_THIRDS, false, NoQuorum, 1, 0),
        // Zero votes: nothing adopted, even where the threshold is zero.
        c("zero votes cast", (0, 0, 0, 10, 10), Majority::SIMPLE, NONE, false, NoYesVotes, 1, 0),
        c("zero votes, at-least rule with zero base", (0, 0, 0, 0, 0), Majority::HALF_OR_MORE_OF_PRESENT, NONE, false, NoYesVotes, 0, 0),
        c("unanimous", (12, 0, 0, 12, 12), Majority { fraction: Fraction::ALL, comparison: Comparison::AtLeast, base: Base::Present }, NONE, true, ThresholdReached, 12, 12),
        // Weights: one member unit may carry several votes; thresholds are on weights.
        c("weighted two thirds of cast", (200, 100, 0, 300, 300), Majority::TWO_THIRDS_OF_CAST, NONE, true, ThresholdReached, 200, 300),
        c("huge weights do not overflow", (u64::MAX / 3 * 2 - 1, 0, 0, u64::MAX / 3 * 2 - 1, u64::MAX), Majority::TWO_THIRDS_OF_MEMBERS, NONE, false, ThresholdMissed, u64::MAX / 3 * 2, u64::MAX),
    ]
}

#[test]
fn worked_cases() {
    for c in cases() {
        check(&c);
    }
}

#[test]
fn the_explanation_names_the_rule_and_the_numbers() {
    let d = decide(
        Counts {
            yes: 78,
            no: 8,
            abstain: 4,
            present: 90,
            members: 92,
        },
        Majority::TWO_THIRDS_OF_PRESENT,
        Quorum::TWO_THIRDS,
    )
    .unwrap();
    assert!(d.adopted);
    assert_eq!(
        d.explanation,
        "Adopted: 78 yes reach the threshold of 60, at least two thirds of the members present (90); 78 yes, 8 no, 4 abstaining; 90 present of 92 members."
    );
    assert!(d.source.contains("社会团体章程示范文本"));
    assert_eq!(d.quorum.required, 62);
    assert!(d.quorum.met);
    assert_eq!(d.reason.code(), "threshold_reached");
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["reason"], "threshold_reached");
    assert_eq!(json["majority"]["fraction"]["num"], 2);
    let back: Decision = serde_json::from_value(json).unwrap();
    assert_eq!(back, d);
}

#[test]
fn sources_are_named() {
    assert!(Majority::SIMPLE.source().contains("§44:1"));
    assert!(Majority::TWO_THIRDS_OF_CAST.source().contains("§44:3"));
    assert!(Majority::HALF_OR_MORE_OF_PRESENT.source().contains("1259"));
    assert_eq!(
        Majority::ABSOLUTE_OF_MEMBERS.describe(),
        "more than half of all members"
    );
}

#[test]
fn inconsistent_counts_and_fractions_are_refused() {
    let bad = Counts {
        yes: 5,
        no: 5,
        abstain: 1,
        present: 10,
        members: 20,
    };
    let e = decide(bad, Majority::SIMPLE, Quorum::None).unwrap_err();
    assert_eq!(e.code(), "more_voted_than_present");
    let bad = Counts { present: 21, ..bad };
    let e = decide(bad, Majority::SIMPLE, Quorum::None).unwrap_err();
    assert_eq!(e.code(), "more_present_than_members");
    assert_eq!(Fraction::new(0, 3).unwrap_err().code(), "bad_fraction");
    assert!(Fraction::new(4, 3).is_err());
    assert!(Fraction::new(1, 0).is_err());
    assert_eq!(Fraction::new(4, 6).unwrap(), Fraction::TWO_THIRDS);
    // A fraction read from JSON is checked too.
    assert!(serde_json::from_str::<Fraction>(r#"{"num":3,"den":2}"#).is_err());
}

#[test]
fn counts_sum_weighted_choices() {
    let c = Counts::from_votes(
        [
            (Choice::Yes, 3),
            (Choice::No, 1),
            (Choice::Abstain, 2),
            (Choice::Yes, 1),
        ],
        7,
        9,
    );
    assert_eq!((c.yes, c.no, c.abstain, c.voted()), (4, 1, 2, 7));
}

mod properties {
    use proptest::prelude::*;
    use tally::decision::{Base, Comparison, Counts, Fraction, Majority, Quorum, decide};

    fn majority() -> impl Strategy<Value = Majority> {
        (
            (1u64..=12).prop_flat_map(|d| (1..=d, Just(d))),
            prop_oneof![Just(Comparison::AtLeast), Just(Comparison::MoreThan)],
            prop_oneof![
                Just(Base::Cast),
                Just(Base::CastAndAbstentions),
                Just(Base::Present),
                Just(Base::Members)
            ],
        )
            .prop_map(|((n, d), comparison, base)| Majority {
                fraction: Fraction::new(n, d).unwrap(),
                comparison,
                base,
            })
    }

    proptest! {
        /// The threshold agrees with the rule stated directly as a comparison of products,
        /// and turning a no into a yes never turns an adopted motion into a rejected one.
        #[test]
        fn threshold_matches_the_rule(
            yes in 0u64..200, no in 0u64..200, abstain in 0u64..200,
            absent in 0u64..100, away in 0u64..100, m in majority(),
        ) {
            let present = yes + no + abstain + absent;
            let counts = Counts { yes, no, abstain, present, members: present + away };
            let d = decide(counts, m, Quorum::None).unwrap();
            let base = match m.base {
                Base::Cast => yes + no,
                Base::CastAndAbstentions => yes + no + abstain,
                Base::Present => present,
                Base::Members => present + away,
            };
            let (lhs, rhs) = (
                u128::from(yes) * u128::from(m.fraction.den()),
                u128::from(base) * u128::from(m.fraction.num()),
            );
            let passes = match m.comparison {
                Comparison::AtLeast => lhs >= rhs,
                Comparison::MoreThan => lhs > rhs,
            };
            prop_assert_eq!(d.adopted, yes > 0 && passes);
            prop_assert_eq!(d.base, base);
            // A no turned into a yes leaves the base as it is and never loses the motion.
            if d.adopted && no > 0 {
                let turned = Counts { yes: yes + 1, no: no - 1, ..counts };
                prop_assert!(decide(turned, m, Quorum::None).unwrap().adopted);
            }
        }
    }
}
