//! Property tests: whatever order votes arrive in, a poll records at most one vote per voter,
//! refuses the rest with the right code, and its secret piles add up to who voted.

use federa_core::governance::*;
use proptest::prelude::*;
use tally::decision::{Choice, Majority};
use time::macros::datetime;

use super::founding_day::federation;

fn choice() -> impl Strategy<Value = Choice> {
    prop_oneof![Just(Choice::Yes), Just(Choice::No), Just(Choice::Abstain)]
}

proptest! {
    #[test]
    fn one_vote_per_voter(
        present in 62u64..=92,
        attempts in prop::collection::vec((1u64..=95, 1u64..=95, choice()), 0..300),
        secret in any::<bool>(),
    ) {
        let bodies = federation();
        let t0 = datetime!(2026-06-28 09:00 UTC);
        let mut m = Meeting::convene(
            MeetingId(1),
            bodies.body(BodyId(1)).unwrap(),
            bodies.term(TermId(1)).unwrap(),
            "congress",
            datetime!(2026-06-01 09:00 UTC),
            t0,
        )
        .unwrap();
        for n in 1..=present {
            m.sign_in(Holder::Unit(n)).unwrap();
        }
        m.open(t0).unwrap();
        let item = m.add_agenda_item("item").unwrap();
        m.submit(Motion::new(MotionId(1), "m", vec![], Majority::SIMPLE)).unwrap();
        m.put_on_agenda(MotionId(1), item).unwrap();
        let secrecy = if secret { Secrecy::Secret } else { Secrecy::Named };
        m.open_motion_poll(MotionId(1), PollId(1), secrecy, t0).unwrap();
        let mut accepted = std::collections::BTreeSet::new();
        for (by, voter, c) in attempts {
            let (by, voter) = (Holder::Unit(by), Holder::Unit(voter));
            match m.cast(PollId(1), by, voter, vote(c)) {
                Ok(r) => {
                    prop_assert_eq!(r.voter, voter);
                    prop_assert!(accepted.insert(voter), "a second vote was accepted");
                }
                Err(e) => {
                    let expected = if !m.poll(PollId(1)).unwrap().entitled.contains_key(&voter) {
                        "not_entitled"
                    } else if by != voter {
                        "not_proxy"
                    } else {
                        "already_voted"
                    };
                    prop_assert_eq!(e.code(), expected);
                }
            }
        }
        let p = m.poll(PollId(1)).unwrap();
        prop_assert_eq!(&p.voted, &accepted);
        let piles: u64 = p.secret.values().map(|p| p.ballots).sum();
        let cast = if secret { piles } else { p.named.len() as u64 };
        prop_assert_eq!(cast, accepted.len() as u64);
        let d = m.close_motion_poll(PollId(1), t0).unwrap();
        prop_assert_eq!(d.counts.voted(), accepted.len() as u64);
        prop_assert_eq!(d.counts.present, present);
    }
}
