//! The governance pages over real HTTP, on SQLite and PostgreSQL: a congress of six member
//! units meets; a delegate signs themself in on the meeting page and votes on the charter from
//! the ballot page; the secretariat presides (opens, opens and closes votes); the charter is
//! adopted and its new version compared with the draft; the council is elected by STV; the
//! minutes come as HTML, PDF, CSV and iCalendar; a later meeting approves them. Refusals
//! (no quorum, a second vote, a closed poll, a vote one is not entitled to) show translated;
//! roles and CSRF are enforced.

use federa_core::governance::*;
use federa_store::governance::{NewMeeting, holder_key};
use federa_store::{Actor, OrgInput};
use tally::decision::{Choice, Majority, Quorum};
use tally::stv::StvMethod;
use time::macros::{date, datetime};

use crate::support::TestApp;

/// What the set-up made: ids to visit.
pub struct Gov {
    pub units: Vec<Holder>,
    pub meeting: u64,
    pub motion: u64,
    pub election: u64,
    pub document: u64,
    pub congress: BodyId,
    pub congress_term: TermId,
}

pub const UNITS: [&str; 6] = [
    "重庆日报网",
    "华龙网",
    "猪八戒网",
    "重庆大学",
    "西南大学",
    "忽米网",
];

/// The holder key of a new unit outside the congress, named 外地公司: a candidate the council's
/// election refuses.
pub async fn outsider(app: &TestApp) -> String {
    let unit = app
        .store
        .create_organisation(
            Actor::System,
            &OrgInput {
                name: "外地公司".into(),
                kind: "company".into(),
                ..OrgInput::default()
            },
        )
        .await
        .unwrap();
    holder_key(Holder::Unit(unit.id as u64))
}

/// A congress of six member units (every one a seat), a council of three drawn from it, the
/// charter's draft, and the first congress convened with five present (one by proxy); `rep`
/// is the delegate of the first unit, which is absent.
pub async fn set_up(app: &TestApp) -> Gov {
    let s = &app.store;
    let mut units = Vec::new();
    for name in UNITS {
        let o = s
            .create_organisation(
                Actor::System,
                &OrgInput {
                    name: name.to_string(),
                    kind: "company".to_string(),
                    ..OrgInput::default()
                },
            )
            .await
            .unwrap();
        units.push(Holder::Unit(o.id as u64));
    }
    let (congress, council, t1, t2) = congress_and_council(app, units.clone()).await;
    let charter = vec![
        "第一条 本会名称为某省互联网联合会。".to_string(),
        "第二条 会员代表大会每五年召开一次。".to_string(),
        "第三条 本会接受业务主管单位的指导。".to_string(),
    ];
    let doc = s
        .create_document(
            Actor::System,
            app.home,
            DocumentKind::Charter,
            "章程",
            charter.clone(),
        )
        .await
        .unwrap();
    let document = doc.document.id;
    let rep = s.find_user_by_username("rep").await.unwrap().unwrap();
    s.link_delegate(Actor::System, app.home, rep.id, units[0])
        .await
        .unwrap();
    let m = s
        .convene_meeting(
            Actor::System,
            app.home,
            &NewMeeting {
                body: congress,
                term: t1,
                title: "第一次会员代表大会".into(),
                notice_at: datetime!(2026-06-01 09:00 UTC),
                starts_at: datetime!(2026-06-28 09:00 UTC),
                place: String::new(),
                notice: String::new(),
                agenda: Vec::new(),
            },
        )
        .await
        .unwrap();
    let u = units.clone();
    let (motion, election) = s
        .update_meeting(Actor::System, m.meeting.id, "prepare", move |m, b, ids| {
            for h in &u[1..5] {
                m.sign_in(*h)?;
            }
            m.give_proxy(u[5], u[1])?;
            let item = m.add_agenda_item("审议通过《章程（草案）》")?;
            let motion = MotionId(ids.fresh());
            m.submit(
                Motion::new(motion, "通过章程", charter, Majority::TWO_THIRDS_OF_PRESENT).adopting(
                    DocumentRef {
                        document,
                        version: 1,
                    },
                ),
            )?;
            let mo = m.motion_mut(motion)?;
            let a = mo.propose_amendment(1, "第二条 会员代表大会每四年召开一次。")?;
            mo.decide_amendment(a, true)?;
            m.put_on_agenda(motion, item)?;
            let item = m.add_agenda_item("选举第一届理事会")?;
            let election = ElectionId(ids.fresh());
            m.add_election(
                Election::new(
                    election,
                    council,
                    t2,
                    Fills::Seats,
                    2,
                    Method::Stv {
                        method: StvMethod::Scottish,
                    },
                ),
                item,
            )?;
            let e = m.election_mut(election)?;
            for (h, name) in u.iter().zip(UNITS).take(4) {
                e.nominate(b, *h, name, date!(2026 - 06 - 28))?;
            }
            Ok((motion.0, election.0))
        })
        .await
        .unwrap();
    Gov {
        units,
        meeting: m.meeting.id.0,
        motion,
        election,
        document: document.0,
        congress,
        congress_term: t1,
    }
}

/// A congress in which every one of `seated` sits (two thirds for a quorum, one proxy each,
/// 15 days' notice) and a council of three drawn from it, each with its first term; returns
/// (congress, council, congress term, council term).
pub async fn congress_and_council(
    app: &TestApp,
    seated: Vec<Holder>,
) -> (BodyId, BodyId, TermId, TermId) {
    let s = &app.store;
    s.update_bodies(app.home, Actor::System, "set_up", move |b, ids| {
        let congress = BodyId(ids.fresh());
        let council = BodyId(ids.fresh());
        let congress_rules = BodyRules {
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
        };
        b.bodies.push(Body {
            id: congress,
            kind: BodyKind::Congress,
            name: "会员代表大会".into(),
            rules: congress_rules.clone(),
        });
        b.bodies.push(Body {
            id: council,
            kind: BodyKind::Council,
            name: "理事会".into(),
            rules: BodyRules {
                seats: Some(3),
                elected_by: Some(congress),
                drawn_from: Some(congress),
                majority: Majority::SIMPLE,
                proxies: ProxyRule::NONE,
                notice_days: 0,
                ..congress_rules.clone()
            },
        });
        let day = date!(2026 - 01 - 01);
        let mut t1 = Term::new(TermId(ids.fresh()), congress, 1, day);
        t1.fill_seats(&congress_rules, &seated, day, None)?;
        let t2 = Term::new(TermId(ids.fresh()), council, 1, day);
        let ids = (congress, council, t1.id, t2.id);
        b.terms.push(t1);
        b.terms.push(t2);
        Ok(ids)
    })
    .await
    .unwrap()
    .0
}

async fn get(c: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = app.get(c, path).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let r = app.post_form(c, path, form).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The poll ids of the meeting, in order.
pub async fn polls(app: &TestApp, meeting: u64) -> Vec<PollId> {
    app.store
        .get_meeting(MeetingId(meeting))
        .await
        .unwrap()
        .meeting
        .polls
        .iter()
        .map(|p| p.id)
        .collect()
}

/// Five ranked ballots in the council election `epoll`, one of them by proxy, that elect two
/// in two rounds.
pub async fn cast_council_ballots(app: &TestApp, u: &[Holder], epoll: PollId) {
    let rank = |r: &[u32]| BallotContent::Ranking {
        ranks: r.iter().map(|&c| vec![c]).collect(),
    };
    for (by, voter, b) in [
        (u[1], u[1], rank(&[0, 1])),
        (u[2], u[2], rank(&[2, 3])),
        (u[3], u[3], rank(&[2])),
        (u[4], u[4], rank(&[3, 2])),
        (u[1], u[5], rank(&[1, 0])),
    ] {
        app.store
            .cast_vote(Actor::System, epoll, by, voter, b)
            .await
            .unwrap();
    }
}

async fn a_meeting_from_sign_in_to_approved_minutes(app: &TestApp) {
    let g = set_up(app).await;
    let mp = format!("/governance/meetings/{}", g.meeting);
    let anon = app.client();

    // The public sees the meeting, its quorum and the roll, in Chinese by default.
    let (st, html) = get(&anon, app, &mp).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("第一次会员代表大会"));
    assert!(html.contains("<strong>5</strong> / 6"), "{html}");
    assert!(html.contains("已达法定人数"));
    assert!(html.contains("委托（华龙网）"), "the proxy and its carrier");
    assert!(!html.contains("宣布开会"), "no controls for the public");
    let (st, html) = get(
        &anon,
        app,
        &format!("/organisations/{}/governance", app.home),
    )
    .await;
    assert_eq!(st, 200);
    assert!(
        html.contains("会员代表大会") && html.contains("第1届理事会"),
        "{html}"
    );
    assert!(html.contains("全体成员的三分之二以上出席"));

    let (sec, sec_csrf) = app.signed_in("sec").await;
    let (rep, rep_csrf) = app.signed_in("rep").await;
    let att = format!("{mp}/attendance");
    let ctl = format!("{mp}/control");
    let key = |h: Holder| holder_key(h);

    // Without quorum the meeting cannot open: the refusal says why, with the numbers.
    for h in [g.units[3], g.units[4]] {
        let (st, _) = post(
            &sec,
            app,
            &att,
            &[
                ("csrf", &sec_csrf),
                ("action", "sign_out"),
                ("holder", &key(h)),
            ],
        )
        .await;
        assert_eq!(st, 303);
    }
    let (st, html) = post(&sec, app, &ctl, &[("csrf", &sec_csrf), ("action", "open")]).await;
    assert_eq!(st, 409);
    assert!(html.contains("未达到法定人数：出席 3，需要 4"), "{html}");
    for h in [g.units[3], g.units[4]] {
        post(
            &sec,
            app,
            &att,
            &[
                ("csrf", &sec_csrf),
                ("action", "sign_in"),
                ("holder", &key(h)),
            ],
        )
        .await;
    }

    // A proxy beyond what the rules allow is refused, naming the carrier and the limit.
    let (st, html) = post(
        &sec,
        app,
        &att,
        &[
            ("csrf", &sec_csrf),
            ("action", "proxy"),
            ("holder", &key(g.units[0])),
            ("carrier", &key(g.units[1])),
        ],
    )
    .await;
    assert_eq!(st, 409);
    assert!(
        html.contains("华龙网 已接受 1 份委托，达到规则上限。"),
        "{html}"
    );

    // The delegate signs themself in from their phone; not someone else, not without CSRF.
    let (_, html) = get(&rep, app, &mp).await;
    assert!(html.contains("我已到会: 重庆日报网"), "{html}");
    let (st, _) = post(
        &rep,
        app,
        &att,
        &[("action", "sign_in"), ("holder", &key(g.units[0]))],
    )
    .await;
    assert_eq!(st, 403, "no CSRF token");
    let (st, _) = post(
        &rep,
        app,
        &att,
        &[
            ("csrf", &rep_csrf),
            ("action", "sign_in"),
            ("holder", &key(g.units[2])),
        ],
    )
    .await;
    assert_eq!(st, 403, "a delegate signs in only whom they represent");
    let (st, _) = post(
        &rep,
        app,
        &att,
        &[
            ("csrf", &rep_csrf),
            ("action", "sign_in"),
            ("holder", &key(g.units[0])),
        ],
    )
    .await;
    assert_eq!(st, 303);
    let (_, html) = get(&anon, app, &mp).await;
    assert!(html.contains("<strong>6</strong> / 6"), "{html}");
    // Only the secretariat presides.
    let (st, _) = post(&rep, app, &ctl, &[("csrf", &rep_csrf), ("action", "open")]).await;
    assert_eq!(st, 403);
    let (st, _) = post(&sec, app, &ctl, &[("csrf", &sec_csrf), ("action", "open")]).await;
    assert_eq!(st, 303);
    let motion = g.motion.to_string();
    let (st, html) = post(
        &sec,
        app,
        &ctl,
        &[
            ("csrf", &sec_csrf),
            ("action", "open_motion_poll"),
            ("motion", &motion),
            ("secrecy", "named"),
        ],
    )
    .await;
    assert_eq!(st, 303, "{html}");
    let poll = polls(app, g.meeting).await[0];

    // The motion: its text, the amendment as a diff, the majority it needs, voting.
    let (st, html) = get(&anon, app, &format!("{mp}/motions/{motion}")).await;
    assert_eq!(st, 200);
    assert!(html.contains("<del>五</del><ins>四</ins>"), "{html}");
    assert!(html.contains("到会成员的三分之二以上（含本数）"));
    assert!(html.contains("表决中"));

    // The delegate votes from the ballot page and gets a receipt; a second vote is refused.
    let bp = format!("/governance/polls/{poll}/ballot");
    let (st, html) = get(&rep, app, &bp).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("name=\"choice\" value=\"yes\""));
    let voter = key(g.units[0]);
    let (st, html) = post(
        &rep,
        app,
        &bp,
        &[("csrf", &rep_csrf), ("voter", &voter), ("choice", "yes")],
    )
    .await;
    assert_eq!(st, 200, "{html}");
    assert!(
        html.contains("投票已记录") && html.contains("重庆日报网"),
        "{html}"
    );
    let (st, html) = post(
        &rep,
        app,
        &bp,
        &[("csrf", &rep_csrf), ("voter", &voter), ("choice", "no")],
    )
    .await;
    assert_eq!(st, 409);
    assert!(html.contains("重庆日报网 已在本次表决中投票"), "{html}");
    let en = rep
        .post(app.url(&bp))
        .header("accept-language", "en")
        .form(&[
            ("csrf", rep_csrf.as_str()),
            ("voter", &voter),
            ("choice", "no"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("has already voted"), "{en}");
    // Voting for a unit one does not represent is refused.
    let (st, html) = post(
        &rep,
        app,
        &bp,
        &[
            ("csrf", &rep_csrf),
            ("voter", &key(g.units[2])),
            ("choice", "no"),
        ],
    )
    .await;
    assert_eq!(st, 403, "{html}");
    assert!(
        html.contains("没有接受") || html.contains("没有投票权"),
        "{html}"
    );
    // The secretariat has no vote of its own: the ballot page says so.
    let (st, html) = get(&sec, app, &bp).await;
    assert_eq!(st, 403);
    assert!(html.contains("您在本次表决中无投票权"));

    // The others vote: 3 more yes, 1 no, 1 abstention (unit 6 by its proxy, unit 2).
    let u = &g.units;
    for (by, voter, c) in [
        (u[1], u[1], Choice::Yes),
        (u[2], u[2], Choice::Yes),
        (u[3], u[3], Choice::No),
        (u[4], u[4], Choice::Abstain),
        (u[1], u[5], Choice::Yes),
    ] {
        app.store
            .cast_vote(Actor::System, poll, by, voter, vote(c))
            .await
            .unwrap();
    }
    let (st, _) = post(
        &sec,
        app,
        &ctl,
        &[
            ("csrf", &sec_csrf),
            ("action", "close_poll"),
            ("poll", &poll.to_string()),
        ],
    )
    .await;
    assert_eq!(st, 303);
    let (_, html) = get(&anon, app, &format!("{mp}/motions/{motion}")).await;
    assert!(html.contains("表决结果: 通过"), "{html}");
    assert!(
        html.contains("赞成 4 票，达到所需的 4 票（基数 6）"),
        "{html}"
    );
    let (st, html) = post(
        &rep,
        app,
        &bp,
        &[("csrf", &rep_csrf), ("voter", &voter), ("choice", "no")],
    )
    .await;
    assert_eq!(st, 409);
    assert!(html.contains("本次表决已结束"), "{html}");

    // The charter: version 2 is in force, and the comparison shows the change.
    let (st, html) = get(&anon, app, &format!("/governance/documents/{}", g.document)).await;
    assert_eq!(st, 200);
    assert!(html.contains("现行有效"), "{html}");
    assert!(html.contains("<del>五</del><ins>四</ins>"), "{html}");
    let (st, html) = get(
        &anon,
        app,
        &format!("/governance/documents/{}?a=1&b=9", g.document),
    )
    .await;
    assert_eq!(st, 409);
    assert!(html.contains("没有第 9 版"));

    // The council: STV for 2 seats among 4, counted round by round.
    let (st, _) = post(
        &sec,
        app,
        &ctl,
        &[
            ("csrf", &sec_csrf),
            ("action", "open_election_poll"),
            ("election", &g.election.to_string()),
        ],
    )
    .await;
    assert_eq!(st, 303);
    let epoll = polls(app, g.meeting).await[1];
    let (st, html) = get(&rep, app, &format!("/governance/polls/{epoll}/ballot")).await;
    assert_eq!(st, 200);
    assert!(html.contains("name=\"rank_3\""), "{html}");
    let (st, _) = post(
        &rep,
        app,
        &format!("/governance/polls/{epoll}/ballot"),
        &[
            ("csrf", &rep_csrf),
            ("voter", &voter),
            ("rank_0", "1"),
            ("rank_1", "2"),
        ],
    )
    .await;
    assert_eq!(st, 200);
    cast_council_ballots(app, u, epoll).await;
    post(
        &sec,
        app,
        &ctl,
        &[
            ("csrf", &sec_csrf),
            ("action", "close_poll"),
            ("poll", &epoll.to_string()),
        ],
    )
    .await;
    let (st, html) = get(&anon, app, &format!("{mp}/elections/{}", g.election)).await;
    assert_eq!(st, 200);
    assert!(
        html.contains("逐轮计票表") && html.contains("当选票额"),
        "{html}"
    );
    assert!(html.contains("候选人须为会员代表大会成员。"));
    assert!(html.contains("第 1 轮当选"), "{html}");
    let (_, html) = get(
        &anon,
        app,
        &format!("/organisations/{}/governance", app.home),
    )
    .await;
    assert!(
        html.contains("成员 (2)"),
        "the two elected sit on the council: {html}"
    );

    let (st, _) = post(&sec, app, &ctl, &[("csrf", &sec_csrf), ("action", "close")]).await;
    assert_eq!(st, 303);

    // The minutes, printable.
    let (st, html) = get(&anon, app, &format!("{mp}/minutes")).await;
    assert_eq!(st, 200);
    assert!(html.contains("会议纪要") && html.contains("第一次会员代表大会"));
    assert!(
        html.contains("应到 6，亲自出席 5，委托出席 1，缺席 0。"),
        "{html}"
    );
    assert!(html.contains("通过：赞成 4，反对 1，弃权 1"), "{html}");
    assert!(
        html.contains("重庆日报网: 赞成"),
        "the roll call of a named vote"
    );
    // The council election is minuted under its agenda item, the second.
    let item = html.find("<h3>2. 选举第一届理事会</h3>").expect("item 2");
    let election = html.find("class=\"min-election\"").expect("the election");
    assert!(item < election, "{html}");
    assert_eq!(html.matches("class=\"min-election\"").count(), 1);

    // The results as CSV.
    let r = app.get(&anon, &format!("{mp}/results.csv")).await;
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let body = r.text().await.unwrap();
    let body = body.trim_start_matches('\u{feff}');
    let mut rd = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        rd.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "item",
            "kind",
            "subject",
            "round",
            "poll",
            "option",
            "votes",
            "result",
            "rule",
            "base",
            "threshold"
        ]
    );
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(&rows[0][5], "yes");
    assert_eq!(
        (&rows[0][6], &rows[0][7], &rows[0][10]),
        ("4", "adopted", "4")
    );
    assert_eq!(rows.len(), 3 + 4);
    assert!(rows[3..].iter().filter(|r| &r[7] == "elected").count() == 2);
    assert!(rows[3..].iter().all(|r| &r[0] == "2"), "under item 2");

    // The meeting as iCalendar: CRLF lines of at most 75 octets, and it parses.
    let r = app.get(&anon, &format!("{mp}/meeting.ics")).await;
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let ics = r.text().await.unwrap();
    assert!(ics.ends_with("\r\n"));
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{line:?}");
        assert!(!line.contains('\n'));
    }
    assert!(ics.contains("DTSTART:20260628T090000Z\r\n"));
    let unfolded = ics.replace("\r\n ", "");
    assert!(unfolded.contains("SUMMARY:第一次会员代表大会\r\n"));
    let cal: icalendar::Calendar = unfolded.parse().unwrap();
    let ev = cal
        .components
        .iter()
        .find_map(|c| c.as_event())
        .expect("one VEVENT");
    use icalendar::Component;
    assert_eq!(ev.get_summary(), Some("第一次会员代表大会"));
    assert!(
        ev.get_description()
            .unwrap()
            .contains("2. 选举第一届理事会")
    );

    // The next meeting approves these minutes.
    let next = app
        .store
        .convene_meeting(
            Actor::System,
            app.home,
            &NewMeeting {
                body: g.congress,
                term: g.congress_term,
                title: "第二次会员代表大会".into(),
                notice_at: datetime!(2026-07-01 09:00 UTC),
                starts_at: datetime!(2026-07-28 09:00 UTC),
                place: String::new(),
                notice: String::new(),
                agenda: Vec::new(),
            },
        )
        .await
        .unwrap();
    let u2 = g.units.clone();
    app.store
        .update_meeting(Actor::System, next.meeting.id, "open", move |m, _, _| {
            for h in &u2 {
                m.sign_in(*h)?;
            }
            m.open(datetime!(2026-07-28 09:05 UTC)).map(|_| ())
        })
        .await
        .unwrap();
    let np = format!("/governance/meetings/{}", next.meeting.id);
    let (_, html) = get(&sec, app, &np).await;
    assert!(html.contains("批准以下会议的纪要"), "{html}");
    let (st, _) = post(
        &rep,
        app,
        &format!("{np}/approve-minutes"),
        &[("csrf", &rep_csrf), ("of", &g.meeting.to_string())],
    )
    .await;
    assert_eq!(st, 403);
    let (st, _) = post(
        &sec,
        app,
        &format!("{np}/approve-minutes"),
        &[("csrf", &sec_csrf), ("of", &g.meeting.to_string())],
    )
    .await;
    assert_eq!(st, 303);
    let (_, html) = get(&anon, app, &mp).await;
    assert!(html.contains("纪要已批准"), "{html}");
    let (_, html) = get(&anon, app, &format!("{mp}/minutes")).await;
    assert!(html.contains(&format!("会议 {}", next.meeting.id)));
}

async fn the_minutes_pdf_holds_the_title_and_the_result(app: &TestApp) {
    let g = set_up(app).await;
    let u = g.units.clone();
    let motion = MotionId(g.motion);
    app.store
        .update_meeting(
            Actor::System,
            MeetingId(g.meeting),
            "open",
            move |m, _, _| {
                m.sign_in(u[0])?;
                m.open(datetime!(2026-06-28 09:05 UTC)).map(|_| ())
            },
        )
        .await
        .unwrap();
    let p = app
        .store
        .open_motion_poll(
            Actor::System,
            MeetingId(g.meeting),
            motion,
            Secrecy::Secret,
            datetime!(2026-06-28 09:30 UTC),
        )
        .await
        .unwrap()
        .poll;
    let u = &g.units;
    for (by, voter) in [
        (u[0], u[0]),
        (u[1], u[1]),
        (u[2], u[2]),
        (u[3], u[3]),
        (u[1], u[5]),
    ] {
        app.store
            .cast_vote(Actor::System, p, by, voter, vote(Choice::Yes))
            .await
            .unwrap();
    }
    app.store
        .close_motion_poll(Actor::System, p, datetime!(2026-06-28 09:45 UTC))
        .await
        .unwrap();
    let c = app.client();
    let r = app
        .get(
            &c,
            &format!("/governance/meetings/{}/minutes.pdf", g.meeting),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(flat.contains("第一次会员代表大会"), "{text}");
    assert!(flat.contains("通过：赞成5，反对0，弃权0"), "{text}");
    assert!(
        flat.contains("第二条会员代表大会每四年召开一次。"),
        "{text}"
    );
    // In English too.
    let en = app
        .get_in(
            &c,
            &format!("/governance/meetings/{}/minutes.pdf", g.meeting),
            "en",
        )
        .await
        .bytes()
        .await
        .unwrap();
    let text = pdf_text(&en);
    assert!(
        text.contains("Minutes") || text.contains("Attendance"),
        "{text}"
    );
    assert!(text.contains("Adopted"), "{text}");
}

/// The text a PDF shows, read back the way a viewer does: each text string's glyph codes
/// (two bytes each, Identity-H) mapped to Unicode through the fonts' ToUnicode maps
/// (`bfchar` and `bfrange` entries); one line per text object.
fn pdf_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).unwrap();
    let streams: Vec<Vec<u8>> = doc
        .objects
        .values()
        .filter_map(|o| o.as_stream().ok())
        .map(|s| {
            s.decompressed_content()
                .unwrap_or_else(|_| s.content.clone())
        })
        .collect();
    let hex = |s: &str| u32::from_str_radix(s, 16).unwrap();
    let utf16 = |s: &str| -> String {
        let units: Vec<u16> = (0..s.len() / 4)
            .map(|i| hex(&s[i * 4..i * 4 + 4]) as u16)
            .collect();
        String::from_utf16_lossy(&units)
    };
    let hexes = |line: &str| -> Vec<String> {
        line.split('<')
            .skip(1)
            .filter_map(|p| p.split_once('>').map(|(h, _)| h.to_string()))
            .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            .collect()
    };
    let mut map = std::collections::HashMap::new();
    for s in &streams {
        let t = String::from_utf8_lossy(s);
        if !t.contains("begincmap") {
            continue;
        }
        let mut mode = "";
        for line in t.lines() {
            if line.contains("beginbfchar") {
                mode = "char";
            } else if line.contains("beginbfrange") {
                mode = "range";
            } else if line.contains("endbf") {
                mode = "";
            } else if mode == "char" {
                let h = hexes(line);
                if h.len() == 2 {
                    map.insert(hex(&h[0]), utf16(&h[1]));
                }
            } else if mode == "range" {
                let h = hexes(line);
                if h.len() == 3 {
                    let (a, b) = (hex(&h[0]), hex(&h[1]));
                    let start = utf16(&h[2]).chars().next().unwrap() as u32;
                    for (k, code) in (a..=b).enumerate() {
                        let ch = char::from_u32(start + k as u32).unwrap_or('?');
                        map.insert(code, ch.to_string());
                    }
                }
            }
        }
    }
    assert!(!map.is_empty(), "the PDF has no ToUnicode map");
    let mut out = String::new();
    let show = |bytes: &[u8], out: &mut String| {
        for pair in bytes.chunks(2) {
            let code = pair.iter().fold(0u32, |acc, b| acc << 8 | u32::from(*b));
            out.push_str(map.get(&code).map_or("?", |s| s));
        }
    };
    for s in &streams {
        let Ok(content) = lopdf::content::Content::decode(s) else {
            continue;
        };
        for op in content.operations {
            match op.operator.as_str() {
                "Tj" => {
                    if let Some(lopdf::Object::String(b, _)) = op.operands.first() {
                        show(b, &mut out);
                    }
                }
                "TJ" => {
                    if let Some(lopdf::Object::Array(items)) = op.operands.first() {
                        for it in items {
                            if let lopdf::Object::String(b, _) = it {
                                show(b, &mut out);
                            }
                        }
                    }
                }
                "ET" => out.push('\n'),
                _ => {}
            }
        }
    }
    out
}

async fn pages_refuse_unknown_ids_and_the_wrong_method(app: &TestApp) {
    let g = set_up(app).await;
    let c = app.client();
    let (st, _) = get(&c, app, "/governance/meetings/999999").await;
    assert_eq!(st, 404);
    let (st, _) = get(
        &c,
        app,
        &format!("/governance/meetings/{}/motions/999999", g.meeting),
    )
    .await;
    assert_eq!(st, 404);
    // The ballot page needs a signed-in user: the sign-in page, then back.
    let r = app.get(&c, "/governance/polls/1/ballot").await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/signin")
    );
    let (st, html) = get(&c, app, "/governance").await;
    assert_eq!(st, 200);
    assert!(html.contains("/governance\""), "{html}");
    let r = app.get(&c, "/static/governance.js").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
}

crate::both_databases!(
    a_meeting_from_sign_in_to_approved_minutes,
    the_minutes_pdf_holds_the_title_and_the_result,
    pages_refuse_unknown_ids_and_the_wrong_method,
);
