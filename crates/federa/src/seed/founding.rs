//! The founding day, replayed through the store calls the governance API's handlers make: the
//! association is succeeded by the federation; the first member congress signs in its
//! delegates, adopts the charter (draft, amended) by two thirds of those present, elects the
//! council in two rounds (30 candidates for 25 seats) and the board of supervisors; the first
//! meeting of the first council elects the executive council, the president, three
//! vice-presidents and the secretary-general. Every rule is core's, every vote a real ballot.

use anyhow::{Context, bail};
use federa_core::governance::{
    BallotContent, Body, BodyId, BodyKind, BodyRules, DocumentKind, DocumentRef, Election,
    ElectionId, Fills, Holder, MeetingId, Method, Motion, MotionId, OfficeKind, PollId, ProxyRule,
    Secrecy, Term, TermId, vote,
};
use federa_store::governance::NewMeeting;
use federa_store::{Actor, MembershipFilter, OrgInput, Page, Store};
use tally::decision::{Choice, Majority, Quorum};
use time::macros::{date, datetime};

pub const FEDERATION: &str = "重庆市互联网联合会";

pub struct Founding {
    pub federation_id: i64,
}

struct Ids {
    congress: BodyId,
    council: BodyId,
    executive: BodyId,
    supervisors: BodyId,
    congress_term: TermId,
    council_term: TermId,
    executive_term: TermId,
    supervisors_term: TermId,
}

fn rules(seats: Option<u32>, from: Option<BodyId>, majority: Majority) -> BodyRules {
    BodyRules {
        seats,
        elected_by: from,
        drawn_from: from,
        incompatible_with: Vec::new(),
        quorum: Quorum::TWO_THIRDS,
        majority,
        proxies: ProxyRule::NONE,
        notice_days: 0,
    }
}

fn marks(cs: impl IntoIterator<Item = u32>) -> BallotContent {
    BallotContent::Marks {
        marked: cs.into_iter().collect(),
    }
}

/// Every entitled voter of `poll` votes, `ballot(i)` for the i-th in holder order, cast by
/// whoever carries their vote.
async fn vote_all(
    store: &Store,
    poll: PollId,
    ballot: impl Fn(usize) -> BallotContent,
) -> anyhow::Result<()> {
    let p = store.get_poll(poll).await?.poll;
    for (i, (voter, e)) in p.entitled.iter().enumerate() {
        store
            .cast_vote(Actor::System, poll, e.cast_by, *voter, ballot(i))
            .await
            .with_context(|| format!("{voter} votes in poll {poll}"))?;
    }
    Ok(())
}

/// Opens a secret round of `election`, has everyone vote, closes and counts it; returns the
/// elected.
async fn round(
    store: &Store,
    actor: Actor,
    meeting: MeetingId,
    election: ElectionId,
    at: time::OffsetDateTime,
    ballot: impl Fn(usize) -> BallotContent,
) -> anyhow::Result<Vec<Holder>> {
    let poll = store
        .open_election_poll(actor, meeting, election, Secrecy::Secret, at)
        .await?
        .poll;
    vote_all(store, poll, ballot).await?;
    let r = store
        .close_election_poll(actor, poll, at + time::Duration::minutes(20))
        .await?;
    Ok(r.elected)
}

/// Adds an election to a new agenda item and nominates `candidates`.
#[allow(clippy::too_many_arguments)] // the election's every particular, named at each call
async fn election(
    store: &Store,
    actor: Actor,
    meeting: MeetingId,
    title: &str,
    (body, term): (BodyId, TermId),
    fills: Fills,
    seats: u32,
    candidates: Vec<(Holder, String)>,
) -> anyhow::Result<ElectionId> {
    let id = store
        .update_meeting(actor, meeting, "add_election", |m, b, ids| {
            let item = m.add_agenda_item(title)?;
            let id = ElectionId(ids.fresh());
            m.add_election(
                Election::new(id, body, term, fills, seats, Method::APPROVAL_MAJORITY),
                item,
            )?;
            let on = m.starts_at.date();
            for (h, name) in &candidates {
                m.election_mut(id)?.nominate(b, *h, name, on)?;
            }
            Ok(id)
        })
        .await?;
    Ok(id)
}

async fn install(
    store: &Store,
    actor: Actor,
    meeting: MeetingId,
    e: ElectionId,
) -> anyhow::Result<()> {
    store
        .update_meeting(actor, meeting, "install", |m, b, _| {
            m.election(e)?.install(b, m.starts_at.date())
        })
        .await?;
    Ok(())
}

pub async fn seed(store: &Store, actor: Actor, association: i64) -> anyhow::Result<Founding> {
    let day = date!(2026 - 06 - 28);
    let federation = store
        .create_organisation(
            actor,
            &OrgInput {
                name: FEDERATION.into(),
                short_name: Some("重庆网联".into()),
                kind: "federation".into(),
                district: Some("渝北区".into()),
                sector: Some("互联网".into()),
                founded: Some("2026-06-28".into()),
                predecessor_id: Some(association),
            },
        )
        .await?
        .id;
    store
        .succeed_organisation(association, federation, day, actor)
        .await
        .context("the federation succeeds the association")?;
    let members = store
        .list_memberships(
            federation,
            &MembershipFilter {
                current_only: true,
                ..MembershipFilter::default()
            },
            Page::new(0, 500),
        )
        .await?;
    let units: Vec<(Holder, String)> = members
        .items
        .iter()
        .map(|m| (Holder::Unit(m.member.id as u64), m.member.name.clone()))
        .collect();
    if units.len() < 92 {
        bail!(
            "the founding day needs 92 member units, the federation has {}",
            units.len()
        );
    }
    let unit = |n: usize| units[n - 1].0;
    let named = |ns: &mut dyn Iterator<Item = usize>| -> Vec<(Holder, String)> {
        ns.map(|n| units[n - 1].clone()).collect()
    };

    // Bodies and their first terms, as the model charter sets them up.
    let holders: Vec<Holder> = units.iter().map(|(h, _)| *h).collect();
    let (ids, _) = store
        .update_bodies(federation, actor, "set_up", |b, ids| {
            let mut id = || BodyId(ids.fresh());
            let (congress, council, executive, supervisors) = (id(), id(), id(), id());
            let mut congress_rules = rules(None, None, Majority::HALF_OR_MORE_OF_PRESENT);
            congress_rules.proxies = ProxyRule {
                max_per_carrier: 1,
                count_as_present: true,
            };
            congress_rules.notice_days = 15;
            let mut sup_rules = rules(Some(3), Some(congress), Majority::SIMPLE);
            sup_rules.incompatible_with = vec![council];
            for (id, kind, name, r) in [
                (congress, BodyKind::Congress, "会员代表大会", congress_rules),
                (
                    council,
                    BodyKind::Council,
                    "理事会",
                    rules(Some(25), Some(congress), Majority::TWO_THIRDS_OF_PRESENT),
                ),
                (
                    executive,
                    BodyKind::ExecutiveCouncil,
                    "常务理事会",
                    rules(Some(9), Some(council), Majority::TWO_THIRDS_OF_PRESENT),
                ),
                (supervisors, BodyKind::Supervisors, "监事会", sup_rules),
            ] {
                b.bodies.push(Body {
                    id,
                    kind,
                    name: name.into(),
                    rules: r,
                });
            }
            let mut term = |body| {
                let t = Term::new(TermId(ids.fresh()), body, 1, day);
                let id = t.id;
                b.terms.push(t);
                id
            };
            let terms = [
                term(congress),
                term(council),
                term(executive),
                term(supervisors),
            ];
            let r = b.body(congress)?.rules.clone();
            b.term_mut(terms[0])?.fill_seats(&r, &holders, day, None)?;
            Ok(([congress, council, executive, supervisors], terms))
        })
        .await?;
    let ids = Ids {
        congress: ids.0[0],
        council: ids.0[1],
        executive: ids.0[2],
        supervisors: ids.0[3],
        congress_term: ids.1[0],
        council_term: ids.1[1],
        executive_term: ids.1[2],
        supervisors_term: ids.1[3],
    };

    // The charter (draft).
    let charter = store
        .create_document(
            actor,
            federation,
            DocumentKind::Charter,
            "重庆市互联网联合会章程",
            vec![
                "第一条 本会名称为重庆市互联网联合会。".into(),
                "第二条 本会由本市互联网行业的企业、高校和社会组织自愿结成。".into(),
                "第三条 会员代表大会每五年召开一次。".into(),
                "第四条 本会接受业务主管单位和登记管理机关的指导和监督管理。".into(),
            ],
        )
        .await?
        .document;

    // --- The first member congress.
    let congress = store
        .convene_meeting(
            actor,
            federation,
            &NewMeeting {
                body: ids.congress,
                term: ids.congress_term,
                title: "第一次会员代表大会".into(),
                notice_at: datetime!(2026-06-01 09:00 UTC),
                starts_at: datetime!(2026-06-28 09:00 UTC),
                place: "重庆市人民大礼堂".into(),
                notice: String::new(),
                agenda: Vec::new(),
            },
        )
        .await?
        .meeting
        .id;
    let motion = store
        .update_meeting(actor, congress, "sign_in", |m, _, ids| {
            for n in 1..=86 {
                m.sign_in(unit(n))?;
            }
            for (p, c) in [(87, 1), (88, 2), (89, 3), (90, 4)] {
                m.give_proxy(unit(p), unit(c))?;
            }
            m.open(datetime!(2026-06-28 09:10 UTC))?;
            let item = m.add_agenda_item("审议通过《重庆市互联网联合会章程（草案）》")?;
            let id = MotionId(ids.fresh());
            m.submit(
                Motion::new(
                    id,
                    "关于通过《章程（草案）》的决议",
                    charter.versions[0].paragraphs.clone(),
                    Majority::TWO_THIRDS_OF_PRESENT,
                )
                .adopting(DocumentRef {
                    document: charter.id,
                    version: 1,
                }),
            )?;
            let a = m
                .motion_mut(id)?
                .propose_amendment(2, "第三条 会员代表大会每四年召开一次。")?;
            m.motion_mut(id)?.decide_amendment(a, true)?;
            m.put_on_agenda(id, item)?;
            Ok(id)
        })
        .await?;
    let poll = store
        .open_motion_poll(
            actor,
            congress,
            motion,
            Secrecy::Named,
            datetime!(2026-06-28 09:30 UTC),
        )
        .await?
        .poll;
    vote_all(store, poll, |i| {
        vote(match i {
            0..78 => Choice::Yes,
            78..86 => Choice::No,
            _ => Choice::Abstain,
        })
    })
    .await?;
    store
        .close_motion_poll(actor, poll, datetime!(2026-06-28 09:45 UTC))
        .await?;
    store
        .adopt_document(actor, congress, motion, datetime!(2026-06-28 09:45 UTC))
        .await?;

    // The council: 30 candidates for 25 seats; 23 elected in the first round, 2 in the second.
    let council_e = election(
        store,
        actor,
        congress,
        "选举第一届理事会",
        (ids.council, ids.council_term),
        Fills::Seats,
        25,
        named(&mut (1..=30)),
    )
    .await?;
    round(
        store,
        actor,
        congress,
        council_e,
        datetime!(2026-06-28 10:00 UTC),
        |i| match i {
            89 => marks(0..26),
            _ if i < 80 => marks((0..23).chain([23 + (i % 7) as u32, 23 + ((i + 1) % 7) as u32])),
            _ => marks([23 + (i % 7) as u32]),
        },
    )
    .await?;
    round(
        store,
        actor,
        congress,
        council_e,
        datetime!(2026-06-28 10:40 UTC),
        |i| match i {
            0..50 => marks([0, 1]),
            50..60 => marks([0]),
            _ => marks([2, 3]),
        },
    )
    .await?;
    install(store, actor, congress, council_e).await?;

    // The board of supervisors, from outside the council.
    let sup_e = election(
        store,
        actor,
        congress,
        "选举第一届监事会",
        (ids.supervisors, ids.supervisors_term),
        Fills::Seats,
        3,
        named(&mut (31..=35)),
    )
    .await?;
    round(
        store,
        actor,
        congress,
        sup_e,
        datetime!(2026-06-28 11:10 UTC),
        |i| {
            if i < 70 {
                marks([0, 1, 2])
            } else {
                marks([3, 4])
            }
        },
    )
    .await?;
    install(store, actor, congress, sup_e).await?;
    store
        .update_meeting(actor, congress, "close", |m, _, _| {
            m.close(datetime!(2026-06-28 11:40 UTC))
        })
        .await?;

    // --- The first meeting of the first council.
    let council = store
        .convene_meeting(
            actor,
            federation,
            &NewMeeting {
                body: ids.council,
                term: ids.council_term,
                title: "第一届理事会第一次会议".into(),
                notice_at: datetime!(2026-06-28 11:45 UTC),
                starts_at: datetime!(2026-06-28 13:00 UTC),
                place: "重庆市人民大礼堂".into(),
                notice: String::new(),
                agenda: Vec::new(),
            },
        )
        .await?
        .meeting
        .id;
    store
        .update_meeting(actor, council, "sign_in", |m, _, _| {
            for n in 1..=24 {
                m.sign_in(unit(n))?;
            }
            m.open(datetime!(2026-06-28 13:00 UTC))
        })
        .await?;
    let exec_e = election(
        store,
        actor,
        council,
        "选举常务理事",
        (ids.executive, ids.executive_term),
        Fills::Seats,
        9,
        named(&mut (1..=11)),
    )
    .await?;
    round(
        store,
        actor,
        council,
        exec_e,
        datetime!(2026-06-28 13:10 UTC),
        |i| {
            if i < 20 { marks(0..9) } else { marks(2..11) }
        },
    )
    .await?;
    install(store, actor, council, exec_e).await?;
    for (k, (title, office, seats, candidates)) in [
        ("选举会长", OfficeKind::President, 1, vec![1]),
        ("选举副会长", OfficeKind::VicePresident, 3, vec![2, 3, 4, 5]),
        ("选举秘书长", OfficeKind::SecretaryGeneral, 1, vec![6]),
    ]
    .into_iter()
    .enumerate()
    {
        let e = election(
            store,
            actor,
            council,
            title,
            (ids.executive, ids.executive_term),
            Fills::Office { office },
            seats,
            named(&mut candidates.into_iter()),
        )
        .await?;
        let at = datetime!(2026-06-28 14:00 UTC) + time::Duration::minutes(30 * k as i64);
        round(store, actor, council, e, at, |i| match i {
            0..2 => marks([]),
            _ => marks(0..seats),
        })
        .await?;
        install(store, actor, council, e).await?;
    }
    store
        .update_meeting(actor, council, "close", |m, _, _| {
            m.close(datetime!(2026-06-28 15:30 UTC))
        })
        .await?;
    Ok(Founding {
        federation_id: federation,
    })
}
