//! The founding day, run through the rules: the first member congress of a federation of 92
//! member units adopts the charter by two thirds of those present and elects the council
//! (competitively, in two rounds) and the board of supervisors; the first meeting of the first
//! council elects the executive council from its own members, then the president, the
//! vice-presidents and the secretary-general.

use std::collections::BTreeSet;

use federa_core::governance::*;
use tally::decision::{Choice, Majority, Quorum, Reason};
use time::macros::{date, datetime};

const CONGRESS: BodyId = BodyId(1);
const COUNCIL: BodyId = BodyId(2);
const EXECUTIVE: BodyId = BodyId(3);
const SUPERVISORS: BodyId = BodyId(4);

fn unit(n: u64) -> Holder {
    Holder::Unit(n)
}

fn body(id: BodyId, kind: BodyKind, name: &str, rules: BodyRules) -> Body {
    Body {
        id,
        kind,
        name: name.into(),
        rules,
    }
}

/// The bodies as the model charter for social organisations sets them up.
pub fn federation() -> Bodies {
    let elected = |seats, by, from, majority| BodyRules {
        seats: Some(seats),
        elected_by: Some(by),
        drawn_from: Some(from),
        incompatible_with: Vec::new(),
        quorum: Quorum::TWO_THIRDS,
        majority,
        proxies: ProxyRule::NONE,
        notice_days: 0,
    };
    let bodies = vec![
        body(
            CONGRESS,
            BodyKind::Congress,
            "会员代表大会",
            BodyRules {
                seats: None,
                elected_by: None,
                drawn_from: None,
                incompatible_with: Vec::new(),
                quorum: Quorum::TWO_THIRDS,
                majority: Majority::HALF_OR_MORE_OF_PRESENT,
                proxies: ProxyRule {
                    max_per_carrier: 1,
                    count_as_present: true,
                },
                notice_days: 15,
            },
        ),
        body(
            COUNCIL,
            BodyKind::Council,
            "理事会",
            elected(25, CONGRESS, CONGRESS, Majority::TWO_THIRDS_OF_PRESENT),
        ),
        body(
            EXECUTIVE,
            BodyKind::ExecutiveCouncil,
            "常务理事会",
            elected(9, COUNCIL, COUNCIL, Majority::TWO_THIRDS_OF_PRESENT),
        ),
        body(
            SUPERVISORS,
            BodyKind::Supervisors,
            "监事会",
            BodyRules {
                incompatible_with: vec![COUNCIL],
                ..elected(3, CONGRESS, CONGRESS, Majority::SIMPLE)
            },
        ),
    ];
    let day = date!(2026 - 06 - 28);
    let mut congress = Term::new(TermId(1), CONGRESS, 1, day);
    let units: Vec<Holder> = (1..=92).map(unit).collect();
    congress
        .fill_seats(&bodies[0].rules, &units, day, None)
        .unwrap();
    Bodies {
        terms: vec![
            congress,
            Term::new(TermId(2), COUNCIL, 1, day),
            Term::new(TermId(3), EXECUTIVE, 1, day),
            Term::new(TermId(4), SUPERVISORS, 1, day),
        ],
        bodies,
    }
}

fn marks(cs: impl IntoIterator<Item = u32>) -> BallotContent {
    BallotContent::Marks {
        marked: cs.into_iter().collect(),
    }
}

/// Drafts the charter (document 1) of `paragraphs`, puts it on the agenda and submits motion 1
/// adopting that draft by two thirds of those present; returns the charter and the agenda item.
pub(super) fn submit_charter(m: &mut Meeting, paragraphs: &[&str]) -> (Document, u32) {
    let mut charter = Document::new(DocumentId(1), DocumentKind::Charter, "章程");
    let v1 = charter.draft(paragraphs.iter().map(|&p| p.to_owned()).collect(), None);
    let item = m.add_agenda_item("审议通过《章程（草案）》").unwrap();
    m.submit(
        Motion::new(
            MotionId(1),
            "通过章程",
            charter.version(v1).unwrap().paragraphs.clone(),
            Majority::TWO_THIRDS_OF_PRESENT,
        )
        .adopting(DocumentRef {
            document: DocumentId(1),
            version: v1,
        }),
    )
    .unwrap();
    (charter, item)
}

/// Casts `ballot(i)` for the i-th entitled voter of the poll, by whoever casts their vote.
pub(super) fn cast_all(
    m: &mut Meeting,
    poll: PollId,
    ballot: impl Fn(usize) -> BallotContent,
) -> usize {
    let voters: Vec<(Holder, Entitlement)> = m
        .poll(poll)
        .unwrap()
        .entitled
        .iter()
        .map(|(h, e)| (*h, *e))
        .collect();
    for (i, (voter, e)) in voters.iter().enumerate() {
        m.cast(poll, e.cast_by, *voter, ballot(i)).unwrap();
    }
    voters.len()
}

#[test]
fn the_founding_day() {
    let day = date!(2026 - 06 - 28);
    let mut bodies = federation();

    // --- The first member congress: notice, sign-in, proxies, quorum.
    let congress = bodies.body(CONGRESS).unwrap().clone();
    let too_late = Meeting::convene(
        MeetingId(1),
        &congress,
        bodies.term(TermId(1)).unwrap(),
        "第一次会员代表大会",
        datetime!(2026-06-20 09:00 UTC),
        datetime!(2026-06-28 09:00 UTC),
    )
    .unwrap_err();
    assert_eq!(too_late.code(), "notice_too_short");
    let mut m = Meeting::convene(
        MeetingId(1),
        &congress,
        bodies.term(TermId(1)).unwrap(),
        "第一次会员代表大会",
        datetime!(2026-06-01 09:00 UTC),
        datetime!(2026-06-28 09:00 UTC),
    )
    .unwrap();
    assert_eq!(m.members(), 92);
    for n in 1..=61 {
        m.sign_in(unit(n)).unwrap();
    }
    // Two thirds of 92 is 61.33: 61 is not a quorum ("2/3以上" means at least two thirds).
    let e = m.open(datetime!(2026-06-28 09:05 UTC)).unwrap_err();
    assert_eq!(
        e,
        GovError::NoQuorum {
            present: 61,
            required: 62
        }
    );
    for n in 62..=86 {
        m.sign_in(unit(n)).unwrap();
    }
    // Units 87 to 90 send proxies; one attendee may carry only one.
    m.give_proxy(unit(87), unit(1)).unwrap();
    assert_eq!(
        m.give_proxy(unit(88), unit(1)).unwrap_err().code(),
        "too_many_proxies"
    );
    assert_eq!(
        m.give_proxy(unit(88), unit(91)).unwrap_err().code(),
        "carrier_not_present"
    );
    for (p, c) in [(88, 2), (89, 3), (90, 4)] {
        m.give_proxy(unit(p), unit(c)).unwrap();
    }
    let q = m.open(datetime!(2026-06-28 09:10 UTC)).unwrap();
    assert_eq!((q.present, q.required, q.members), (90, 62, 92));

    // --- Item 1: the charter (draft), amended, adopted by two thirds of those present.
    let (mut charter, item) = submit_charter(
        &mut m,
        &[
            "第一条 本会名称为某省互联网联合会。",
            "第二条 会员代表大会每五年召开一次。",
            "第三条 本会接受业务主管单位的指导。",
        ],
    );
    let motion = m.motion_mut(MotionId(1)).unwrap();
    let a = motion
        .propose_amendment(1, "第二条 会员代表大会每四年召开一次。")
        .unwrap();
    assert_eq!(
        motion.amendments[a].diff(),
        vec![
            Change::Same("第二条 会员代表大会每".into()),
            Change::Removed("五".into()),
            Change::Added("四".into()),
            Change::Same("年召开一次。".into()),
        ]
    );
    motion.decide_amendment(a, true).unwrap();
    m.put_on_agenda(MotionId(1), item).unwrap();
    let poll = PollId(1);
    m.open_motion_poll(
        MotionId(1),
        poll,
        Secrecy::Named,
        datetime!(2026-06-28 09:30 UTC),
    )
    .unwrap();
    // Nothing changes a motion while its poll is open.
    let e = m
        .motion_mut(MotionId(1))
        .unwrap()
        .propose_amendment(2, "第三条 删除。")
        .unwrap_err();
    assert_eq!(e.code(), "motion_in_poll");
    // Refused: an absent unit, a proxy cast by the wrong carrier.
    assert_eq!(
        m.cast(poll, unit(91), unit(91), vote(Choice::Yes))
            .unwrap_err()
            .code(),
        "not_entitled"
    );
    assert_eq!(
        m.cast(poll, unit(5), unit(87), vote(Choice::Yes))
            .unwrap_err()
            .code(),
        "not_proxy"
    );
    // 78 yes, 8 no, 4 abstain.
    let n = cast_all(&mut m, poll, |i| {
        vote(match i {
            0..78 => Choice::Yes,
            78..86 => Choice::No,
            _ => Choice::Abstain,
        })
    });
    assert_eq!(n, 90);
    assert_eq!(
        m.cast(poll, unit(1), unit(1), vote(Choice::No))
            .unwrap_err()
            .code(),
        "already_voted"
    );
    let d = m
        .close_motion_poll(poll, datetime!(2026-06-28 09:45 UTC))
        .unwrap();
    assert!(d.adopted, "{}", d.explanation);
    assert_eq!(
        (d.threshold, d.base, d.reason),
        (60, 90, Reason::ThresholdReached)
    );
    assert_eq!(d.rule, "at least two thirds of the members present");
    assert_eq!(
        m.cast(poll, unit(2), unit(2), vote(Choice::Yes))
            .unwrap_err()
            .code(),
        "poll_closed"
    );
    let adopted = m.motion(MotionId(1)).unwrap();
    assert_eq!(adopted.state, MotionState::Adopted);
    // The amended text becomes version 2, current, linked to the motion and its vote.
    let current = charter
        .adopt(adopted, MeetingId(1), datetime!(2026-06-28 09:45 UTC))
        .unwrap();
    assert_eq!((current, charter.current), (2, Some(2)));
    let v2 = charter.version(2).unwrap();
    assert_eq!(v2.based_on, Some(1));
    assert_eq!(v2.adoption.unwrap().poll, Some(poll));
    assert_eq!(charter.version(1).unwrap().status, VersionStatus::Draft);
    let diff = charter.compare(1, 2).unwrap();
    assert!(matches!(diff[0], ParagraphDiff::Same { .. }));
    assert!(matches!(diff[1], ParagraphDiff::Changed { .. }));
    assert!(matches!(diff[2], ParagraphDiff::Same { .. }));

    // --- Item 2: the council, 30 candidates for 25 seats, approval with more than half.
    let item = m.add_agenda_item("选举第一届理事会").unwrap();
    let council = ElectionId(1);
    m.add_election(
        Election::new(
            council,
            COUNCIL,
            TermId(2),
            Fills::Seats,
            25,
            Method::APPROVAL_MAJORITY,
        ),
        item,
    )
    .unwrap();
    let e = m.election_mut(council).unwrap();
    for n in 1..=30 {
        e.nominate(&bodies, unit(n), &format!("会员单位{n}"), day)
            .unwrap();
    }
    assert_eq!(
        e.nominate(&bodies, Holder::Unit(500), "非会员", day)
            .unwrap_err()
            .code(),
        "ineligible"
    );
    assert!(e.competitive());
    m.open_election_poll(
        council,
        PollId(2),
        Secrecy::Secret,
        datetime!(2026-06-28 10:00 UTC),
    )
    .unwrap();
    // 80 voters mark candidates 1 to 23 and two of 24 to 30; 9 spread their marks; one marks
    // 26 candidates, more than the 25 seats, and is void.
    cast_all(&mut m, PollId(2), |i| match i {
        89 => marks(0..26),
        _ if i < 80 => marks((0..23).chain([23 + (i % 7) as u32, 23 + ((i + 1) % 7) as u32])),
        _ => marks([23 + (i % 7) as u32]),
    });
    let secret = m.poll(PollId(2)).unwrap();
    assert_eq!((secret.quorum.present, secret.quorum.required), (90, 62));
    assert_eq!(secret.voted.len(), 90);
    assert!(secret.named.is_empty());
    let r1 = m
        .close_election_poll(PollId(2), datetime!(2026-06-28 10:30 UTC))
        .unwrap();
    let o = r1.outcome.as_ref().unwrap();
    assert_eq!(o.set_aside[0].count, 1, "the void ballot is set aside");
    assert_eq!(
        o.rounds[0].quota.as_deref(),
        Some("45 (more than half of the valid ballots)")
    );
    assert_eq!(r1.elected, (1..=23).map(unit).collect::<Vec<_>>());
    let e = m.election(council).unwrap();
    assert_eq!((e.open_seats(), e.state), (2, ElectionState::Voting));
    // A further round for the 2 seats left, among the 7 not elected.
    let p = m
        .open_election_poll(
            council,
            PollId(3),
            Secrecy::Secret,
            datetime!(2026-06-28 10:40 UTC),
        )
        .unwrap();
    assert_eq!(p.form, BallotForm::Marks { candidates: 7 });
    cast_all(&mut m, PollId(3), |i| match i {
        0..50 => marks([0, 1]),
        50..60 => marks([0]),
        _ => marks([2, 3]),
    });
    let r2 = m
        .close_election_poll(PollId(3), datetime!(2026-06-28 11:00 UTC))
        .unwrap();
    assert_eq!(r2.number, 2);
    assert_eq!(r2.elected, vec![unit(24), unit(25)]);
    let e = m.election(council).unwrap();
    assert_eq!(e.state, ElectionState::Done);
    e.install(&mut bodies, day).unwrap();
    let seated: BTreeSet<Holder> = bodies
        .term(TermId(2))
        .unwrap()
        .roll(day)
        .into_iter()
        .map(|(h, _)| h)
        .collect();
    assert_eq!(seated, (1..=25).map(unit).collect());

    // --- Item 3: the board of supervisors; council members may not stand.
    let item = m.add_agenda_item("选举第一届监事会").unwrap();
    let sup = ElectionId(2);
    m.add_election(
        Election::new(
            sup,
            SUPERVISORS,
            TermId(4),
            Fills::Seats,
            3,
            Method::APPROVAL_MAJORITY,
        ),
        item,
    )
    .unwrap();
    let e = m.election_mut(sup).unwrap();
    assert_eq!(
        e.nominate(&bodies, unit(5), "会员单位5", day).unwrap_err(),
        GovError::Ineligible {
            candidate: unit(5),
            body: SUPERVISORS,
            why: Ineligibility::SeatedIn { body: COUNCIL }
        }
    );
    for n in 31..=35 {
        e.nominate(&bodies, unit(n), &format!("会员单位{n}"), day)
            .unwrap();
    }
    m.open_election_poll(
        sup,
        PollId(4),
        Secrecy::Secret,
        datetime!(2026-06-28 11:10 UTC),
    )
    .unwrap();
    cast_all(&mut m, PollId(4), |i| {
        if i < 70 {
            marks([0, 1, 2])
        } else {
            marks([3, 4])
        }
    });
    let r = m
        .close_election_poll(PollId(4), datetime!(2026-06-28 11:30 UTC))
        .unwrap();
    assert_eq!(r.elected, vec![unit(31), unit(32), unit(33)]);
    m.election(sup).unwrap().install(&mut bodies, day).unwrap();
    m.close(datetime!(2026-06-28 11:40 UTC)).unwrap();
    assert_eq!(m.state, MeetingState::Closed);

    // --- The first meeting of the first council.
    let council_body = bodies.body(COUNCIL).unwrap().clone();
    let mut c = Meeting::convene(
        MeetingId(2),
        &council_body,
        bodies.term(TermId(2)).unwrap(),
        "第一届理事会第一次会议",
        datetime!(2026-06-28 11:45 UTC),
        datetime!(2026-06-28 13:00 UTC),
    )
    .unwrap();
    for n in 1..=24 {
        c.sign_in(unit(n)).unwrap();
    }
    assert_eq!(
        c.give_proxy(unit(25), unit(1)).unwrap_err().code(),
        "proxies_not_allowed"
    );
    let q = c.open(datetime!(2026-06-28 13:00 UTC)).unwrap();
    assert_eq!((q.present, q.required, q.members), (24, 17, 25));

    // The executive council: 11 council members for 9 seats; a non-member of the council is
    // refused.
    let item = c.add_agenda_item("选举常务理事").unwrap();
    let exec = ElectionId(3);
    c.add_election(
        Election::new(
            exec,
            EXECUTIVE,
            TermId(3),
            Fills::Seats,
            9,
            Method::APPROVAL_MAJORITY,
        ),
        item,
    )
    .unwrap();
    let e = c.election_mut(exec).unwrap();
    assert_eq!(
        e.nominate(&bodies, unit(40), "会员单位40", day)
            .unwrap_err(),
        GovError::Ineligible {
            candidate: unit(40),
            body: EXECUTIVE,
            why: Ineligibility::NotSeatedIn { body: COUNCIL }
        }
    );
    for n in 1..=11 {
        e.nominate(&bodies, unit(n), &format!("会员单位{n}"), day)
            .unwrap();
    }
    c.open_election_poll(
        exec,
        PollId(5),
        Secrecy::Secret,
        datetime!(2026-06-28 13:10 UTC),
    )
    .unwrap();
    cast_all(&mut c, PollId(5), |i| {
        if i < 20 { marks(0..9) } else { marks(2..11) }
    });
    let r = c
        .close_election_poll(PollId(5), datetime!(2026-06-28 13:20 UTC))
        .unwrap();
    assert_eq!(r.elected.len(), 9);
    assert_eq!(
        r.elected.iter().copied().collect::<BTreeSet<_>>(),
        (1..=9).map(unit).collect()
    );
    c.election(exec).unwrap().install(&mut bodies, day).unwrap();

    // The president, vice-presidents and secretary-general, from the executive council.
    let offices = [
        (ElectionId(4), OfficeKind::President, 1, vec![1]),
        (
            ElectionId(5),
            OfficeKind::VicePresident,
            3,
            vec![2, 3, 4, 5],
        ),
        (ElectionId(6), OfficeKind::SecretaryGeneral, 1, vec![6]),
    ];
    for (k, (id, office, seats, candidates)) in offices.iter().enumerate() {
        let item = c.add_agenda_item(&format!("选举{office:?}")).unwrap();
        c.add_election(
            Election::new(
                *id,
                EXECUTIVE,
                TermId(3),
                Fills::Office {
                    office: office.clone(),
                },
                *seats,
                Method::APPROVAL_MAJORITY,
            ),
            item,
        )
        .unwrap();
        let e = c.election_mut(*id).unwrap();
        // A council member outside the executive council cannot hold these offices.
        assert_eq!(
            e.nominate(&bodies, unit(20), "会员单位20", day)
                .unwrap_err()
                .code(),
            "ineligible"
        );
        for &n in candidates {
            e.nominate(&bodies, unit(n), &format!("会员单位{n}"), day)
                .unwrap();
        }
        let poll = PollId(6 + k as u64);
        c.open_election_poll(*id, poll, Secrecy::Secret, datetime!(2026-06-28 14:00 UTC))
            .unwrap();
        let seats = *seats;
        cast_all(&mut c, poll, |i| match i {
            0..2 => marks([]),
            _ => marks(0..seats),
        });
        let r = c
            .close_election_poll(poll, datetime!(2026-06-28 14:10 UTC))
            .unwrap();
        assert_eq!(r.elected.len(), seats as usize);
        c.election(*id).unwrap().install(&mut bodies, day).unwrap();
    }
    c.close(datetime!(2026-06-28 15:00 UTC)).unwrap();

    let term = bodies.term(TermId(3)).unwrap();
    assert_eq!(term.holders_of(&OfficeKind::President, day), vec![unit(1)]);
    assert_eq!(
        term.holders_of(&OfficeKind::VicePresident, day),
        vec![unit(2), unit(3), unit(4)]
    );
    assert_eq!(
        term.holders_of(&OfficeKind::SecretaryGeneral, day),
        vec![unit(6)]
    );
    assert_eq!(bodies.term(TermId(4)).unwrap().roll(day).len(), 3);
    // The congress's minutes are approved at its next meeting.
    m.approve_minutes(MeetingId(9)).unwrap();
    assert_eq!(m.state, MeetingState::MinutesApproved);

    // Everything the store will keep goes through JSON and back unchanged.
    roundtrip(&m);
    roundtrip(&c);
    roundtrip(&bodies);
    roundtrip(&charter);
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(
        json["roll"][0][0],
        serde_json::json!({"kind": "unit", "id": 1})
    );
    let e = serde_json::to_value(GovError::NoQuorum {
        present: 61,
        required: 62,
    })
    .unwrap();
    assert_eq!(
        e,
        serde_json::json!({"code": "no_quorum", "present": 61, "required": 62})
    );
}

fn roundtrip<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, value);
}
