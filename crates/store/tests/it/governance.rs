//! Governance on both databases: bodies, meetings, attendance, polls, the secret-ballot
//! invariant, documents, delegates, and refusals that record nothing.

use federa_core::governance::*;
use federa_store::governance::{GovernanceError, NewMeeting, holder_key};
use federa_store::{Actor, Page, Store};
use tally::decision::{Choice, Majority, Quorum};
use time::macros::{date, datetime};

use crate::conformance;
use crate::support::{SYS, audit_count, org};

conformance!(
    bodies_terms_seats_and_offices,
    a_meeting_votes_on_a_motion_and_adopts_the_charter,
    refusals_record_nothing,
    secret_election_keeps_ballots_apart_from_voters,
    delegates_are_linked_to_holders,
);

fn unit(n: u64) -> Holder {
    Holder::Unit(n)
}

struct Fed {
    org: i64,
    congress: BodyId,
    council: BodyId,
    supervisors: BodyId,
    congress_term: TermId,
    council_term: TermId,
    supervisors_term: TermId,
}

/// A federation with a congress of `units` member units (seated), a council of 5 drawn from
/// the congress and a board of 2 supervisors who may not sit on the council.
async fn federation(store: &Store, units: u64) -> Fed {
    let org = store
        .create_organisation(SYS, &org("某省互联网联合会", "federation"))
        .await
        .unwrap()
        .id;
    let day = date!(2026 - 06 - 28);
    let ((congress, council, supervisors, ct, kt, st), stored) = store
        .update_bodies(org, SYS, "set_up", |b, ids| {
            let congress = BodyId(ids.fresh());
            let council = BodyId(ids.fresh());
            let supervisors = BodyId(ids.fresh());
            let rules = |seats, by: Option<BodyId>| BodyRules {
                seats,
                elected_by: by,
                drawn_from: by,
                incompatible_with: Vec::new(),
                quorum: Quorum::TWO_THIRDS,
                majority: Majority::HALF_OR_MORE_OF_PRESENT,
                proxies: ProxyRule {
                    max_per_carrier: 1,
                    count_as_present: true,
                },
                notice_days: 0,
            };
            b.bodies.push(Body {
                id: congress,
                kind: BodyKind::Congress,
                name: "会员代表大会".into(),
                rules: rules(None, None),
            });
            b.bodies.push(Body {
                id: council,
                kind: BodyKind::Council,
                name: "理事会".into(),
                rules: rules(Some(5), Some(congress)),
            });
            b.bodies.push(Body {
                id: supervisors,
                kind: BodyKind::Supervisors,
                name: "监事会".into(),
                rules: BodyRules {
                    incompatible_with: vec![council],
                    ..rules(Some(2), Some(congress))
                },
            });
            let ct = TermId(ids.fresh());
            let kt = TermId(ids.fresh());
            let st = TermId(ids.fresh());
            let mut t = Term::new(ct, congress, 1, day);
            let holders: Vec<Holder> = (1..=units).map(unit).collect();
            t.fill_seats(&b.body(congress)?.rules.clone(), &holders, day, None)?;
            b.terms.push(t);
            b.terms.push(Term::new(kt, council, 1, day));
            b.terms.push(Term::new(st, supervisors, 1, day));
            Ok((congress, council, supervisors, ct, kt, st))
        })
        .await
        .unwrap();
    assert_eq!(stored.version, 1);
    Fed {
        org,
        congress,
        council,
        supervisors,
        congress_term: ct,
        council_term: kt,
        supervisors_term: st,
    }
}

async fn congress_meeting(store: &Store, f: &Fed) -> MeetingId {
    store
        .convene_meeting(
            SYS,
            f.org,
            &NewMeeting {
                body: f.congress,
                term: f.congress_term,
                title: "第一次会员代表大会".into(),
                notice_at: datetime!(2026-06-01 09:00 UTC),
                starts_at: datetime!(2026-06-28 09:00 UTC),
                place: String::new(),
                notice: String::new(),
                agenda: Vec::new(),
            },
        )
        .await
        .unwrap()
        .meeting
        .id
}

fn refused<T: std::fmt::Debug>(r: Result<T, GovernanceError>) -> &'static str {
    match r {
        Err(GovernanceError::Refused(e)) => e.code(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn bodies_terms_seats_and_offices(store: Store) {
    let f = federation(&store, 10).await;
    let day = date!(2026 - 06 - 28);
    let b = store.bodies(f.org).await.unwrap();
    assert_eq!(b.version, 1);
    assert_eq!(b.bodies.bodies.len(), 3);
    assert_eq!(b.bodies.term(f.congress_term).unwrap().roll(day).len(), 10);
    let council = f.council;
    let (_, b) = store
        .update_bodies(f.org, SYS, "fill_seats", |b, _| {
            let rules = b.body(council)?.rules.clone();
            b.term_mut(f.council_term)?
                .fill_seats(&rules, &[unit(1), unit(2)], day, None)?;
            b.term_mut(f.council_term)?
                .appoint(OfficeKind::President, unit(1), day, None)
        })
        .await
        .unwrap();
    assert_eq!(b.version, 2);
    let t = b.bodies.term(f.council_term).unwrap();
    assert_eq!(t.holders_of(&OfficeKind::President, day), vec![unit(1)]);
    // Refused by the rules: more seats than the body has; nothing changes.
    let events = audit_count(&store).await;
    let e = store
        .update_bodies(f.org, SYS, "fill_seats", |b, _| {
            let rules = b.body(council)?.rules.clone();
            let many: Vec<Holder> = (3..=9).map(unit).collect();
            b.term_mut(f.council_term)?
                .fill_seats(&rules, &many, day, None)
        })
        .await;
    assert_eq!(refused(e), "seats_full");
    assert_eq!(audit_count(&store).await, events);
    assert_eq!(store.bodies(f.org).await.unwrap(), b);
    // Eligibility: a council member may not become a supervisor.
    let e = b
        .bodies
        .check_eligible(f.supervisors, unit(1), day)
        .unwrap_err();
    assert_eq!(e.code(), "ineligible");
    // Unknown organisation.
    assert!(matches!(
        store.bodies(999_999).await,
        Err(GovernanceError::Store(
            federa_store::StoreError::NotFound { .. }
        ))
    ));
}

async fn a_meeting_votes_on_a_motion_and_adopts_the_charter(store: Store) {
    let f = federation(&store, 9).await;
    let charter = store
        .create_document(
            SYS,
            f.org,
            DocumentKind::Charter,
            "章程",
            vec!["第一条 名称。".into(), "第二条 每五年。".into()],
        )
        .await
        .unwrap();
    let doc = charter.document.id;
    let m = congress_meeting(&store, &f).await;
    // Six sign in (not two thirds of 9 with proxies yet), then a proxy makes seven.
    store
        .update_meeting(SYS, m, "sign_in", |m, _, _| {
            for n in 1..=6 {
                m.sign_in(unit(n))?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let r = store.get_meeting(m).await.unwrap();
    assert_eq!((r.quorum().present, r.quorum().required), (6, 6));
    store
        .update_meeting(SYS, m, "give_proxy", |m, _, _| {
            m.give_proxy(unit(7), unit(1))
        })
        .await
        .unwrap();
    let q = store
        .update_meeting(SYS, m, "open", |m, _, _| {
            m.open(datetime!(2026-06-28 09:10 UTC))
        })
        .await
        .unwrap();
    assert_eq!((q.present, q.members, q.met), (7, 9, true));
    let motion = store
        .update_meeting(SYS, m, "submit", |m, _, ids| {
            let item = m.add_agenda_item("审议章程")?;
            let id = MotionId(ids.fresh());
            m.submit(
                Motion::new(
                    id,
                    "通过章程",
                    vec!["第一条 名称。".into(), "第二条 每五年。".into()],
                    Majority::TWO_THIRDS_OF_PRESENT,
                )
                .adopting(DocumentRef {
                    document: doc,
                    version: 1,
                }),
            )?;
            let a = m.motion_mut(id)?.propose_amendment(1, "第二条 每四年。")?;
            m.motion_mut(id)?.decide_amendment(a, true)?;
            m.put_on_agenda(id, item)?;
            Ok(id)
        })
        .await
        .unwrap();
    let progress = store
        .open_motion_poll(
            SYS,
            m,
            motion,
            Secrecy::Named,
            datetime!(2026-06-28 09:30 UTC),
        )
        .await
        .unwrap();
    assert_eq!((progress.entitled, progress.voted), (7, 0));
    let poll = progress.poll;
    for n in 1..=6 {
        store
            .cast_vote(SYS, poll, unit(n), unit(n), vote(Choice::Yes))
            .await
            .unwrap();
    }
    // Unit 1 carries unit 7's proxy.
    let receipt = store
        .cast_vote(SYS, poll, unit(1), unit(7), vote(Choice::No))
        .await
        .unwrap();
    assert_eq!(receipt.weight, 1);
    let p = store.poll_progress(poll).await.unwrap();
    assert_eq!((p.voted, p.voted_weight), (7, 7));
    let d = store
        .close_motion_poll(SYS, poll, datetime!(2026-06-28 09:45 UTC))
        .await
        .unwrap();
    assert!(d.adopted, "{}", d.explanation);
    assert_eq!((d.base, d.threshold), (7, 5));
    // The named ballots are public.
    let rec = store.get_poll(poll).await.unwrap();
    assert_eq!(rec.poll.named[&unit(7)], vote(Choice::No));
    assert_eq!(rec.poll.state, PollState::Closed);
    let (doc_after, current) = store
        .adopt_document(SYS, m, motion, datetime!(2026-06-28 09:45 UTC))
        .await
        .unwrap();
    assert_eq!(current, 2);
    let d = &doc_after.document;
    assert_eq!(d.current, Some(2));
    assert_eq!(d.version(1).unwrap().status, VersionStatus::Draft);
    let adoption = d.version(2).unwrap().adoption.unwrap();
    assert_eq!((adoption.motion, adoption.poll), (motion, Some(poll)));
    assert_eq!(store.get_document(doc).await.unwrap(), doc_after);
    assert_eq!(store.list_documents(f.org).await.unwrap().len(), 1);
    let list = store.list_meetings(f.org).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].state, MeetingState::Open);
    store
        .update_meeting(SYS, m, "close", |m, _, _| {
            m.close(datetime!(2026-06-28 10:00 UTC))
        })
        .await
        .unwrap();
    assert_eq!(
        store.get_meeting(m).await.unwrap().meeting.state,
        MeetingState::Closed
    );
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
}

async fn refusals_record_nothing(store: Store) {
    let f = federation(&store, 9).await;
    let m = congress_meeting(&store, &f).await;
    let events = audit_count(&store).await;
    // Opening without quorum.
    let e = store
        .update_meeting(SYS, m, "open", |m, _, _| {
            m.open(datetime!(2026-06-28 09:10 UTC))
        })
        .await;
    assert_eq!(refused(e), "no_quorum");
    assert_eq!(audit_count(&store).await, events);
    store
        .update_meeting(SYS, m, "sign_in", |m, _, _| {
            for n in 1..=7 {
                m.sign_in(unit(n))?;
            }
            m.open(datetime!(2026-06-28 09:10 UTC))?;
            Ok(())
        })
        .await
        .unwrap();
    let (motion, election) = store
        .update_meeting(SYS, m, "agenda", |m, _, ids| {
            let item = m.add_agenda_item("动议")?;
            let id = MotionId(ids.fresh());
            m.submit(Motion::new(id, "动议", vec!["甲".into()], Majority::SIMPLE))?;
            m.put_on_agenda(id, item)?;
            let e = ElectionId(ids.fresh());
            m.add_election(
                Election::new(
                    e,
                    f.council,
                    f.council_term,
                    Fills::Seats,
                    5,
                    Method::APPROVAL_MAJORITY,
                ),
                item,
            )?;
            Ok((id, e))
        })
        .await
        .unwrap();
    let before = store.get_meeting(m).await.unwrap();
    let events = audit_count(&store).await;
    // An ineligible candidate (not in the congress).
    let e = store
        .update_meeting(SYS, m, "nominate", |m, b, _| {
            m.election_mut(election)?
                .nominate(b, unit(50), "非会员", date!(2026 - 06 - 28))
        })
        .await;
    assert_eq!(refused(e), "ineligible");
    let poll = store
        .open_motion_poll(
            SYS,
            m,
            motion,
            Secrecy::Secret,
            datetime!(2026-06-28 09:30 UTC),
        )
        .await
        .unwrap()
        .poll;
    let events_open = audit_count(&store).await;
    assert_eq!(events_open, events + 1);
    // The motion cannot change while its poll is open.
    let e = store
        .update_meeting(SYS, m, "amend", |m, _, _| {
            m.motion_mut(motion)?.propose_amendment(0, "乙")
        })
        .await;
    assert_eq!(refused(e), "motion_in_poll");
    // Not entitled (absent), the wrong carrier, a bad ballot.
    let e = store
        .cast_vote(SYS, poll, unit(8), unit(8), vote(Choice::Yes))
        .await;
    assert_eq!(refused(e), "not_entitled");
    let e = store
        .cast_vote(SYS, poll, unit(2), unit(1), vote(Choice::Yes))
        .await;
    assert_eq!(refused(e), "not_proxy");
    let e = store
        .cast_vote(
            SYS,
            poll,
            unit(1),
            unit(1),
            BallotContent::Marks { marked: [0].into() },
        )
        .await;
    assert_eq!(refused(e), "bad_ballot");
    assert_eq!(audit_count(&store).await, events_open);
    // A vote, then a second vote.
    store
        .cast_vote(SYS, poll, unit(1), unit(1), vote(Choice::Yes))
        .await
        .unwrap();
    let events_voted = audit_count(&store).await;
    let e = store
        .cast_vote(SYS, poll, unit(1), unit(1), vote(Choice::No))
        .await;
    assert_eq!(refused(e), "already_voted");
    assert_eq!(audit_count(&store).await, events_voted);
    // The quorum is lost: three leave; votes are refused.
    store
        .update_meeting(SYS, m, "sign_out", |m, _, _| {
            for n in 5..=7 {
                m.sign_out(unit(n))?;
            }
            Ok(())
        })
        .await
        .unwrap();
    let events_out = audit_count(&store).await;
    let e = store
        .cast_vote(SYS, poll, unit(2), unit(2), vote(Choice::Yes))
        .await;
    assert_eq!(refused(e), "no_quorum");
    assert_eq!(audit_count(&store).await, events_out);
    let p = store.poll_progress(poll).await.unwrap();
    assert_eq!((p.entitled, p.voted), (7, 1));
    // Back to quorum; close; a vote after close.
    store
        .update_meeting(SYS, m, "sign_in", |m, _, _| m.sign_in(unit(5)))
        .await
        .unwrap();
    store
        .close_motion_poll(SYS, poll, datetime!(2026-06-28 09:50 UTC))
        .await
        .unwrap();
    let events_closed = audit_count(&store).await;
    let e = store
        .cast_vote(SYS, poll, unit(2), unit(2), vote(Choice::Yes))
        .await;
    assert_eq!(refused(e), "poll_closed");
    let e = store
        .close_motion_poll(SYS, poll, datetime!(2026-06-28 09:51 UTC))
        .await;
    assert_eq!(refused(e), "poll_closed");
    assert_eq!(audit_count(&store).await, events_closed);
    // A closure may not close a poll without its ballots.
    let after = store.get_meeting(m).await.unwrap();
    assert_eq!(after.meeting.elections, before.meeting.elections);
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
}

async fn secret_election_keeps_ballots_apart_from_voters(store: Store) {
    let f = federation(&store, 9).await;
    let m = congress_meeting(&store, &f).await;
    let day = date!(2026 - 06 - 28);
    let election = store
        .update_meeting(SYS, m, "prepare", |m, b, ids| {
            for n in 1..=9 {
                m.sign_in(unit(n))?;
            }
            m.open(datetime!(2026-06-28 09:10 UTC))?;
            let item = m.add_agenda_item("选举理事会")?;
            let e = ElectionId(ids.fresh());
            m.add_election(
                Election::new(
                    e,
                    f.council,
                    f.council_term,
                    Fills::Seats,
                    5,
                    Method::APPROVAL_MAJORITY,
                ),
                item,
            )?;
            for n in 1..=7 {
                m.election_mut(e)?
                    .nominate(b, unit(n), &format!("单位{n}"), day)?;
            }
            Ok(e)
        })
        .await
        .unwrap();
    let poll = store
        .open_election_poll(
            SYS,
            m,
            election,
            Secrecy::Secret,
            datetime!(2026-06-28 10:00 UTC),
        )
        .await
        .unwrap()
        .poll;
    // Six mark candidates 0-4, three mark 2-6: 2, 3, 4 have 9; 0, 1 have 6; 5, 6 have 3.
    for n in 1..=9u64 {
        let marked = if n <= 6 { 0..5 } else { 2..7 };
        store
            .cast_vote(
                SYS,
                poll,
                unit(n),
                unit(n),
                BallotContent::Marks {
                    marked: marked.collect(),
                },
            )
            .await
            .unwrap();
    }
    // The database holds two piles and no ballot next to a voter.
    let rec = store.get_poll(poll).await.unwrap();
    assert!(rec.poll.named.is_empty());
    assert_eq!(rec.poll.voted.len(), 9);
    assert_eq!(rec.poll.secret.len(), 2);
    assert_eq!(rec.poll.secret.values().map(|p| p.ballots).sum::<u64>(), 9);
    let named_rows = store
        .execute_unaudited("UPDATE gov_poll_voters SET voter = voter WHERE ballot IS NOT NULL")
        .await
        .unwrap();
    assert_eq!(named_rows, 0, "a secret poll keeps no ballot with a voter");
    // No audit event names a ballot.
    let events = store
        .list_audit_events(Some("poll"), Some(&poll.to_string()), Page::new(0, 100))
        .await
        .unwrap();
    assert_eq!(events.total, 9);
    for e in &events.items {
        let text = serde_json::to_string(&e.after).unwrap();
        assert!(!text.contains("marked"), "{text}");
        assert_eq!(e.after.as_ref().unwrap()["voter"]["kind"], "unit");
    }
    let round = store
        .close_election_poll(SYS, poll, datetime!(2026-06-28 10:30 UTC))
        .await
        .unwrap();
    assert_eq!(
        round.elected,
        vec![unit(3), unit(4), unit(5), unit(1), unit(2)]
    );
    // Read at once, every poll of the meeting is as read one by one.
    let all = store.get_meeting_with_polls(m).await.unwrap().meeting;
    let progress = store.meeting_poll_progress(m).await.unwrap();
    assert!(!all.polls.is_empty());
    assert_eq!(progress.len(), all.polls.len());
    for p in &all.polls {
        assert_eq!(*p, store.get_poll(p.id).await.unwrap().poll);
        assert_eq!(progress[&p.id], store.poll_progress(p.id).await.unwrap());
    }
    assert_eq!(progress[&poll].voted, 9);
    store
        .update_meeting(SYS, m, "install", |m, b, _| {
            m.election(election)?.install(b, day)
        })
        .await
        .unwrap();
    let b = store.bodies(f.org).await.unwrap();
    assert_eq!(b.bodies.term(f.council_term).unwrap().roll(day).len(), 5);
    // Now a council member is not eligible for the board of supervisors.
    assert_eq!(
        b.bodies
            .check_eligible(f.supervisors, unit(1), day)
            .unwrap_err()
            .code(),
        "ineligible"
    );
    let _ = f.supervisors_term;
}

async fn delegates_are_linked_to_holders(store: Store) {
    let f = federation(&store, 3).await;
    let u = store
        .create_organisation(SYS, &org("某大学", "university"))
        .await
        .unwrap()
        .id;
    let user = store
        .create_user(
            Actor::System,
            &federa_store::NewUser {
                username: "delegate".into(),
                display_name: None,
                password_hash: "x".into(),
                is_admin: false,
            },
        )
        .await
        .unwrap();
    store
        .link_delegate(SYS, f.org, user.id, Holder::Unit(u as u64))
        .await
        .unwrap();
    let events = audit_count(&store).await;
    assert!(matches!(
        store
            .link_delegate(SYS, f.org, user.id, Holder::Unit(u as u64))
            .await,
        Err(GovernanceError::Store(
            federa_store::StoreError::Conflict { .. }
        ))
    ));
    assert!(
        store
            .link_delegate(SYS, f.org, user.id, Holder::Unit(999_999))
            .await
            .is_err()
    );
    assert_eq!(audit_count(&store).await, events);
    assert_eq!(
        store.delegate_holders(user.id, f.org).await.unwrap(),
        vec![Holder::Unit(u as u64)]
    );
    assert_eq!(
        store
            .delegates_of(f.org, Holder::Unit(u as u64))
            .await
            .unwrap(),
        vec![user.id]
    );
    assert_eq!(holder_key(Holder::Person(3)), "person:3");
}

/// One poll with 10,000 voters on SQLite: the secretariat signs them in at once, the poll
/// snapshots them, every one votes (one transaction each, reading and writing a constant number
/// of rows), and the count closes with every ballot. The time each step took is printed; there
/// is no timing assertion.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_voters_in_one_poll_on_sqlite() {
    const VOTERS: u64 = 10_000;
    let db = crate::support::TestDb::sqlite().await;
    let store = db.store.clone();
    let f = federation(&store, 0).await;
    let day = date!(2026 - 06 - 28);
    let people: Vec<Holder> = (1..=VOTERS).map(Holder::Person).collect();
    let t = std::time::Instant::now();
    store
        .update_bodies(f.org, SYS, "fill_seats", |b, _| {
            let rules = b.body(f.congress)?.rules.clone();
            b.term_mut(f.congress_term)?
                .fill_seats(&rules, &people, day, None)
        })
        .await
        .unwrap();
    let m = congress_meeting(&store, &f).await;
    let seated = t.elapsed();
    let t = std::time::Instant::now();
    let motion = store
        .update_meeting(SYS, m, "sign_in_all", |m, _, ids| {
            for p in &people {
                m.sign_in(*p)?;
            }
            m.open(datetime!(2026-06-28 09:10 UTC))?;
            let item = m.add_agenda_item("审议报告")?;
            let id = MotionId(ids.fresh());
            m.submit(Motion::new(
                id,
                "通过报告",
                vec!["报告".into()],
                Majority::SIMPLE,
            ))?;
            m.put_on_agenda(id, item)?;
            Ok(id)
        })
        .await
        .unwrap();
    let poll = store
        .open_motion_poll(
            SYS,
            m,
            motion,
            Secrecy::Secret,
            datetime!(2026-06-28 09:30 UTC),
        )
        .await
        .unwrap();
    assert_eq!(poll.entitled, VOTERS);
    let opened = t.elapsed();
    let t = std::time::Instant::now();
    for (i, p) in people.iter().enumerate() {
        let choice = match i % 10 {
            0..6 => Choice::Yes,
            6..9 => Choice::No,
            _ => Choice::Abstain,
        };
        store
            .cast_vote(SYS, poll.poll, *p, *p, vote(choice))
            .await
            .unwrap();
    }
    let cast = t.elapsed();
    let t = std::time::Instant::now();
    let d = store
        .close_motion_poll(SYS, poll.poll, datetime!(2026-06-28 11:00 UTC))
        .await
        .unwrap();
    let closed = t.elapsed();
    assert_eq!(
        (d.counts.yes, d.counts.no, d.counts.abstain),
        (6_000, 3_000, 1_000)
    );
    assert!(d.adopted);
    let p = store.poll_progress(poll.poll).await.unwrap();
    assert_eq!((p.voted, p.voted_weight), (VOTERS, VOTERS));
    println!(
        "10,000 voters on SQLite: seats and convening {seated:?}, sign-in and opening {opened:?}, \
         10,000 votes {cast:?} ({:?} per vote), closing and counting {closed:?}",
        cast / VOTERS as u32
    );
    db.finish().await;
}
