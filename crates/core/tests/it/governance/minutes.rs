//! The minutes, the results rows and the calendar event of a congress, built from its record:
//! attendance with proxies, a charter motion amended and adopted on a roll call, and a council
//! election counted by Scottish STV over several stages.

use std::collections::BTreeMap;

use federa_core::governance::minutes::{self, PresenceRecord, ResultRow};
use federa_core::governance::*;
use tally::decision::Choice;
use tally::stv::StvMethod;
use time::macros::{date, datetime};

use super::founding_day::{cast_all, federation, submit_charter};

fn unit(n: u64) -> Holder {
    Holder::Unit(n)
}

fn rank(r: &[u32]) -> BallotContent {
    BallotContent::Ranking {
        ranks: r.iter().map(|&c| vec![c]).collect(),
    }
}

/// A congress of the 92 member units: 80 sign in, two send proxies; the charter is amended and
/// adopted by 70 of 82; 4 candidates stand for 2 council seats by STV.
pub fn congress() -> (Meeting, Bodies, Vec<Document>, minutes::Names) {
    let mut bodies = federation();
    let congress = bodies.body(BodyId(1)).unwrap().clone();
    let mut m = Meeting::convene(
        MeetingId(1),
        &congress,
        bodies.term(TermId(1)).unwrap(),
        "第一次会员代表大会",
        datetime!(2026-06-01 09:00 UTC),
        datetime!(2026-06-28 09:00 UTC),
    )
    .unwrap();
    for n in 1..=80 {
        m.sign_in(unit(n)).unwrap();
    }
    m.give_proxy(unit(81), unit(1)).unwrap();
    m.give_proxy(unit(82), unit(2)).unwrap();
    m.open(datetime!(2026-06-28 09:10 UTC)).unwrap();

    let (mut charter, item) = submit_charter(
        &mut m,
        &[
            "第一条 本会名称为某省互联网联合会。",
            "第二条 会员代表大会每五年召开一次。",
        ],
    );
    let mo = m.motion_mut(MotionId(1)).unwrap();
    let a = mo
        .propose_amendment(1, "第二条 会员代表大会每四年召开一次。")
        .unwrap();
    mo.decide_amendment(a, true).unwrap();
    m.put_on_agenda(MotionId(1), item).unwrap();
    m.open_motion_poll(
        MotionId(1),
        PollId(1),
        Secrecy::Named,
        datetime!(2026-06-28 09:30 UTC),
    )
    .unwrap();
    cast_all(&mut m, PollId(1), |i| {
        vote(match i {
            0..70 => Choice::Yes,
            70..78 => Choice::No,
            _ => Choice::Abstain,
        })
    });
    m.close_motion_poll(PollId(1), datetime!(2026-06-28 09:45 UTC))
        .unwrap();
    let adopted = m.motion(MotionId(1)).unwrap().clone();
    charter
        .adopt(&adopted, MeetingId(1), datetime!(2026-06-28 09:45 UTC))
        .unwrap();

    let item = m.add_agenda_item("选举第一届理事会").unwrap();
    m.add_election(
        Election::new(
            ElectionId(1),
            BodyId(2),
            TermId(2),
            Fills::Seats,
            2,
            Method::Stv {
                method: StvMethod::Scottish,
            },
        ),
        item,
    )
    .unwrap();
    let names: minutes::Names = (1..=92)
        .map(|n| (unit(n), format!("会员单位{n}")))
        .collect();
    let e = m.election_mut(ElectionId(1)).unwrap();
    for n in 1..=4 {
        e.nominate(&bodies, unit(n), &names[&unit(n)], date!(2026 - 06 - 28))
            .unwrap();
    }
    m.open_election_poll(
        ElectionId(1),
        PollId(2),
        Secrecy::Secret,
        datetime!(2026-06-28 10:00 UTC),
    )
    .unwrap();
    // 82 ballots: A first (40, then B), B first (10), C first (20, then D), D first (12).
    cast_all(&mut m, PollId(2), |i| match i {
        0..40 => rank(&[0, 1]),
        40..50 => rank(&[1]),
        50..70 => rank(&[2, 3]),
        _ => rank(&[3, 2]),
    });
    m.close_election_poll(PollId(2), datetime!(2026-06-28 10:30 UTC))
        .unwrap();
    m.election(ElectionId(1))
        .unwrap()
        .install(&mut bodies, date!(2026 - 06 - 28))
        .unwrap();
    m.close(datetime!(2026-06-28 11:00 UTC)).unwrap();
    (m, bodies, vec![charter], names)
}

#[test]
fn the_minutes_record_attendance_quorum_motions_and_rounds() {
    let (m, bodies, docs, names) = congress();
    let min = minutes::minutes(&m, &bodies, &docs, &names).unwrap();
    assert_eq!(min.title, "第一次会员代表大会");
    assert_eq!(
        (min.body_name.as_str(), min.term_number),
        ("会员代表大会", 1)
    );
    let a = &min.attendance;
    assert_eq!(
        (a.members, a.in_person, a.by_proxy, a.absent),
        (92, 80, 2, 10)
    );
    assert_eq!(a.lines.len(), 92);
    assert_eq!(
        a.lines[80].presence,
        PresenceRecord::Proxy {
            carrier: unit(1),
            carrier_name: "会员单位1".into()
        }
    );
    assert_eq!(a.lines[91].presence.code(), "absent");
    assert_eq!((min.quorum.present, min.quorum.required), (82, 62));

    // Item 1: the charter, its amendment as a diff, the roll call, the decision.
    assert_eq!(min.items.len(), 2);
    let mo = &min.items[0].motions[0];
    assert_eq!(mo.document, Some((DocumentId(1), "章程".into(), 1)));
    assert_eq!(mo.text[1], "第二条 会员代表大会每四年召开一次。");
    assert_eq!(mo.amendments[0].paragraph, 2);
    assert!(
        mo.amendments[0]
            .diff
            .contains(&Change::Removed("五".into()))
    );
    let poll = mo.poll.as_ref().unwrap();
    assert_eq!((poll.entitled, poll.voted), (82, 82));
    assert_eq!((poll.quorum.present, poll.quorum.required), (82, 62));
    assert_eq!(poll.roll_call.len(), 82);
    let d = mo.decision.as_ref().unwrap();
    assert!(d.adopted);
    assert_eq!((d.counts.yes, d.counts.no, d.counts.abstain), (70, 8, 4));
    assert_eq!((d.base, d.threshold), (82, 55));
    assert_eq!(mo.state, MotionState::Adopted);
    assert!(min.items[1].motions.is_empty());
    assert!(min.items[0].elections.is_empty());

    // The election, under its item 2: STV over several stages, the table with every candidate.
    assert_eq!(min.items[1].elections.len(), 1);
    assert!(min.elections.is_empty(), "no election outside the agenda");
    let e = &min.items[1].elections[0];
    assert_eq!(e.body_name, "理事会");
    assert!(e.competitive);
    assert_eq!(e.elected, vec!["会员单位1", "会员单位3"]);
    let r = &e.rounds[0];
    let poll = r.poll.as_ref().unwrap();
    assert_eq!(poll.secrecy, Secrecy::Secret);
    assert!(poll.roll_call.is_empty(), "a secret poll names nobody");
    let t = r.table.as_ref().unwrap();
    assert!(t.stages.len() >= 2, "{t:#?}");
    assert_eq!(t.rows.len(), 4);
    assert!(t.has_quota());
    assert_eq!(t.quota[0].as_deref(), Some("28.00000"));
    assert_eq!(t.rows[0].votes[0].as_deref(), Some("40.00000"));
    assert_eq!(t.rows[0].elected_at, Some(1));
    assert_eq!(t.actions.len(), t.stages.len());
    assert_eq!(
        e.candidates
            .iter()
            .map(|c| c.elected_in_round)
            .collect::<Vec<_>>(),
        vec![Some(1), None, Some(1), None]
    );
    // Everything serializes (the web hands it to templates and to JSON).
    let json = serde_json::to_value(&min).unwrap();
    assert_eq!(json["attendance"]["lines"][80]["presence"]["kind"], "proxy");
}

#[test]
fn results_rows_give_each_option_of_each_vote() {
    let (m, bodies, docs, names) = congress();
    let min = minutes::minutes(&m, &bodies, &docs, &names).unwrap();
    let rows = minutes::result_rows(&min);
    assert_eq!(rows.len(), 3 + 4);
    let yes = &rows[0];
    assert_eq!(
        yes.cells(),
        [
            "1",
            "motion",
            "通过章程",
            "",
            "1",
            "yes",
            "70",
            "adopted",
            "at least two thirds of the members present",
            "82",
            "55"
        ]
        .map(String::from)
    );
    assert_eq!(ResultRow::HEADER.len(), yes.cells().len());
    let elected: Vec<&str> = rows[3..]
        .iter()
        .filter(|r| r.result == "elected")
        .map(|r| r.option.as_str())
        .collect();
    assert_eq!(elected, ["会员单位1", "会员单位3"]);
    assert!(
        rows[3..]
            .iter()
            .all(|r| r.round == Some(1) && r.kind == "election" && r.item == Some(2))
    );
}

#[test]
fn an_election_recorded_without_its_agenda_item_is_listed_after_the_items() {
    let (m, bodies, docs, names) = congress();
    assert_eq!(
        m.elections[0].agenda_item,
        Some(2),
        "add_election names the item"
    );
    // A record kept before elections named their item has no such field.
    let mut json = serde_json::to_value(&m).unwrap();
    json["elections"][0]
        .as_object_mut()
        .unwrap()
        .remove("agenda_item")
        .unwrap();
    let old: Meeting = serde_json::from_value(json).unwrap();
    assert_eq!(old.elections[0].agenda_item, None);
    let min = minutes::minutes(&old, &bodies, &docs, &names).unwrap();
    assert!(min.items.iter().all(|i| i.elections.is_empty()));
    assert_eq!(min.elections.len(), 1);
    assert_eq!(min.elections[0].elected, vec!["会员单位1", "会员单位3"]);
    let rows = minutes::result_rows(&min);
    assert!(rows[3..].iter().all(|r| r.item.is_none()));
}

#[test]
fn the_calendar_event_carries_the_agenda_and_the_close() {
    let (m, bodies, _, _) = congress();
    let ev = minutes::calendar_event(
        &m,
        &bodies,
        "federa.example",
        time::Duration::hours(3),
        datetime!(2026-06-29 08:00 UTC),
    );
    assert_eq!(ev.uid, "federa-meeting-1@federa.example");
    assert_eq!(ev.summary, "第一次会员代表大会");
    assert_eq!(ev.location, "", "the notice names no place");
    assert_eq!(ev.start, datetime!(2026-06-28 09:00 UTC));
    assert_eq!(ev.end, datetime!(2026-06-28 11:00 UTC), "closed: the close");
    assert_eq!(
        ev.description,
        "会员代表大会 (1)\n1. 审议通过《章程（草案）》\n2. 选举第一届理事会"
    );
    // Not yet held: the expected length.
    let mut fresh = m.clone();
    fresh.closed_at = None;
    let ev2 = minutes::calendar_event(
        &fresh,
        &bodies,
        "h",
        time::Duration::hours(3),
        datetime!(2026-06-29 08:00 UTC),
    );
    assert_eq!(ev2.end, datetime!(2026-06-28 12:00 UTC));
}

#[test]
fn an_unknown_body_is_refused_by_name() {
    let (mut m, bodies, docs, names) = congress();
    m.body = BodyId(99);
    assert_eq!(
        minutes::minutes(&m, &bodies, &docs, &BTreeMap::new()).unwrap_err(),
        GovError::NoSuchBody { body: BodyId(99) }
    );
    let _ = names;
}
