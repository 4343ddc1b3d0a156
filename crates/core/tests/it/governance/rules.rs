//! The rules one at a time: out-of-turn operations, quorum lost, proxies, secret ballots,
//! motion workflow, document versions, and the election methods wired to `tally`.

use federa_core::governance::*;
use tally::decision::{Choice, Majority, Reason};
use tally::stv::StvMethod;
use time::OffsetDateTime;
use time::macros::{date, datetime};

use super::founding_day::federation;

const T0: OffsetDateTime = datetime!(2026-06-28 09:00 UTC);

fn unit(n: u64) -> Holder {
    Holder::Unit(n)
}

/// A congress meeting with `present` units signed in and opened.
fn congress(present: u64) -> Meeting {
    let bodies = federation();
    let mut m = Meeting::convene(
        MeetingId(1),
        bodies.body(BodyId(1)).unwrap(),
        bodies.term(TermId(1)).unwrap(),
        "congress",
        datetime!(2026-06-01 09:00 UTC),
        T0,
    )
    .unwrap();
    for n in 1..=present {
        m.sign_in(unit(n)).unwrap();
    }
    m.open(T0).unwrap();
    m
}

/// Puts a motion on the agenda and opens its poll.
fn motion_poll(m: &mut Meeting, id: u64, secrecy: Secrecy) -> PollId {
    let item = m.add_agenda_item("item").unwrap();
    m.submit(Motion::new(
        MotionId(id),
        "motion",
        vec!["text".into()],
        Majority::TWO_THIRDS_OF_PRESENT,
    ))
    .unwrap();
    m.put_on_agenda(MotionId(id), item).unwrap();
    m.open_motion_poll(MotionId(id), PollId(id), secrecy, T0)
        .unwrap();
    PollId(id)
}

#[test]
fn out_of_turn_operations_are_refused() {
    let bodies = federation();
    let mut m = Meeting::convene(
        MeetingId(1),
        bodies.body(BodyId(1)).unwrap(),
        bodies.term(TermId(1)).unwrap(),
        "congress",
        datetime!(2026-06-01 09:00 UTC),
        T0,
    )
    .unwrap();
    let e = m.close(T0).unwrap_err();
    assert_eq!(
        e,
        GovError::MeetingState {
            action: "close".into(),
            state: "convened".into()
        }
    );
    assert_eq!(e.to_string(), "cannot close: the meeting is convened");
    assert_eq!(
        m.approve_minutes(MeetingId(2)).unwrap_err().code(),
        "meeting_state"
    );
    assert_eq!(m.sign_in(unit(1000)).unwrap_err().code(), "not_on_roll");
    assert_eq!(
        m.cast(PollId(1), unit(1), unit(1), vote(Choice::Yes))
            .unwrap_err()
            .code(),
        "meeting_state"
    );
    for n in 1..=70 {
        m.sign_in(unit(n)).unwrap();
    }
    m.open(T0).unwrap();
    assert_eq!(m.open(T0).unwrap_err().code(), "meeting_state");
    let poll = motion_poll(&mut m, 1, Secrecy::Named);
    assert_eq!(m.close(T0).unwrap_err().code(), "poll_still_open");
    // A withdrawn motion stays withdrawn; a motion in its poll cannot be withdrawn.
    assert_eq!(
        m.motion_mut(MotionId(1)).unwrap().withdraw().unwrap_err(),
        GovError::MotionInPoll {
            motion: MotionId(1)
        }
    );
    m.close_motion_poll(poll, T0).unwrap();
    assert_eq!(
        m.close_motion_poll(poll, T0).unwrap_err().code(),
        "poll_closed"
    );
    m.submit(Motion::new(MotionId(2), "m", vec![], Majority::SIMPLE))
        .unwrap();
    m.motion_mut(MotionId(2)).unwrap().withdraw().unwrap();
    assert_eq!(
        m.put_on_agenda(MotionId(2), 1).unwrap_err().code(),
        "motion_state"
    );
    assert_eq!(
        m.put_on_agenda(MotionId(2), 99).unwrap_err().code(),
        "no_such_agenda_item"
    );
    assert_eq!(
        m.open_motion_poll(MotionId(3), PollId(9), Secrecy::Named, T0)
            .unwrap_err()
            .code(),
        "no_such_motion"
    );
    m.close(T0).unwrap();
    assert_eq!(m.sign_in(unit(1)).unwrap_err().code(), "meeting_state");
    m.approve_minutes(MeetingId(2)).unwrap();
    assert_eq!(m.minutes_approved_by, Some(MeetingId(2)));
}

#[test]
fn a_vote_is_refused_once_the_quorum_is_lost() {
    let mut m = congress(62);
    let poll = motion_poll(&mut m, 1, Secrecy::Named);
    m.cast(poll, unit(1), unit(1), vote(Choice::Yes)).unwrap();
    m.sign_out(unit(62)).unwrap();
    assert_eq!(
        m.cast(poll, unit(2), unit(2), vote(Choice::Yes))
            .unwrap_err(),
        GovError::NoQuorum {
            present: 61,
            required: 62
        }
    );
    // Nothing was recorded for the refused vote.
    assert_eq!(m.poll(poll).unwrap().voted.len(), 1);
    // Opening another poll is refused too.
    let item = m.add_agenda_item("next").unwrap();
    m.submit(Motion::new(MotionId(2), "m", vec![], Majority::SIMPLE))
        .unwrap();
    m.put_on_agenda(MotionId(2), item).unwrap();
    assert_eq!(
        m.open_motion_poll(MotionId(2), PollId(2), Secrecy::Named, T0)
            .unwrap_err()
            .code(),
        "no_quorum"
    );
    assert_eq!(
        m.motion(MotionId(2)).unwrap().state,
        MotionState::OnAgenda,
        "a refused poll leaves the motion as it was"
    );
}

#[test]
fn exactly_two_thirds_of_those_present_adopts() {
    // 90 present: 60 yes is exactly two thirds; 59 is not.
    for (yes, adopted) in [(60, true), (59, false)] {
        let mut m = congress(90);
        let poll = motion_poll(&mut m, 1, Secrecy::Named);
        for n in 1..=yes {
            m.cast(poll, unit(n), unit(n), vote(Choice::Yes)).unwrap();
        }
        for n in yes + 1..=90 {
            m.cast(poll, unit(n), unit(n), vote(Choice::No)).unwrap();
        }
        let d = m.close_motion_poll(poll, T0).unwrap();
        assert_eq!(d.adopted, adopted, "{}", d.explanation);
        assert_eq!(d.threshold, 60);
        let expected = if adopted {
            MotionState::Adopted
        } else {
            MotionState::Rejected
        };
        assert_eq!(m.motion(MotionId(1)).unwrap().state, expected);
    }
}

#[test]
fn nobody_voting_adopts_nothing() {
    let mut m = congress(70);
    let poll = motion_poll(&mut m, 1, Secrecy::Named);
    let d = m.close_motion_poll(poll, T0).unwrap();
    assert!(!d.adopted);
    assert_eq!(d.reason, Reason::NoYesVotes);
}

#[test]
fn a_secret_poll_keeps_voters_apart_from_ballots() {
    let mut m = congress(70);
    let poll = motion_poll(&mut m, 1, Secrecy::Secret);
    for n in 1..=70 {
        let c = if n % 3 == 0 { Choice::No } else { Choice::Yes };
        m.cast(poll, unit(n), unit(n), vote(c)).unwrap();
    }
    let p = m.poll(poll).unwrap();
    assert!(p.named.is_empty());
    assert_eq!(p.voted.len(), 70);
    // Two piles, by content; nothing in them names or orders a voter.
    assert_eq!(p.secret.len(), 2);
    assert_eq!(p.secret[&vote(Choice::No)].ballots, 23);
    assert_eq!(p.secret[&vote(Choice::Yes)].weight, 47);
    let d = m.close_motion_poll(poll, T0).unwrap();
    assert_eq!((d.counts.yes, d.counts.no), (47, 23));
    assert!(d.adopted);
}

#[test]
fn a_named_poll_records_each_voter_and_the_wrong_ballot_is_refused() {
    let mut m = congress(70);
    let poll = motion_poll(&mut m, 1, Secrecy::Named);
    m.cast(poll, unit(1), unit(1), vote(Choice::Abstain))
        .unwrap();
    assert_eq!(m.poll(poll).unwrap().named[&unit(1)], vote(Choice::Abstain));
    let e = m
        .cast(
            poll,
            unit(2),
            unit(2),
            BallotContent::Marks { marked: [0].into() },
        )
        .unwrap_err();
    assert_eq!(e.code(), "bad_ballot");
    assert!(!m.poll(poll).unwrap().voted.contains(&unit(2)));
}

#[test]
fn proxies_follow_the_rules() {
    let bodies = federation();
    let mut m = Meeting::convene(
        MeetingId(1),
        bodies.body(BodyId(1)).unwrap(),
        bodies.term(TermId(1)).unwrap(),
        "congress",
        datetime!(2026-06-01 09:00 UTC),
        T0,
    )
    .unwrap();
    m.sign_in(unit(1)).unwrap();
    assert_eq!(
        m.give_proxy(unit(1), unit(1)).unwrap_err().code(),
        "proxy_to_self"
    );
    m.give_proxy(unit(2), unit(1)).unwrap();
    assert_eq!(m.proxies_of(unit(1)), vec![unit(2)]);
    assert_eq!(m.present(), 2);
    // The carrier leaves: the proxy no longer counts, and votes by it are refused.
    m.sign_out(unit(1)).unwrap();
    assert_eq!(m.present(), 0);
    assert!(m.voters().is_empty());
    // The principal arrives in person: the proxy lapses.
    m.sign_in(unit(1)).unwrap();
    m.sign_in(unit(2)).unwrap();
    assert!(m.proxies_of(unit(1)).is_empty());
}

#[test]
fn amendments_are_diffed_and_versions_compared() {
    let mut motion = Motion::new(
        MotionId(1),
        "amend the charter",
        vec![
            "Article 1. The name is the Association.".into(),
            "Article 2. The congress meets every five years.".into(),
        ],
        Majority::TWO_THIRDS_OF_PRESENT,
    );
    let a = motion
        .propose_amendment(1, "Article 2. The congress meets every four years.")
        .unwrap();
    assert_eq!(
        motion.amendments[a].diff(),
        vec![
            Change::Same("Article 2. The congress meets every ".into()),
            Change::Removed("five".into()),
            Change::Added("four".into()),
            Change::Same(" years.".into()),
        ]
    );
    let b = motion.propose_amendment(2, "Article 3. New.").unwrap();
    let c = motion.propose_amendment(0, "").unwrap();
    motion.decide_amendment(a, true).unwrap();
    motion.decide_amendment(b, true).unwrap();
    motion.decide_amendment(c, false).unwrap();
    assert_eq!(
        motion.decide_amendment(c, true).unwrap_err().code(),
        "no_such_amendment"
    );
    assert_eq!(
        motion.propose_amendment(9, "x").unwrap_err().code(),
        "no_such_paragraph"
    );
    assert_eq!(motion.text.len(), 3);

    let mut doc = Document::new(DocumentId(1), DocumentKind::Charter, "charter");
    let v1 = doc.draft(vec!["A".into(), "B b".into(), "C".into()], None);
    let v2 = doc.draft(
        vec!["A".into(), "B c".into(), "D".into(), "E".into()],
        Some(v1),
    );
    assert_eq!(
        doc.compare(v1, v2).unwrap(),
        vec![
            ParagraphDiff::Same { text: "A".into() },
            ParagraphDiff::Changed {
                changes: vec![
                    Change::Same("B ".into()),
                    Change::Removed("b".into()),
                    Change::Added("c".into()),
                ]
            },
            ParagraphDiff::Changed {
                changes: vec![Change::Removed("C".into()), Change::Added("D".into())]
            },
            ParagraphDiff::Added { text: "E".into() },
        ]
    );
    assert_eq!(doc.compare(1, 7).unwrap_err().code(), "no_such_version");
    // Only an adopted motion makes a version current; a later adoption supersedes.
    let mut m = congress(90);
    let poll = motion_poll(&mut m, 1, Secrecy::Named);
    assert_eq!(
        doc.adopt(m.motion(MotionId(1)).unwrap(), MeetingId(1), T0)
            .unwrap_err()
            .code(),
        "not_adopted"
    );
    for n in 1..=90 {
        m.cast(poll, unit(n), unit(n), vote(Choice::Yes)).unwrap();
    }
    m.close_motion_poll(poll, T0).unwrap();
    let first = doc
        .adopt(m.motion(MotionId(1)).unwrap(), MeetingId(1), T0)
        .unwrap();
    let second = doc
        .adopt(m.motion(MotionId(1)).unwrap(), MeetingId(1), T0)
        .unwrap();
    assert_eq!(doc.current, Some(second));
    assert_eq!(
        doc.version(first).unwrap().status,
        VersionStatus::Superseded
    );
    assert_eq!(doc.versions.len(), 4, "every version is kept");
}

#[test]
fn terms_refuse_more_seats_than_the_body_has() {
    let mut bodies = federation();
    let rules = bodies.body(BodyId(4)).unwrap().rules.clone();
    let day = date!(2026 - 06 - 28);
    let term = bodies.term_mut(TermId(4)).unwrap();
    term.fill_seats(&rules, &[unit(40), unit(41)], day, None)
        .unwrap();
    assert_eq!(
        term.fill_seats(&rules, &[unit(42), unit(43)], day, None)
            .unwrap_err()
            .code(),
        "seats_full"
    );
    assert!(term.seated(unit(41), day));
    assert!(!term.seated(unit(41), date!(2026 - 06 - 27)));
    // An office needs a seat.
    assert_eq!(
        term.appoint(OfficeKind::ChairOfSupervisors, unit(1), day, None)
            .unwrap_err()
            .code(),
        "ineligible"
    );
    term.appoint(OfficeKind::ChairOfSupervisors, unit(40), day, None)
        .unwrap();
    // A resignation ends the seat and the office; the end of the term ends the rest.
    let later = date!(2027 - 01 - 01);
    term.vacate(unit(40), later).unwrap();
    assert!(!term.seated(unit(40), later));
    assert!(term.seated(unit(40), day));
    assert!(
        term.holders_of(&OfficeKind::ChairOfSupervisors, later)
            .is_empty()
    );
    assert_eq!(
        term.vacate(unit(40), later).unwrap_err().code(),
        "not_on_roll"
    );
    term.end_term(date!(2031 - 06 - 28));
    assert!(!term.is_current(date!(2031 - 06 - 28)));
    assert!(term.roll(date!(2031 - 06 - 28)).is_empty());
    assert_eq!(term.roll(later), vec![(unit(41), 1)]);
}

/// Runs one election round of `method` in a congress of 90 and returns who was elected.
fn elect(method: Method, seats: u32, ballots: &[(BallotContent, usize)]) -> Vec<Holder> {
    let bodies = federation();
    let mut m = congress(90);
    let item = m.add_agenda_item("election").unwrap();
    m.add_election(
        Election::new(
            ElectionId(1),
            BodyId(2),
            TermId(2),
            Fills::Seats,
            seats,
            method,
        ),
        item,
    )
    .unwrap();
    for n in 1..=4 {
        m.election_mut(ElectionId(1))
            .unwrap()
            .nominate(&bodies, unit(n), &format!("U{n}"), date!(2026 - 06 - 28))
            .unwrap();
    }
    m.open_election_poll(ElectionId(1), PollId(1), Secrecy::Secret, T0)
        .unwrap();
    let mut voter = 1;
    for (b, count) in ballots {
        for _ in 0..*count {
            m.cast(PollId(1), unit(voter), unit(voter), b.clone())
                .unwrap();
            voter += 1;
        }
    }
    m.close_election_poll(PollId(1), T0).unwrap().elected
}

fn ranking(r: &[u32]) -> BallotContent {
    BallotContent::Ranking {
        ranks: r.iter().map(|&c| vec![c]).collect(),
    }
}

#[test]
fn election_methods_are_counted_by_tally() {
    let marks = |m: &[u32]| BallotContent::Marks {
        marked: m.iter().copied().collect(),
    };
    // Block vote, 2 seats.
    let got = elect(
        Method::Block,
        2,
        &[
            (marks(&[0, 1]), 40),
            (marks(&[2, 3]), 30),
            (marks(&[2, 0]), 20),
        ],
    );
    assert_eq!(got, vec![unit(1), unit(3)]);
    // Scottish STV, 2 seats: quota 31; U1's surplus goes to U2.
    let got = elect(
        Method::Stv {
            method: StvMethod::Scottish,
        },
        2,
        &[
            (ranking(&[0, 1]), 50),
            (ranking(&[2]), 25),
            (ranking(&[3]), 15),
        ],
    );
    assert_eq!(got, vec![unit(1), unit(3)]);
    // IRV, 1 seat: U4 is excluded and their votes elect U3.
    let got = elect(
        Method::Irv,
        1,
        &[
            (ranking(&[0]), 40),
            (ranking(&[2]), 35),
            (ranking(&[3, 2]), 15),
        ],
    );
    assert_eq!(got, vec![unit(3)]);
}

#[test]
fn error_codes_are_distinct() {
    let errors = [
        GovError::ProxiesNotAllowed,
        GovError::NoQuorum {
            present: 1,
            required: 2,
        },
        GovError::AlreadyVoted {
            poll: PollId(1),
            voter: unit(1),
        },
        GovError::NotEntitled {
            poll: PollId(1),
            voter: unit(1),
        },
        GovError::PollClosed { poll: PollId(1) },
        GovError::MotionInPoll {
            motion: MotionId(1),
        },
    ];
    let codes: std::collections::BTreeSet<&str> = errors.iter().map(|e| e.code()).collect();
    assert_eq!(codes.len(), errors.len());
    assert_eq!(
        GovError::AlreadyVoted {
            poll: PollId(3),
            voter: unit(7)
        }
        .to_string(),
        "member unit 7 has already voted in poll 3"
    );
}

#[test]
fn a_tie_for_the_last_seat_goes_to_a_further_round_among_the_tied() {
    let bodies = federation();
    let day = date!(2026 - 06 - 28);
    let mut m = congress(90);
    let item = m.add_agenda_item("election").unwrap();
    let id = ElectionId(1);
    m.add_election(
        Election::new(
            id,
            BodyId(2),
            TermId(2),
            Fills::Seats,
            2,
            Method::APPROVAL_MAJORITY,
        ),
        item,
    )
    .unwrap();
    for n in 1..=4 {
        m.election_mut(id)
            .unwrap()
            .nominate(&bodies, unit(n), &format!("U{n}"), day)
            .unwrap();
    }
    let marks = |m: &[u32]| BallotContent::Marks {
        marked: m.iter().copied().collect(),
    };
    m.open_election_poll(id, PollId(1), Secrecy::Secret, T0)
        .unwrap();
    assert_eq!(
        m.election_mut(id)
            .unwrap()
            .withdraw(unit(4))
            .unwrap_err()
            .code(),
        "election_state"
    );
    // U1 80, U2 50, U3 50, U4 0: U1 is elected; U2 and U3 tie for the second seat.
    for n in 1..=90 {
        let b = match n {
            1..=40 => marks(&[0, 1]),
            41..=80 => marks(&[0, 2]),
            _ => marks(&[1, 2]),
        };
        m.cast(PollId(1), unit(n), unit(n), b).unwrap();
    }
    let r = m.close_election_poll(PollId(1), T0).unwrap();
    assert_eq!(r.elected, vec![unit(1)]);
    let notes = &r.outcome.as_ref().unwrap().notes;
    assert!(
        notes
            .iter()
            .any(|n| n.contains("further vote needed among U2 and U3")),
        "{notes:?}"
    );
    // The further round is between the tied U2 and U3 only.
    m.election_mut(id).unwrap().withdraw(unit(4)).unwrap();
    assert_eq!(
        m.election_mut(id)
            .unwrap()
            .withdraw(unit(4))
            .unwrap_err()
            .code(),
        "not_a_candidate"
    );
    let p = m
        .open_election_poll(id, PollId(2), Secrecy::Secret, T0)
        .unwrap();
    assert_eq!(p.form, BallotForm::Marks { candidates: 2 });
    for n in 1..=90 {
        m.cast(PollId(2), unit(n), unit(n), marks(&[u32::from(n > 47)]))
            .unwrap();
    }
    let r = m.close_election_poll(PollId(2), T0).unwrap();
    assert_eq!(r.elected, vec![unit(2)]);
    let e = m.election(id).unwrap();
    assert_eq!(e.elected, vec![unit(1), unit(2)]);
    assert_eq!(e.state, ElectionState::Done);
}
