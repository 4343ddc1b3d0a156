//! The registry's rules: status history, dues, categories, nesting, succession, search,
//! statistics, activities, circulars, conventions and complaints.

use std::collections::BTreeMap;

use federa_core::org::{MemberStatus, OrgKind, OrgStatus};
use federa_core::registry::activity::{Activity, ActivityKind, Attendance};
use federa_core::registry::circular::{Audience, Circular, DeliveryState};
use federa_core::registry::conduct::{
    self, Complaint, ComplaintState, ConventionSignature, Outcome,
};
use federa_core::registry::dues::{self, DuesYear, Payment};
use federa_core::registry::model::{
    self, Category, Member, Membership, Organisation, Succession, check_registration_number,
    registration_number_with_check,
};
use federa_core::registry::search::MemberQueryInput;
use federa_core::registry::stats::{self, Dimension, Indicator};
use federa_core::registry::status::{Decision, StatusHistory};
use time::OffsetDateTime;
use time::macros::datetime;

use super::{categories, day};

fn secretariat(r: &str) -> Decision {
    Decision::Secretariat {
        reference: r.into(),
    }
}

#[test]
fn status_history_state_machine() {
    use MemberStatus::*;
    // (from, to, allowed)
    let table = [
        (Applied, Admitted, true),
        (Applied, Withdrawn, true),
        (Applied, Suspended, false),
        (Applied, Expelled, false),
        (Admitted, Suspended, true),
        (Admitted, Withdrawn, true),
        (Admitted, Expelled, true),
        (Admitted, Applied, false),
        (Suspended, Admitted, true),
        (Suspended, Withdrawn, true),
        (Suspended, Expelled, true),
        (Withdrawn, Admitted, false),
        (Expelled, Admitted, false),
        (Expelled, Suspended, false),
    ];
    for (from, to, allowed) in table {
        let mut h = StatusHistory::start(Applied, day("2020-01-01"), secretariat("a")).unwrap();
        // Walk to `from` by a legal path.
        let path: &[MemberStatus] = match from {
            Applied => &[],
            Admitted => &[Admitted],
            Suspended => &[Admitted, Suspended],
            Withdrawn => &[Withdrawn],
            Expelled => &[Admitted, Expelled],
        };
        for &s in path {
            h.change(s, day("2020-02-01"), Decision::Motion { motion_id: 7 })
                .unwrap();
        }
        let r = h.change(to, day("2020-03-01"), secretariat("b"));
        match (allowed, r) {
            (true, Ok(c)) => assert_eq!((c.from, c.to), (Some(from), to)),
            (false, Err(e)) => {
                assert_eq!(e.code(), "illegal_transition");
                assert_eq!(
                    e.to_string(),
                    format!(
                        "a membership cannot go from {} to {}",
                        from.as_str(),
                        to.as_str()
                    )
                );
            }
            (allowed, r) => panic!("{from:?} -> {to:?}: expected allowed={allowed}, got {r:?}"),
        }
    }
    assert_eq!(
        StatusHistory::start(Suspended, day("2020-01-01"), secretariat("x"))
            .unwrap_err()
            .code(),
        "illegal_transition"
    );
}

#[test]
fn status_history_dates_and_rebuilding() {
    let mut h = StatusHistory::start(
        MemberStatus::Applied,
        day("2017-02-01"),
        secretariat("秘书处〔2017〕1号"),
    )
    .unwrap();
    h.change(
        MemberStatus::Admitted,
        day("2017-03-01"),
        Decision::Motion { motion_id: 3 },
    )
    .unwrap();
    h.change(MemberStatus::Suspended, day("2020-05-01"), secretariat("s"))
        .unwrap();
    let err = h
        .change(MemberStatus::Admitted, day("2020-04-30"), secretariat("t"))
        .unwrap_err();
    assert_eq!(err.code(), "change_before_previous");
    assert_eq!(h.current(), MemberStatus::Suspended);
    assert_eq!(h.status_on(day("2017-01-31")), None);
    assert_eq!(h.status_on(day("2018-01-01")), Some(MemberStatus::Admitted));
    assert_eq!(h.admitted_on(), Some(day("2017-03-01")));
    assert_eq!(h.ended_on(), None);

    let json = serde_json::to_string(&h).unwrap();
    assert!(json.contains("\"on\":\"2017-03-01\""), "{json}");
    assert!(json.contains("\"by\":\"motion\""), "{json}");
    let back: StatusHistory = serde_json::from_str(&json).unwrap();
    let rebuilt = StatusHistory::from_changes(back.changes().to_vec()).unwrap();
    assert_eq!(rebuilt, h);
    // A stored history whose links do not chain is refused.
    let mut broken = h.changes().to_vec();
    broken[2].from = Some(MemberStatus::Applied);
    assert_eq!(
        StatusHistory::from_changes(broken).unwrap_err().code(),
        "illegal_transition"
    );
}

#[test]
fn dues_per_year() {
    let today = day("2025-12-31");
    let mut a = DuesYear::new(1, 2025, 200_000).unwrap();
    let pay = |on: &str, fen| Payment {
        on: day(on),
        amount_fen: fen,
        reference: None,
    };
    a.pay(pay("2025-03-01", 50_000), today).unwrap();
    a.pay(pay("2025-06-01", 100_000), today).unwrap();
    assert_eq!((a.paid_fen(), a.outstanding_fen()), (150_000, 50_000));
    assert_eq!(a.last_paid_on(), Some(day("2025-06-01")));
    assert_eq!(
        a.pay(pay("2025-06-01", 0), today).unwrap_err().code(),
        "invalid_value"
    );
    assert!(a.pay(pay("2026-01-01", 1), today).is_err());
    let mut b = DuesYear::new(2, 2025, 100_000).unwrap();
    b.pay(pay("2025-01-10", 120_000), today).unwrap();
    assert_eq!((b.outstanding_fen(), b.overpaid_fen()), (0, 20_000));
    let c = DuesYear::new(3, 2025, 100_000).unwrap();
    let d = DuesYear::new(3, 2024, 100_000).unwrap();
    assert!(DuesYear::new(4, 2025, -1).is_err());
    let mut late = DuesYear::new(5, 2024, 100_000).unwrap();
    late.pay(pay("2025-02-01", 100_000), today).unwrap();
    assert_eq!(
        dues::collected_by_payment_year(&[a.clone(), b.clone(), late]),
        vec![(2025, 370_000)]
    );
    let s = dues::summarise(&[a, b, c, d]);
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].year, 2024);
    let y = &s[1];
    assert_eq!(
        (y.members, y.due_fen, y.paid_fen, y.outstanding_fen),
        (3, 400_000, 270_000, 150_000)
    );
    assert_eq!((y.settled, y.partly_paid, y.unpaid), (1, 1, 1));
}

fn org(id: i64, name: &str, district: &str, sector: &str) -> Organisation {
    Organisation {
        id,
        name: name.into(),
        short_name: None,
        kind: OrgKind::Company,
        district: Some(district.into()),
        sector: Some(sector.into()),
        founded: None,
        registration_number: None,
        status: OrgStatus::Active,
        predecessor_id: None,
        public: true,
    }
}

fn ms(
    id: i64,
    host: i64,
    member: i64,
    cat: &str,
    joined: &str,
    status: MemberStatus,
) -> Membership {
    Membership {
        id,
        organisation_id: host,
        member: Member::Organisation(member),
        category: cat.into(),
        joined: day(joined),
        left: None,
        status,
        representative: Some(member * 100),
        contacts: vec![],
    }
}

#[test]
fn categories_and_billing() {
    let cats = categories();
    Category::validate_all(&cats).unwrap();
    let mut dup = cats.clone();
    dup[1].name = "副会长单位".into();
    assert!(Category::validate_all(&dup).is_err());
    assert_eq!(
        Category::find(&cats, " 理事单位 ").unwrap().key,
        "council_unit"
    );
    assert_eq!(
        Category::find(&cats, "Council Unit").unwrap().key,
        "council_unit"
    );
    assert!(Category::find(&cats, "常务理事单位").is_none());

    let mut left = ms(
        3,
        1,
        12,
        "ordinary_unit",
        "2018-01-01",
        MemberStatus::Withdrawn,
    );
    left.left = Some(day("2023-06-30"));
    let all = [
        ms(
            1,
            1,
            10,
            "vice_president_unit",
            "2017-03-01",
            MemberStatus::Admitted,
        ),
        ms(
            2,
            1,
            11,
            "council_unit",
            "2025-11-01",
            MemberStatus::Admitted,
        ),
        left,
        ms(
            4,
            1,
            13,
            "ordinary_unit",
            "2024-01-01",
            MemberStatus::Applied,
        ),
    ];
    let bills = dues::bill_year(&all, &cats, 2024);
    let due: Vec<(i64, i64)> = bills.iter().map(|b| (b.membership_id, b.due_fen)).collect();
    assert_eq!(due, vec![(1, 5_000_000)]);
    assert_eq!(dues::bill_year(&all, &cats, 2023).len(), 2);
}

#[test]
fn nested_federations_and_cycles() {
    // 1 (federation) ⊃ 2 (association) ⊃ 3, 4; 1 ⊃ 5; 2 ⊃ 5 too (a diamond, not a cycle).
    let a = MemberStatus::Admitted;
    let mut all = vec![
        ms(1, 1, 2, "x", "2020-01-01", a),
        ms(2, 2, 3, "x", "2020-01-01", a),
        ms(3, 2, 4, "x", "2020-01-01", a),
        ms(4, 1, 5, "x", "2020-01-01", a),
        ms(5, 2, 5, "x", "2020-01-01", a),
        ms(6, 3, 6, "x", "2020-01-01", MemberStatus::Withdrawn),
    ];
    let below = model::nested_members(1, &all).unwrap();
    assert_eq!(below, vec![(2, 1), (3, 2), (4, 2), (5, 2)]);
    assert!(model::would_nest_cycle(4, 1, &all));
    assert!(model::would_nest_cycle(7, 7, &all));
    assert!(!model::would_nest_cycle(4, 6, &all));
    all.push(ms(7, 4, 1, "x", "2020-01-01", a));
    let err = model::nested_members(1, &all).unwrap_err();
    assert_eq!(err.code(), "nesting_cycle");
}

#[test]
fn succession_carries_members_over() {
    let cats = categories();
    let (assoc, fed) = (100, 200);
    let mut old = vec![
        ms(
            1,
            assoc,
            10,
            "会员单位",
            "2015-04-01",
            MemberStatus::Admitted,
        ),
        ms(
            2,
            assoc,
            11,
            "常务理事单位",
            "2016-01-01",
            MemberStatus::Suspended,
        ),
        ms(
            3,
            assoc,
            12,
            "会员单位",
            "2016-01-01",
            MemberStatus::Withdrawn,
        ),
        ms(
            4,
            assoc,
            13,
            "会员单位",
            "2016-01-01",
            MemberStatus::Admitted,
        ),
        ms(
            5,
            assoc,
            fed,
            "会员单位",
            "2016-01-01",
            MemberStatus::Admitted,
        ),
    ];
    old[0].contacts.push(model::ContactPerson {
        person_id: 77,
        role: "联系人".into(),
    });
    let already = vec![ms(
        9,
        fed,
        13,
        "council_unit",
        "2024-01-01",
        MemberStatus::Admitted,
    )];
    let s = Succession {
        predecessor_id: assoc,
        successor_id: fed,
        on: day("2024-05-17"),
        decision: Decision::Motion { motion_id: 1 },
        category_map: BTreeMap::from([
            ("会员单位".to_string(), "ordinary_unit".to_string()),
            ("常务理事单位".to_string(), "council_unit".to_string()),
        ]),
    };
    let plan = s.plan(&old, &already, &cats).unwrap();
    let carried: Vec<(i64, Member, &str, &str, MemberStatus)> = plan
        .carried
        .iter()
        .map(|c| {
            (
                c.from_membership,
                c.member,
                c.category.as_str(),
                if c.joined == day("2015-04-01") {
                    "kept"
                } else {
                    "other"
                },
                c.status,
            )
        })
        .collect();
    assert_eq!(
        carried,
        vec![
            (
                1,
                Member::Organisation(10),
                "ordinary_unit",
                "kept",
                MemberStatus::Admitted
            ),
            (
                2,
                Member::Organisation(11),
                "council_unit",
                "other",
                MemberStatus::Suspended
            ),
        ]
    );
    assert_eq!(plan.carried[0].contacts.len(), 1);
    assert_eq!(plan.carried[0].representative, Some(1000));
    assert_eq!(plan.closed, vec![1, 2, 4, 5]);
    assert_eq!(
        plan.skipped,
        vec![
            (3, "ended".to_string()),
            (4, "already_member".to_string()),
            (5, "is_party".to_string())
        ]
    );
    assert_eq!(plan.predecessor_status, OrgStatus::Succeeded);

    let mut unmapped = s.clone();
    unmapped.category_map.clear();
    assert_eq!(
        unmapped.plan(&old, &already, &cats).unwrap_err().code(),
        "unknown"
    );
}

#[test]
fn registration_numbers() {
    let good = registration_number_with_check("91500103MA5U7A2B3").unwrap();
    assert_eq!(good, "91500103MA5U7A2B3U");
    for (code, ok) in [
        (good.as_str(), true),
        ("91500103MA5U7A2B3X", false),
        ("91500103MA5U7A2B3", false),
        ("91500103MI5U7A2B3U", false),
        ("91350100M000100Y43", true),
    ] {
        assert_eq!(check_registration_number(code), ok, "{code}");
    }
}

#[test]
fn search_queries() {
    let q = |f: fn(&mut MemberQueryInput)| {
        let mut i = MemberQueryInput::default();
        f(&mut i);
        i.validate()
    };
    let ok = q(|i| {
        i.q = Some(" 50%_off\\ ".into());
        i.status = Some("admitted".into());
        i.sort = Some("joined".into());
        i.order = Some("desc".into());
        i.page = Some(3);
        i.page_size = Some(50);
    })
    .unwrap();
    assert_eq!(ok.offset(), 100);
    assert_eq!(ok.limit(), 50);
    assert_eq!(ok.like_pattern().as_deref(), Some("%50\\%\\_off\\\\%"));
    let defaults = q(|_| {}).unwrap();
    assert_eq!(
        (defaults.page, defaults.page_size, defaults.offset()),
        (1, 20, 0)
    );
    for (f, field) in [
        (
            (|i: &mut MemberQueryInput| i.page = Some(0)) as fn(&mut MemberQueryInput),
            "page",
        ),
        (|i| i.page_size = Some(201), "page_size"),
        (|i| i.page_size = Some(0), "page_size"),
        (|i| i.status = Some("member".into()), "status"),
        (|i| i.sort = Some("password".into()), "sort"),
        (|i| i.order = Some("up".into()), "order"),
        (|i| i.q = Some("x".repeat(101)), "q"),
        (|i| i.district = Some("区".repeat(201)), "district"),
    ] {
        match q(f).unwrap_err() {
            federa_core::registry::RegistryError::InvalidValue { field: got, .. } => {
                assert_eq!(got, field)
            }
            e => panic!("{field}: {e:?}"),
        }
    }
    let filter = q(|i| {
        i.q = Some("网络".into());
        i.district = Some("渝中区".into());
    })
    .unwrap();
    let m = ms(
        1,
        1,
        2,
        "ordinary_unit",
        "2020-01-01",
        MemberStatus::Admitted,
    );
    assert!(filter.matches(&org(2, "重庆某网络公司", "渝中区", "软件"), &m));
    assert!(!filter.matches(&org(2, "重庆某网络公司", "江北区", "软件"), &m));
    assert!(!filter.matches(&org(2, "重庆某科技公司", "渝中区", "软件"), &m));
}

#[test]
fn statistics() {
    let a = MemberStatus::Admitted;
    let mut gone = ms(
        4,
        1,
        13,
        "ordinary_unit",
        "2018-01-01",
        MemberStatus::Withdrawn,
    );
    gone.left = Some(day("2020-01-01"));
    let members = vec![
        (
            org(10, "甲", "渝中区", "软件"),
            ms(1, 1, 10, "council_unit", "2017-03-01", a),
        ),
        (
            org(11, "乙", "渝中区", "电商"),
            ms(2, 1, 11, "ordinary_unit", "2018-05-01", a),
        ),
        (
            org(12, "丙", "江北区", "软件"),
            ms(
                3,
                1,
                12,
                "ordinary_unit",
                "2018-07-01",
                MemberStatus::Suspended,
            ),
        ),
        (org(13, "丁", "江北区", "软件"), gone),
        (
            org(14, "戊", "南岸区", "媒体"),
            ms(5, 1, 14, "ordinary_unit", "2026-01-01", a),
        ),
    ];
    let on = day("2025-12-31");
    let keyed = |d| {
        stats::members_by(&members, d, on)
            .into_iter()
            .map(|c| (c.key, c.members))
            .collect::<Vec<_>>()
    };
    let s = |k: &str, n| (k.to_string(), n);
    assert_eq!(
        keyed(Dimension::District),
        vec![s("渝中区", 2), s("江北区", 1)]
    );
    assert_eq!(keyed(Dimension::Sector), vec![s("软件", 2), s("电商", 1)]);
    assert_eq!(
        keyed(Dimension::Category),
        vec![s("ordinary_unit", 2), s("council_unit", 1)]
    );
    assert_eq!(keyed(Dimension::JoinYear), vec![s("2017", 1), s("2018", 2)]);

    let mut act = Activity::new(
        1,
        1,
        ActivityKind::StudySession,
        "学习会",
        day("2025-03-01"),
        day("2025-03-01"),
    )
    .unwrap();
    act.invite([10, 11, 12]);
    act.register(10, 2, day("2025-02-20")).unwrap();
    act.record_attendance(10, Attendance::Attended { people: 2 }, day("2025-03-01"))
        .unwrap();
    act.record_attendance(11, Attendance::Absent, day("2025-03-01"))
        .unwrap();
    let mut act2 = Activity::new(
        2,
        1,
        ActivityKind::Forum,
        "论坛",
        day("2025-09-01"),
        day("2025-09-02"),
    )
    .unwrap();
    act2.invite([10]);
    act2.record_attendance(10, Attendance::Attended { people: 1 }, day("2025-09-01"))
        .unwrap();
    let p = stats::participation(&[act, act2], 2025);
    let rows: Vec<(i64, u32, u32, u32, u32, u32)> = p
        .iter()
        .map(|p| {
            (
                p.unit,
                p.invited,
                p.registered,
                p.attended,
                p.people,
                p.rate_permille(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (10, 2, 1, 2, 3, 1000),
            (11, 1, 0, 0, 0, 0),
            (12, 1, 0, 0, 0, 0)
        ]
    );

    let csv = stats::table_csv(&["区县", "会员数"], [["渝中区", "2"], ["江北区", "1"]]).unwrap();
    assert_eq!(
        String::from_utf8(csv).unwrap(),
        "\u{feff}区县,会员数\n渝中区,2\n江北区,1\n"
    );
}

#[test]
fn indicators() {
    let i = Indicator {
        id: 1,
        name: "网民规模".into(),
        figure: "11.08".into(),
        unit: "亿人".into(),
        as_of: day("2024-12-31"),
        source: "CNNIC 第55次《中国互联网络发展状况统计报告》".into(),
        source_url: None,
    };
    i.validate(day("2025-06-01")).unwrap();
    for (f, field) in [
        (
            (|i: &mut Indicator| i.figure = "about 11".into()) as fn(&mut Indicator),
            "figure",
        ),
        (|i| i.figure = "1.".into(), "figure"),
        (|i| i.source = " ".into(), "source"),
        (|i| i.as_of = day("2026-01-01"), "as_of"),
    ] {
        let mut bad = i.clone();
        f(&mut bad);
        match bad.validate(day("2025-06-01")).unwrap_err() {
            federa_core::registry::RegistryError::InvalidValue { field: got, .. } => {
                assert_eq!(got, field)
            }
            e => panic!("{e:?}"),
        }
    }
}

#[test]
fn activity_rules() {
    assert!(
        Activity::new(
            1,
            1,
            ActivityKind::Training,
            " ",
            day("2025-03-01"),
            day("2025-03-01")
        )
        .is_err()
    );
    assert!(
        Activity::new(
            1,
            1,
            ActivityKind::Training,
            "培训",
            day("2025-03-02"),
            day("2025-03-01")
        )
        .is_err()
    );
    let mut a = Activity::new(
        1,
        1,
        ActivityKind::Training,
        "培训",
        day("2025-03-10"),
        day("2025-03-11"),
    )
    .unwrap();
    a.capacity = Some(5);
    a.registration_deadline = Some(day("2025-03-05"));
    assert_eq!(a.invite([1, 2, 2, 3]), 3);
    assert_eq!(a.invite([3, 4]), 1);
    a.register(1, 3, day("2025-03-01")).unwrap();
    assert!(
        a.register(2, 3, day("2025-03-01")).is_err(),
        "over capacity"
    );
    a.register(1, 2, day("2025-03-02")).unwrap(); // changing one's own registration
    a.register(2, 3, day("2025-03-02")).unwrap();
    assert!(a.register(3, 1, day("2025-03-06")).is_err(), "closed");
    assert_eq!(
        a.register(9, 1, day("2025-03-01")).unwrap_err().code(),
        "unknown"
    );
    assert!(
        a.record_attendance(1, Attendance::Excused, day("2025-03-09"))
            .is_err()
    );
    a.record_attendance(1, Attendance::Excused, day("2025-03-10"))
        .unwrap();
}

#[test]
fn circulars() {
    let members = vec![
        (
            org(10, "甲", "渝中区", "软件"),
            ms(
                1,
                1,
                10,
                "council_unit",
                "2017-03-01",
                MemberStatus::Admitted,
            ),
        ),
        (
            org(11, "乙", "渝中区", "电商"),
            ms(
                2,
                1,
                11,
                "ordinary_unit",
                "2018-05-01",
                MemberStatus::Admitted,
            ),
        ),
        (
            org(12, "丙", "江北区", "软件"),
            ms(
                3,
                1,
                12,
                "ordinary_unit",
                "2018-07-01",
                MemberStatus::Admitted,
            ),
        ),
    ];
    assert_eq!(Audience::All.recipients(&members), vec![10, 11, 12]);
    let f = Audience::Filtered {
        districts: vec!["渝中区".into()],
        sectors: vec![],
        categories: vec!["ordinary_unit".into()],
    };
    assert_eq!(f.recipients(&members), vec![11]);

    let sent: OffsetDateTime = datetime!(2025-03-01 09:00 +08:00);
    let by = datetime!(2025-03-08 17:00 +08:00);
    assert!(Circular::send(1, 1, "通知", "正文", Audience::All, &[], sent, None).is_err());
    assert!(Circular::send(1, 1, "通知", "正文", Audience::All, &[10], sent, Some(sent)).is_err());
    let mut c = Circular::send(
        1,
        1,
        "关于学习的通知",
        "正文",
        Audience::All,
        &[10, 11, 12],
        sent,
        Some(by),
    )
    .unwrap();
    c.mark_delivered(10, datetime!(2025-03-01 09:01 +08:00))
        .unwrap();
    c.acknowledge(11, datetime!(2025-03-02 10:00 +08:00))
        .unwrap();
    c.mark_read(10, datetime!(2025-03-03 10:00 +08:00)).unwrap();
    assert!(c.mark_read(10, datetime!(2025-02-28 10:00 +08:00)).is_err());
    assert_eq!(c.mark_read(99, by).unwrap_err().code(), "unknown");
    let states: Vec<DeliveryState> = c.deliveries.iter().map(|d| d.state()).collect();
    assert_eq!(
        states,
        vec![
            DeliveryState::Read,
            DeliveryState::Acknowledged,
            DeliveryState::Pending
        ]
    );
    let p = c.progress();
    assert_eq!(
        (p.recipients, p.delivered, p.read, p.acknowledged),
        (3, 2, 2, 1)
    );
    assert!(
        c.needs_reminder(datetime!(2025-03-08 16:59 +08:00))
            .is_empty()
    );
    let due = c.needs_reminder(by);
    assert_eq!(due, vec![10, 12]);
    c.reminded(&due);
    assert_eq!(c.deliveries[0].reminders, 1);
    let json = serde_json::to_string(&c).unwrap();
    assert!(
        json.contains("\"sent_at\":\"2025-03-01T09:00:00+08:00\""),
        "{json}"
    );
    let back: Circular = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
}

#[test]
fn convention_and_complaints() {
    let sig = |unit, by| ConventionSignature {
        document_id: 5,
        document_version: 2,
        unit,
        signed_by: by,
        signed_on: day("2025-01-10"),
    };
    let today = day("2025-02-01");
    let mut signed = vec![];
    sig(10, 1000).check(&signed, &[1000], today).unwrap();
    signed.push(sig(10, 1000));
    assert!(
        sig(10, 1000).check(&signed, &[1000], today).is_err(),
        "twice"
    );
    assert!(
        sig(11, 9).check(&signed, &[1100], today).is_err(),
        "not the representative"
    );
    assert_eq!(
        conduct::not_signed(&[10, 11, 12], &signed, 5, 2),
        vec![11, 12]
    );
    assert_eq!(conduct::not_signed(&[10], &signed, 5, 3), vec![10]);

    let mut c = Complaint::file(1, 1, 500, 10, "虚假宣传", 42, day("2025-03-01")).unwrap();
    assert!(Complaint::file(1, 1, 500, 10, " ", 42, day("2025-03-01")).is_err());
    let err = c
        .advance(ComplaintState::Resolved, day("2025-03-02"), 600, None, None)
        .unwrap_err();
    assert_eq!(err.code(), "illegal_state");
    assert_eq!(
        err.to_string(),
        "the complaint state cannot go from filed to resolved"
    );
    c.advance(
        ComplaintState::UnderReview,
        day("2025-03-02"),
        600,
        None,
        None,
    )
    .unwrap();
    assert!(
        c.advance(
            ComplaintState::Withdrawn,
            day("2025-03-03"),
            600,
            None,
            None
        )
        .is_err(),
        "only the complainant withdraws"
    );
    assert!(
        c.advance(ComplaintState::Resolved, day("2025-03-10"), 600, None, None)
            .is_err(),
        "outcome required"
    );
    let outcome = Outcome {
        text: "约谈并责令整改".into(),
        decision: Decision::Motion { motion_id: 9 },
    };
    c.advance(
        ComplaintState::Resolved,
        day("2025-03-10"),
        600,
        None,
        Some(outcome.clone()),
    )
    .unwrap();
    assert_eq!(c.state(), ComplaintState::Resolved);
    assert!(c.state().is_closed());
    assert_eq!(c.outcome, Some(outcome));
    assert!(
        c.advance(
            ComplaintState::Withdrawn,
            day("2025-03-11"),
            500,
            None,
            None
        )
        .is_err()
    );
}

#[test]
fn public_directory_shows_only_public_admitted_members() {
    use federa_core::registry::search::directory_entry;
    let cats = categories();
    let today = day("2025-06-01");
    let m = ms(
        1,
        1,
        10,
        "council_unit",
        "2017-03-01",
        MemberStatus::Admitted,
    );
    let mut o = org(10, "甲", "渝中区", "软件");
    o.registration_number = Some("91350100M000100Y43".into());
    let e = directory_entry(&o, &m, &cats, today).unwrap();
    assert_eq!((e.category.as_str(), e.joined_year), ("理事单位", 2017));
    let json = serde_json::to_string(&e).unwrap();
    assert!(!json.contains("91350100M000100Y43"), "{json}");
    o.public = false;
    assert!(directory_entry(&o, &m, &cats, today).is_none());
    o.public = true;
    let suspended = ms(
        1,
        1,
        10,
        "council_unit",
        "2017-03-01",
        MemberStatus::Suspended,
    );
    assert!(directory_entry(&o, &suspended, &cats, today).is_none());
    let future = ms(
        1,
        1,
        10,
        "council_unit",
        "2025-07-01",
        MemberStatus::Admitted,
    );
    assert!(directory_entry(&o, &future, &cats, today).is_none());
}

#[test]
fn error_codes_are_stable_snake_case() {
    use federa_core::registry::RegistryError as E;
    let s = String::new;
    let all = [
        (
            E::IllegalTransition { from: s(), to: s() },
            "illegal_transition",
        ),
        (
            E::ChangeBeforePrevious {
                date: s(),
                previous: s(),
            },
            "change_before_previous",
        ),
        (E::EmptyFile, "empty_file"),
        (E::FileTooLarge { size: 2, limit: 1 }, "file_too_large"),
        (E::NotTabular { reason: s() }, "not_tabular"),
        (E::SeveralSheets { sheets: vec![] }, "several_sheets"),
        (E::NoSuchSheet { name: s() }, "no_such_sheet"),
        (E::InvalidRows { count: 1 }, "invalid_rows"),
        (E::Export { reason: s() }, "export_failed"),
        (
            E::InvalidValue {
                field: s(),
                reason: s(),
            },
            "invalid_value",
        ),
        (
            E::IllegalState {
                kind: s(),
                from: s(),
                to: s(),
            },
            "illegal_state",
        ),
        (E::Unknown { what: s(), id: s() }, "unknown"),
        (E::NestingCycle { org: 1 }, "nesting_cycle"),
    ];
    let mut seen = std::collections::HashSet::new();
    for (e, code) in all {
        assert_eq!(e.code(), code);
        assert!(seen.insert(code), "{code} twice");
        assert!(
            code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{code}"
        );
    }
}
