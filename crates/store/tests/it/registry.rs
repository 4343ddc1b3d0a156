//! The member registry on both databases: categories, people, unit and individual members,
//! representatives and contacts, status history, dues, nesting, succession, import, export,
//! search and the public directory. Every refusal leaves the rows and the audit chain as they
//! were.

use federa_core::org::MemberStatus;
use federa_core::registry::search::MemberQueryInput;
use federa_core::registry::{
    Category, Decision, ExportFormat, HeaderLang, ImportMode, ImportOptions, Member, Payment,
    PersonInput, ProblemCode,
};
use federa_store::{Actor, ImportReport, NewMember, Store, StoreError};
use time::Date;

use crate::conformance;
use crate::support::{SYS, audit_count, existing_member, full_org, org};

conformance!(
    categories_check_every_membership,
    people_representatives_and_contacts,
    individual_members_beside_units,
    status_history_keeps_every_change_with_its_decision,
    dues_per_year_with_payments,
    nesting_refuses_cycles,
    succession_moves_members_people_and_history,
    import_preview_reports_every_problem,
    import_all_or_nothing_and_valid_rows_only,
    import_of_several_batches_stores_every_row,
    import_writes_the_member_copies_search_reads,
    import_reads_gbk_and_refuses_bad_files,
    export_imports_again_unchanged,
    search_filters_sorts_and_pages,
    search_finds_substrings_and_follows_renames,
    search_pages_ties_stably,
    public_directory_shows_only_public_members,
);

fn day(s: &str) -> Date {
    federa_core::org::parse_date(s).unwrap()
}

fn cat(key: &str, name: &str, rank: u16, dues: i64) -> Category {
    Category {
        key: key.into(),
        name: name.into(),
        name_en: None,
        rank,
        annual_dues_fen: dues,
    }
}

fn categories() -> Vec<Category> {
    vec![
        cat("vice_president_unit", "副会长单位", 1, 2_000_000),
        cat("council_unit", "理事单位", 2, 500_000),
        cat("member_unit", "会员单位", 3, 100_000),
    ]
}

fn sec(r: &str) -> Decision {
    Decision::Secretariat {
        reference: r.into(),
    }
}

fn unit(org: i64, category: &str, joined: &str) -> NewMember {
    NewMember {
        member: Member::Organisation(org),
        category: category.into(),
        joined: day(joined),
        status: MemberStatus::Admitted,
        decision: sec("秘书处〔2020〕1号"),
    }
}

fn codes(e: StoreError) -> Vec<(String, String)> {
    match e {
        StoreError::Invalid(inv) => inv.0.into_iter().map(|f| (f.field, f.code)).collect(),
        other => panic!("expected invalid, got {other:?}"),
    }
}

fn code(field: &str, c: &str) -> Vec<(String, String)> {
    vec![(field.to_string(), c.to_string())]
}

/// The association with the three categories, and `n` organisations to make members.
async fn association(store: &Store, n: usize) -> (i64, Vec<i64>) {
    let a = store
        .create_organisation(SYS, &org("重庆市网络媒体协会", "association"))
        .await
        .unwrap();
    store
        .define_categories(SYS, a.id, &categories())
        .await
        .unwrap();
    let mut units = Vec::new();
    for i in 0..n {
        let districts = ["渝中区", "江北区", "渝北区"];
        let o = store
            .create_organisation(
                SYS,
                &full_org(
                    &format!("单位{i:03}"),
                    "company",
                    districts[i % 3],
                    if i % 2 == 0 {
                        "网络媒体"
                    } else {
                        "电子商务"
                    },
                ),
            )
            .await
            .unwrap();
        units.push(o.id);
    }
    (a.id, units)
}

async fn categories_check_every_membership(store: Store) {
    let (a, units) = association(&store, 3).await;
    let listed = store.list_categories(a).await.unwrap();
    assert_eq!(
        listed.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["副会长单位", "理事单位", "会员单位"]
    );
    // By name, stored as the key.
    let m = store
        .add_member(SYS, a, &unit(units[0], "理事单位", "2020-01-01"))
        .await
        .unwrap();
    assert_eq!(m.category, "council_unit");
    let before = audit_count(&store).await;
    let err = store
        .add_member(SYS, a, &unit(units[1], "名誉单位", "2020-01-01"))
        .await
        .unwrap_err();
    assert_eq!(codes(err), code("category", "unknown_category"));
    // The plain membership path is checked by the database too.
    let err = store
        .add_membership(SYS, a, &existing_member(units[1], "名誉单位", "2020-01-01"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unknown_category"), "{err}");
    // A duplicate name, and a category in use, are refused.
    let err = store
        .define_category(SYS, a, &cat("other", "理事单位", 4, 0))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { field: "name", .. }),
        "{err:?}"
    );
    let err = store
        .define_category(SYS, a, &cat("neg", "负数", 4, -1))
        .await
        .unwrap_err();
    assert_eq!(codes(err), code("annual_dues_fen", "negative"));
    let err = store
        .remove_category(SYS, a, "council_unit")
        .await
        .unwrap_err();
    assert_eq!(codes(err), code("key", "category_in_use"));
    assert_eq!(audit_count(&store).await, before, "refusals leave no event");
    assert_eq!(store.list_categories(a).await.unwrap().len(), 3);
    // Renaming keeps the memberships; removing an unused one works.
    store
        .define_category(SYS, a, &cat("council_unit", "理事会员单位", 2, 600_000))
        .await
        .unwrap();
    store.remove_category(SYS, a, "member_unit").await.unwrap();
    assert_eq!(store.list_categories(a).await.unwrap().len(), 2);
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
}

async fn people_representatives_and_contacts(store: Store) {
    let (a, units) = association(&store, 1).await;
    let zhang = store
        .create_person(
            SYS,
            a,
            &PersonInput {
                name: " 张三 ".into(),
                title: Some("总经理".into()),
                phone: Some("023-63000000".into()),
                email: Some("zhang@example.cn".into()),
                public: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(zhang.name, "张三");
    assert_eq!(zhang.organisation_id, a);
    let li = store
        .create_person(
            SYS,
            a,
            &PersonInput {
                name: "李四".into(),
                ..PersonInput::default()
            },
        )
        .await
        .unwrap();
    let before = audit_count(&store).await;
    let err = store
        .create_person(
            SYS,
            a,
            &PersonInput {
                name: "".into(),
                phone: Some("call me".into()),
                email: Some("nobody".into()),
                ..PersonInput::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        codes(err),
        vec![
            ("name".into(), "required".into()),
            ("phone".into(), "invalid_phone".into()),
            ("email".into(), "invalid_email".into())
        ]
    );
    assert_eq!(audit_count(&store).await, before);

    let m = store
        .add_member(SYS, a, &unit(units[0], "会员单位", "2019-05-01"))
        .await
        .unwrap();
    let m2 = store
        .set_representative(SYS, m.id, Some(zhang.id))
        .await
        .unwrap();
    assert_eq!(m2.representative, Some(zhang.id));
    store.add_contact(SYS, m.id, li.id, "联系人").await.unwrap();
    store
        .add_contact(SYS, m.id, zhang.id, "财务")
        .await
        .unwrap();
    let err = store
        .add_contact(SYS, m.id, li.id, "联系人")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    // Replacing the representative keeps the contacts.
    let m3 = store
        .set_representative(SYS, m.id, Some(li.id))
        .await
        .unwrap();
    assert_eq!(m3.representative, Some(li.id));
    assert_eq!(m3.contacts.len(), 2);
    let m4 = store
        .remove_contact(SYS, m.id, zhang.id, "财务")
        .await
        .unwrap();
    assert_eq!(m4.contacts.len(), 1);
    assert_eq!(m4.contacts[0].role, "联系人");
    assert_eq!(store.get_member(m.id).await.unwrap(), m4);

    let people = store
        .list_people(a, Some("张"), federa_store::Page::default())
        .await
        .unwrap();
    assert_eq!(people.total, 1);
    let updated = store
        .update_person(
            SYS,
            zhang.id,
            &PersonInput {
                name: "张三丰".into(),
                ..PersonInput::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "张三丰");
    assert_eq!(updated.phone, None);
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
}

async fn individual_members_beside_units(store: Store) {
    let (a, units) = association(&store, 1).await;
    let p = store
        .create_person(
            SYS,
            a,
            &PersonInput {
                name: "王五".into(),
                ..PersonInput::default()
            },
        )
        .await
        .unwrap();
    let m = store
        .add_member(
            SYS,
            a,
            &NewMember {
                member: Member::Person(p.id),
                category: "会员单位".into(),
                joined: day("2021-01-01"),
                status: MemberStatus::Applied,
                decision: Decision::Recorded,
            },
        )
        .await
        .unwrap();
    assert_eq!(m.member, Member::Person(p.id));
    assert_eq!(m.status, MemberStatus::Applied);
    let err = store
        .add_member(
            SYS,
            a,
            &NewMember {
                member: Member::Person(p.id),
                category: "会员单位".into(),
                joined: day("2021-01-01"),
                status: MemberStatus::Admitted,
                decision: Decision::Recorded,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    // A representative is for units only.
    let err = store
        .set_representative(SYS, m.id, Some(p.id))
        .await
        .unwrap_err();
    assert_eq!(codes(err), code("membership_id", "not_a_member_unit"));
    // A history cannot start at suspended.
    let mut bad = unit(units[0], "会员单位", "2021-01-01");
    bad.status = MemberStatus::Suspended;
    let err = store.add_member(SYS, a, &bad).await.unwrap_err();
    assert_eq!(codes(err), code("status", "illegal_transition"));
    // The unit list of the plain membership pages does not show individual members.
    let page = store
        .list_memberships(a, &Default::default(), federa_store::Page::default())
        .await
        .unwrap();
    assert_eq!(page.total, 0);
}

async fn status_history_keeps_every_change_with_its_decision(store: Store) {
    let (a, units) = association(&store, 2).await;
    let mut new = unit(units[0], "会员单位", "2020-01-01");
    new.status = MemberStatus::Applied;
    new.decision = sec("申请");
    let m = store.add_member(SYS, a, &new).await.unwrap();
    store
        .change_member_status(
            SYS,
            m.id,
            MemberStatus::Admitted,
            day("2020-02-01"),
            Decision::Motion { motion_id: 7 },
        )
        .await
        .unwrap();
    store
        .change_member_status(
            SYS,
            m.id,
            MemberStatus::Suspended,
            day("2022-03-01"),
            sec("欠费"),
        )
        .await
        .unwrap();
    let before = audit_count(&store).await;
    // Not allowed from suspended to applied; not before the previous change.
    let err = store
        .change_member_status(
            SYS,
            m.id,
            MemberStatus::Applied,
            day("2022-04-01"),
            sec("x"),
        )
        .await
        .unwrap_err();
    assert_eq!(codes(err), code("status", "illegal_transition"));
    let err = store
        .change_member_status(
            SYS,
            m.id,
            MemberStatus::Admitted,
            day("2022-01-01"),
            sec("x"),
        )
        .await
        .unwrap_err();
    assert_eq!(codes(err), code("on", "change_before_previous"));
    assert_eq!(audit_count(&store).await, before);
    let expelled = store
        .change_member_status(
            SYS,
            m.id,
            MemberStatus::Expelled,
            day("2023-06-30"),
            Decision::Motion { motion_id: 9 },
        )
        .await
        .unwrap();
    assert_eq!(expelled.status, MemberStatus::Expelled);
    assert_eq!(expelled.left, Some(day("2023-06-30")));
    let h = store.member_history(m.id).await.unwrap();
    let seen: Vec<_> = h
        .iter()
        .map(|e| (e.change.from, e.change.to, e.change.decision.clone()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (None, MemberStatus::Applied, sec("申请")),
            (
                Some(MemberStatus::Applied),
                MemberStatus::Admitted,
                Decision::Motion { motion_id: 7 }
            ),
            (
                Some(MemberStatus::Admitted),
                MemberStatus::Suspended,
                sec("欠费")
            ),
            (
                Some(MemberStatus::Suspended),
                MemberStatus::Expelled,
                Decision::Motion { motion_id: 9 }
            ),
        ]
    );
    // Ended: no further change.
    let err = store
        .change_member_status(
            SYS,
            m.id,
            MemberStatus::Admitted,
            day("2024-01-01"),
            sec("x"),
        )
        .await
        .unwrap_err();
    assert_eq!(codes(err), code("status", "illegal_transition"));
    // A change through the plain membership form is recorded too, without a decision.
    let plain = store
        .add_membership(SYS, a, &existing_member(units[1], "理事单位", "2021-01-01"))
        .await
        .unwrap();
    store
        .end_membership(
            SYS,
            plain.id,
            &federa_store::EndMembershipInput {
                left_on: "2024-02-02".into(),
                status: None,
                reason: None,
            },
        )
        .await
        .unwrap();
    let h = store.member_history(plain.id).await.unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[1].change.to, MemberStatus::Withdrawn);
    assert_eq!(h[1].change.on, day("2024-02-02"));
    assert_eq!(h[1].change.decision, Decision::Recorded);
    // The history is append-only in the database itself.
    assert!(
        store
            .execute_unaudited("UPDATE membership_status_changes SET to_status = 'admitted'")
            .await
            .is_err()
    );
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
}

async fn dues_per_year_with_payments(store: Store) {
    let (a, units) = association(&store, 3).await;
    let m0 = store
        .add_member(SYS, a, &unit(units[0], "副会长单位", "2020-01-01"))
        .await
        .unwrap();
    let m1 = store
        .add_member(SYS, a, &unit(units[1], "理事单位", "2023-07-01"))
        .await
        .unwrap();
    let mut applicant = unit(units[2], "会员单位", "2023-01-01");
    applicant.status = MemberStatus::Applied;
    store.add_member(SYS, a, &applicant).await.unwrap();
    assert_eq!(store.bill_dues_year(SYS, a, 2023).await.unwrap(), 2);
    // Billing again bills nobody twice.
    assert_eq!(store.bill_dues_year(SYS, a, 2023).await.unwrap(), 0);
    assert_eq!(store.bill_dues_year(SYS, a, 2024).await.unwrap(), 2);
    let today = day("2024-12-31");
    let pay = |on: &str, fen: i64| Payment {
        on: day(on),
        amount_fen: fen,
        reference: Some("回单 001".into()),
    };
    store
        .record_payment(SYS, m0.id, 2023, &pay("2023-03-01", 1_500_000), today)
        .await
        .unwrap();
    let d = store
        .record_payment(SYS, m0.id, 2023, &pay("2024-01-10", 500_000), today)
        .await
        .unwrap();
    assert!(d.is_settled());
    store
        .record_payment(SYS, m1.id, 2024, &pay("2024-05-01", 200_000), today)
        .await
        .unwrap();
    let before = audit_count(&store).await;
    for (fen, on, field, c) in [
        (0, "2024-05-01", "amount_fen", "not_positive"),
        (100, "2025-01-01", "on", "in_future"),
    ] {
        let err = store
            .record_payment(SYS, m1.id, 2024, &pay(on, fen), today)
            .await
            .unwrap_err();
        assert_eq!(codes(err), code(field, c));
    }
    let err = store
        .record_payment(SYS, m1.id, 2019, &pay("2024-05-01", 1), today)
        .await
        .unwrap_err();
    assert_eq!(codes(err), code("year", "no_dues_for_year"));
    let err = store.set_dues(SYS, m1.id, 2024, -5).await.unwrap_err();
    assert_eq!(codes(err), code("due_fen", "negative"));
    assert_eq!(audit_count(&store).await, before);

    let report = store.dues_report(a, Some(2024)).await.unwrap();
    assert_eq!(report.lines.len(), 2);
    let line = report
        .lines
        .iter()
        .find(|l| l.dues.membership_id == m1.id)
        .unwrap();
    assert_eq!(line.member_name, "单位001");
    assert_eq!((line.paid_fen, line.outstanding_fen), (200_000, 300_000));
    let s2023 = &report.summary[0];
    assert_eq!(
        (s2023.year, s2023.members, s2023.due_fen, s2023.paid_fen),
        (2023, 2, 2_500_000, 2_000_000)
    );
    assert_eq!(
        report.collected_by_year,
        vec![(2023, 1_500_000), (2024, 700_000)]
    );
    let mine = store.member_dues(m0.id).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0].payments.len(), 2);
    let changed = store.set_dues(SYS, m1.id, 2024, 250_000).await.unwrap();
    assert_eq!(changed.outstanding_fen(), 50_000);
}

async fn nesting_refuses_cycles(store: Store) {
    let (fed, units) = association(&store, 0).await;
    let mk = |n: &str| {
        let store = store.clone();
        let n = n.to_string();
        async move {
            store
                .create_organisation(SYS, &org(&n, "association"))
                .await
                .unwrap()
                .id
        }
    };
    let assoc = mk("区县协会").await;
    let sub = mk("分会").await;
    let firm = mk("某公司").await;
    assert!(units.is_empty());
    store
        .add_member(SYS, fed, &unit(assoc, "理事单位", "2020-01-01"))
        .await
        .unwrap();
    store
        .add_member(SYS, assoc, &unit(sub, "x", "2020-01-01"))
        .await
        .unwrap();
    store
        .add_member(SYS, sub, &unit(firm, "x", "2020-01-01"))
        .await
        .unwrap();
    assert_eq!(
        store.nested_members(fed).await.unwrap(),
        vec![(assoc, 1), (sub, 2), (firm, 3)]
    );
    let before = audit_count(&store).await;
    // The federation cannot become a member of an organisation below it, nor of itself.
    for host in [sub, firm, fed] {
        let err = store
            .add_member(SYS, host, &unit(fed, "会员单位", "2020-01-01"))
            .await
            .unwrap_err();
        assert_eq!(
            codes(err),
            code("member_id", "nesting_cycle"),
            "host {host}"
        );
    }
    assert_eq!(audit_count(&store).await, before);
}

async fn succession_moves_members_people_and_history(store: Store) {
    let (assoc, units) = association(&store, 3).await;
    let fed = store
        .create_organisation(SYS, &org("重庆市互联网联合会", "federation"))
        .await
        .unwrap()
        .id;
    let rep = store
        .create_person(
            SYS,
            assoc,
            &PersonInput {
                name: "代表甲".into(),
                ..PersonInput::default()
            },
        )
        .await
        .unwrap();
    let m0 = store
        .add_member(SYS, assoc, &unit(units[0], "副会长单位", "2015-03-01"))
        .await
        .unwrap();
    store
        .set_representative(SYS, m0.id, Some(rep.id))
        .await
        .unwrap();
    store
        .change_member_status(
            SYS,
            m0.id,
            MemberStatus::Suspended,
            day("2020-01-01"),
            sec("a"),
        )
        .await
        .unwrap();
    let m1 = store
        .add_member(SYS, assoc, &unit(units[1], "会员单位", "2016-01-01"))
        .await
        .unwrap();
    store
        .change_member_status(
            SYS,
            m1.id,
            MemberStatus::Withdrawn,
            day("2019-01-01"),
            sec("b"),
        )
        .await
        .unwrap();
    store
        .add_member(SYS, assoc, &unit(units[2], "理事单位", "2017-01-01"))
        .await
        .unwrap();
    store.set_dues(SYS, m0.id, 2024, 2_000_000).await.unwrap();

    // A refused succession (unknown successor) changes nothing.
    let before = audit_count(&store).await;
    let err = store
        .succeed_organisation(assoc, 999_999, day("2025-01-01"), SYS)
        .await
        .unwrap_err();
    assert_eq!(codes(err), code("successor_id", "not_found"));
    assert_eq!(audit_count(&store).await, before);

    let out = store
        .succeed_organisation(assoc, fed, day("2025-01-01"), Actor::System)
        .await
        .unwrap();
    assert_eq!(out.carried.len(), 2, "the withdrawn member stays behind");
    assert_eq!(out.people_moved, 1);
    assert_eq!(out.dues_moved, 1);
    let new0 = store.get_member(out.carried[&m0.id]).await.unwrap();
    assert_eq!(new0.organisation_id, fed);
    assert_eq!(new0.joined, day("2015-03-01"), "seniority carries over");
    assert_eq!(new0.status, MemberStatus::Suspended);
    assert_eq!(new0.representative, Some(rep.id));
    assert_eq!(store.get_person(rep.id).await.unwrap().organisation_id, fed);
    assert_eq!(store.member_dues(new0.id).await.unwrap().len(), 1);
    // The carried membership's history starts with the predecessor's.
    let h = store.member_history(new0.id).await.unwrap();
    assert_eq!(h.len(), 3);
    assert_eq!(h[0].organisation_id, assoc);
    assert_eq!(
        h[2].change.decision,
        Decision::Succession {
            predecessor_id: assoc
        }
    );
    // The successor has the categories; the predecessor is succeeded, its memberships closed.
    assert_eq!(store.list_categories(fed).await.unwrap().len(), 3);
    let pred = store.registry_organisation(assoc).await.unwrap();
    assert_eq!(pred.status, federa_core::org::OrgStatus::Succeeded);
    assert_eq!(
        store
            .registry_organisation(fed)
            .await
            .unwrap()
            .predecessor_id,
        Some(assoc)
    );
    assert_eq!(
        store.get_member(m0.id).await.unwrap().left,
        Some(day("2025-01-01"))
    );
    assert_eq!(
        store.succession_of(assoc).await.unwrap().map(|s| s.1),
        Some(fed)
    );
    // Twice is refused.
    let err = store
        .succeed_organisation(assoc, fed, day("2025-02-01"), SYS)
        .await
        .unwrap_err();
    assert_eq!(codes(err), code("predecessor_id", "already_succeeded"));
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
}

const HEADER: &str =
    "单位名称,简称,类型,统一社会信用代码,区县,行业,会员类别,入会日期,成立日期,代表,电话,邮箱\n";

fn regno(i: u32) -> String {
    federa_core::registry::model::registration_number_with_check(&format!("9150010{:010}", i))
        .unwrap()
}

fn csv_row(i: u32, category: &str, joined: &str) -> String {
    format!(
        "重庆测试{i}科技有限公司,测试{i},企业,{},渝中区,软件,{category},{joined},2010-01-01,代表{i},023-6300{i:04},r{i}@example.cn\n",
        regno(i)
    )
}

fn today() -> Date {
    day("2025-06-01")
}

async fn member_count(store: &Store, org: i64) -> u64 {
    store
        .list_memberships(org, &Default::default(), federa_store::Page::new(0, 1))
        .await
        .unwrap()
        .total
}

fn no_progress() -> impl Fn(usize, usize) + Send + Sync {
    |_, _| {}
}

/// Imports `file` into `org` with the default options, today; returns the outcome and the
/// progress the import reported, as (rows done, rows in all).
async fn import(
    store: &Store,
    org: i64,
    file: &[u8],
    mode: ImportMode,
) -> (Result<ImportReport, StoreError>, Vec<(usize, usize)>) {
    let seen = std::sync::Mutex::new(Vec::new());
    let r = store
        .import_members(
            SYS,
            org,
            file,
            &ImportOptions::default(),
            mode,
            today(),
            &|done, total| seen.lock().unwrap().push((done, total)),
        )
        .await;
    (r, seen.into_inner().unwrap())
}

async fn import_preview_reports_every_problem(store: Store) {
    let (a, units) = association(&store, 1).await;
    // An existing member, and an organisation holding a registration number.
    store
        .add_member(SYS, a, &unit(units[0], "会员单位", "2020-01-01"))
        .await
        .unwrap();
    let holder = store
        .create_organisation(SYS, &org("别的单位", "company"))
        .await
        .unwrap();
    store
        .set_registry_fields(SYS, holder.id, Some(&regno(9)), false)
        .await
        .unwrap();
    let file = format!(
        "{HEADER}{}{}{}{}{}{}",
        csv_row(1, "理事单位", "2019-02-03"),
        csv_row(2, "名誉单位", "2019-02-03"),
        csv_row(3, "会员单位", "2019-02-30"),
        csv_row(1, "会员单位", "2019-02-03"),
        "单位000,,企业,,渝中区,软件,会员单位,2019-01-01,,,,\n",
        csv_row(9, "会员单位", "2019-02-03"),
    );
    let p = store
        .preview_member_import(a, file.as_bytes(), &ImportOptions::default(), today())
        .await
        .unwrap();
    assert_eq!(p.rows_read, 6);
    assert_eq!(p.valid.len(), 1);
    let got: Vec<_> = p
        .problems
        .iter()
        .map(|x| (x.row, x.column.clone().unwrap_or_default(), x.code))
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "category".into(), ProblemCode::UnknownCategory),
            (4, "joined".into(), ProblemCode::InvalidDate),
            (5, "name".into(), ProblemCode::DuplicateInFile),
            (
                5,
                "registration_number".into(),
                ProblemCode::DuplicateInFile
            ),
            (6, "name".into(), ProblemCode::DuplicateExisting),
            (
                7,
                "registration_number".into(),
                ProblemCode::DuplicateExisting
            ),
        ]
    );
    // A wrong header: every column unknown.
    let p = store
        .preview_member_import(
            a,
            "foo,bar\n1,2\n".as_bytes(),
            &ImportOptions::default(),
            today(),
        )
        .await
        .unwrap();
    assert!(
        p.problems
            .iter()
            .any(|x| x.code == ProblemCode::WrongHeader),
        "{:?}",
        p.problems
    );
    assert!(p.valid.is_empty());
}

async fn import_all_or_nothing_and_valid_rows_only(store: Store) {
    let (a, _) = association(&store, 0).await;
    let file = format!(
        "{HEADER}{}{}{}",
        csv_row(1, "理事单位", "2019-02-03"),
        csv_row(2, "名誉单位", "2019-02-03"),
        csv_row(3, "会员单位", "2019-2-3"),
    );
    let before = (audit_count(&store).await, member_count(&store, a).await);
    let err = import(&store, a, file.as_bytes(), ImportMode::AllOrNothing)
        .await
        .0
        .unwrap_err();
    assert_eq!(codes(err), code("file", "invalid_rows"));
    assert_eq!(
        (audit_count(&store).await, member_count(&store, a).await),
        before
    );
    let (report, seen) = import(&store, a, file.as_bytes(), ImportMode::ValidRowsOnly).await;
    let report = report.unwrap();
    assert_eq!((report.imported, report.skipped_rows), (2, 1));
    assert_eq!(report.problems.len(), 1);
    assert_eq!(seen, vec![(2, 2)]);
    assert_eq!(member_count(&store, a).await, 2);
    assert_eq!(
        audit_count(&store).await,
        before.0 + 1,
        "one event per import"
    );
    // Each imported member has its representative, and a history citing the batch.
    let hits = store
        .search_members(
            a,
            &MemberQueryInput {
                q: Some("测试3".into()),
                ..Default::default()
            }
            .validate()
            .unwrap(),
        )
        .await
        .unwrap();
    let m = store.get_member(hits.items[0].membership_id).await.unwrap();
    assert_eq!(m.joined, day("2019-02-03"));
    let rep = store.get_person(m.representative.unwrap()).await.unwrap();
    assert_eq!(rep.name, "代表3");
    let h = store.member_history(m.id).await.unwrap();
    assert_eq!(
        h[0].change.decision,
        Decision::Import {
            batch: report.batch.clone()
        }
    );
    // The same file again: every row is now a duplicate of an existing member.
    let again = store
        .preview_member_import(a, file.as_bytes(), &ImportOptions::default(), today())
        .await
        .unwrap();
    assert!(
        again
            .problems
            .iter()
            .filter(|p| p.code == ProblemCode::DuplicateExisting)
            .count()
            >= 2
    );
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
}

/// An import of more rows than one batch of inserts (5,000 a statement) stores every valid row
/// with its category, joining date, status, first history entry and representative, and makes
/// an existing organisation of the same name a member rather than creating another.
async fn import_of_several_batches_stores_every_row(store: Store) {
    let (a, _) = association(&store, 0).await;
    let name = |i: u32| format!("重庆测试{i}科技有限公司");
    let reused = store
        .create_organisation(SYS, &org(&name(7), "company"))
        .await
        .unwrap();
    let category = |i: u32| ["副会长单位", "理事单位", "会员单位"][i as usize % 3];
    let joined = |i: u32| format!("20{:02}-{:02}-{:02}", i % 25, 1 + i % 12, 1 + i % 28);
    // Every fourth row has no representative; row 6,000 names an unknown category.
    let n: u32 = 10_001;
    let bad = 6_000;
    let mut file = HEADER.to_string();
    for i in 1..=n {
        let c = if i == bad {
            "名誉单位"
        } else {
            category(i)
        };
        if i % 4 == 0 {
            file.push_str(&format!(
                "{},,企业,{},渝中区,软件,{c},{},,,,\n",
                name(i),
                regno(i),
                joined(i)
            ));
        } else {
            file.push_str(&csv_row(i, c, &joined(i)));
        }
    }
    let (report, seen) = import(&store, a, file.as_bytes(), ImportMode::ValidRowsOnly).await;
    let report = report.unwrap();
    let imported = (n - 1) as usize;
    assert_eq!((report.imported, report.skipped_rows), (imported, 1));
    assert_eq!(
        (report.organisations_created, report.organisations_reused),
        (imported - 1, 1)
    );
    assert!(seen.len() > 1, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    assert_eq!(seen.last(), Some(&(imported, imported)));

    // Every row, as the export reads it back: category, joining date and representative.
    let keys: std::collections::HashMap<String, String> =
        categories().into_iter().map(|c| (c.name, c.key)).collect();
    let mut got: Vec<_> = store
        .member_rows(a)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.name, r.category, r.joined, r.representative, r.phone))
        .collect();
    got.sort();
    let mut want: Vec<_> = (1..=n)
        .filter(|&i| i != bad)
        .map(|i| {
            let rep = (i % 4 != 0).then(|| format!("代表{i}"));
            let phone = (i % 4 != 0).then(|| format!("023-6300{i:04}"));
            (
                name(i),
                keys[category(i)].clone(),
                day(&joined(i)),
                rep,
                phone,
            )
        })
        .collect();
    want.sort();
    assert_eq!(got.len(), want.len());
    assert!(
        got == want,
        "first difference: {:?}",
        got.iter().zip(&want).find(|(g, w)| g != w)
    );

    let admitted = store
        .list_memberships(
            a,
            &federa_store::MembershipFilter {
                status: Some(MemberStatus::Admitted),
                ..Default::default()
            },
            federa_store::Page::new(0, 1),
        )
        .await
        .unwrap();
    assert_eq!(admitted.total, imported as u64);
    // The first row, the rows either side of a batch boundary, the reused organisation and the
    // last row: each admitted on its joining date by this import.
    for i in [1, 7, 5_000, 5_001, 5_002, n] {
        let hits = store
            .search_members(
                a,
                &MemberQueryInput {
                    q: Some(name(i)),
                    ..Default::default()
                }
                .validate()
                .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(hits.items.len(), 1, "row {i}");
        let hit = &hits.items[0];
        if i == 7 {
            assert_eq!(hit.organisation.id, reused.id);
        }
        let h = store.member_history(hit.membership_id).await.unwrap();
        assert_eq!(h.len(), 1, "row {i}");
        assert_eq!(
            (h[0].change.to, h[0].change.on, &h[0].change.decision),
            (
                MemberStatus::Admitted,
                day(&joined(i)),
                &Decision::Import {
                    batch: report.batch.clone()
                }
            ),
            "row {i}"
        );
    }
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
}

/// An import writes each membership's copies of its member's name, district and sector (the
/// stored organisation's, also for one the import reuses), which search filters and sorts by;
/// a membership added afterwards by the plain form still gets its copies from the trigger.
async fn import_writes_the_member_copies_search_reads(store: Store) {
    let (a, units) = association(&store, 1).await;
    let name = |i: u32| format!("重庆测试{i}科技有限公司");
    // The file says 渝中区 / 软件 for every row; the reused organisation keeps its own.
    let reused = store
        .create_organisation(SYS, &full_org(&name(3), "company", "江北区", "金融"))
        .await
        .unwrap();
    let n: u32 = 6_001;
    let mut file = HEADER.to_string();
    for i in 1..=n {
        file.push_str(&csv_row(i, "会员单位", "2020-01-01"));
    }
    let report = import(&store, a, file.as_bytes(), ImportMode::AllOrNothing)
        .await
        .0
        .unwrap();
    assert_eq!(report.imported, n as usize);
    store
        .add_member(SYS, a, &unit(units[0], "会员单位", "2021-01-01"))
        .await
        .unwrap();

    // Memberships whose copies differ from their organisation (a missing name differs too),
    // counted by an update that changes nothing.
    let differ = match store.backend() {
        federa_store::Backend::Sqlite => format!(
            "UPDATE memberships SET updated_at = updated_at WHERE organisation_id = {a} AND \
             NOT EXISTS (SELECT 1 FROM organisations o WHERE o.id = memberships.member_id \
             AND o.name IS memberships.member_name AND o.district IS memberships.member_district \
             AND o.sector IS memberships.member_sector)"
        ),
        federa_store::Backend::Postgres => format!(
            "UPDATE memberships SET updated_at = updated_at WHERE organisation_id = {a} AND \
             NOT EXISTS (SELECT 1 FROM organisations o WHERE o.id = memberships.member_id \
             AND o.name COLLATE \"C\" IS NOT DISTINCT FROM memberships.member_name \
             AND o.district COLLATE \"C\" IS NOT DISTINCT FROM memberships.member_district \
             AND o.sector COLLATE \"C\" IS NOT DISTINCT FROM memberships.member_sector)"
        ),
    };
    assert_eq!(store.execute_unaudited(&differ).await.unwrap(), 0);
    // The check sees a copy that differs.
    store
        .execute_unaudited(&format!(
            "UPDATE memberships SET member_sector = 'x' WHERE member_id = {}",
            reused.id
        ))
        .await
        .unwrap();
    assert_eq!(store.execute_unaudited(&differ).await.unwrap(), 1);
    store
        .execute_unaudited(&format!(
            "UPDATE memberships SET member_sector = '金融' WHERE member_id = {}",
            reused.id
        ))
        .await
        .unwrap();

    let search = |q: Option<&str>, district: Option<&str>, sector: Option<&str>| {
        let store = store.clone();
        let input = MemberQueryInput {
            q: q.map(Into::into),
            district: district.map(Into::into),
            sector: sector.map(Into::into),
            ..Default::default()
        }
        .validate()
        .unwrap();
        async move {
            let page = store.search_members(a, &input).await.unwrap();
            let ids: Vec<i64> = page.items.iter().map(|h| h.organisation.id).collect();
            (page.total, ids)
        }
    };
    // A substring of an imported name, in the middle of it.
    let (total, ids) = search(Some("测试4321科"), None, None).await;
    assert_eq!(total, 1);
    let (_, by_name) = search(Some(&name(4321)), None, None).await;
    assert_eq!(ids, by_name);
    assert_eq!(search(Some("测试6001"), None, None).await.0, 1);
    // Districts and sectors as stored: the file's for the new organisations, the reused
    // organisation's own for it.
    assert_eq!(
        search(None, Some("江北区"), Some("金融")).await,
        (1, vec![reused.id])
    );
    assert_eq!(
        search(None, Some("渝中区"), Some("软件")).await.0,
        u64::from(n) - 1
    );
    assert_eq!(search(Some(&name(3)), Some("渝中区"), None).await.0, 0);

    // Each membership, imported or added by the form, has exactly the first status change the
    // history trigger writes; memberships whose history differs are counted by an update that
    // changes nothing.
    let history_differs = format!(
        "UPDATE memberships SET updated_at = updated_at WHERE organisation_id = {a} AND (\
         (SELECT COUNT(*) FROM membership_status_changes h \
          WHERE h.membership_id = memberships.id) <> 1 \
         OR NOT EXISTS (SELECT 1 FROM membership_status_changes h \
          WHERE h.membership_id = memberships.id AND h.seq = 1 AND h.from_status IS NULL \
          AND h.to_status = memberships.status AND h.on_date = memberships.joined \
          AND h.decision_json = COALESCE(memberships.initial_decision_json, '{{\"by\":\"recorded\"}}') \
          AND h.created_at = memberships.created_at))"
    );
    assert_eq!(store.execute_unaudited(&history_differs).await.unwrap(), 0);
    assert_eq!(
        store
            .execute_unaudited(&format!(
                "UPDATE memberships SET updated_at = updated_at WHERE organisation_id = {a}"
            ))
            .await
            .unwrap(),
        u64::from(n) + 1
    );
    // The import's flag that stills the triggers is gone after its commit; on SQLite the text
    // index holds exactly the organisations' texts, the imported ones and one created after.
    assert_eq!(
        store
            .execute_unaudited("DELETE FROM bulk_import")
            .await
            .unwrap(),
        0
    );
    store
        .create_organisation(SYS, &org("江北后来商贸有限公司", "company"))
        .await
        .unwrap();
    if store.backend() == federa_store::Backend::Sqlite {
        store
            .execute_unaudited(
                "INSERT INTO organisations_text (organisations_text, rank) VALUES ('integrity-check', 1)",
            )
            .await
            .unwrap();
        // The check fails on an index that misses an organisation.
        store
            .execute_unaudited(&format!(
                "INSERT INTO organisations_text (organisations_text, rowid, name, short_name, \
                 registration_number) SELECT 'delete', id, name, short_name, \
                 registration_number FROM organisations WHERE id = {}",
                reused.id
            ))
            .await
            .unwrap();
        assert!(
            store
                .execute_unaudited(
                    "INSERT INTO organisations_text (organisations_text, rank) VALUES ('integrity-check', 1)",
                )
                .await
                .is_err()
        );
    }
}

async fn import_reads_gbk_and_refuses_bad_files(store: Store) {
    let (a, _) = association(&store, 0).await;
    let before = (audit_count(&store).await, member_count(&store, a).await);
    let import = |bytes: Vec<u8>, sheet: Option<&str>| {
        let store = store.clone();
        let sheet = sheet.map(str::to_string);
        async move {
            store
                .import_members(
                    SYS,
                    a,
                    &bytes,
                    &ImportOptions {
                        sheet,
                        ..ImportOptions::default()
                    },
                    ImportMode::AllOrNothing,
                    today(),
                    &no_progress(),
                )
                .await
        }
    };
    // Empty, header only, too large, several sheets, a PDF: refused with the file's code.
    let big = {
        let mut b = HEADER.as_bytes().to_vec();
        let row = csv_row(1, "会员单位", "2019-02-03");
        while b.len() <= federa_core::registry::import::MAX_FILE_BYTES {
            b.extend_from_slice(row.as_bytes());
        }
        b
    };
    let two_sheets = {
        let mut book = rust_xlsxwriter::Workbook::new();
        for name in ["会员单位", "说明"] {
            let s = book.add_worksheet();
            s.set_name(name).unwrap();
            for (c, h) in HEADER.trim().split(',').enumerate() {
                s.write_string(0, c as u16, h).unwrap();
            }
            for (c, v) in csv_row(5, "会员单位", "2019-02-03")
                .trim()
                .split(',')
                .enumerate()
            {
                s.write_string(1, c as u16, v).unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    };
    for (bytes, want) in [
        (Vec::new(), "empty_file"),
        (HEADER.as_bytes().to_vec(), "empty_file"),
        (big, "file_too_large"),
        (two_sheets.clone(), "several_sheets"),
        (b"%PDF-1.4 ...".to_vec(), "not_tabular"),
    ] {
        let err = import(bytes, None).await.unwrap_err();
        assert_eq!(codes(err), code("file", want));
    }
    let err = import(two_sheets.clone(), Some("没有")).await.unwrap_err();
    assert_eq!(codes(err), code("file", "no_such_sheet"));
    assert_eq!(
        (audit_count(&store).await, member_count(&store, a).await),
        before,
        "refused files change nothing"
    );
    // The named sheet of the workbook imports.
    let r = import(two_sheets, Some("会员单位")).await.unwrap();
    assert_eq!(r.imported, 1);
    // A GBK CSV (as Excel saves it on a Chinese Windows) reads correctly.
    let text = format!("{HEADER}{}", csv_row(6, "理事单位", "2018年3月1日"));
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err());
    let r = import(gbk.into_owned(), None).await.unwrap();
    assert_eq!(r.imported, 1);
    let hits = store
        .search_members(
            a,
            &MemberQueryInput {
                q: Some("测试6".into()),
                ..Default::default()
            }
            .validate()
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(hits.items[0].organisation.name, "重庆测试6科技有限公司");
    assert_eq!(hits.items[0].category_name, "理事单位");
    assert_eq!(hits.items[0].joined, day("2018-03-01"));
}

async fn export_imports_again_unchanged(store: Store) {
    let (a, _) = association(&store, 0).await;
    let file = format!(
        "{HEADER}{}{}",
        csv_row(1, "理事单位", "2019-02-03"),
        csv_row(2, "副会长单位", "2020-12-31"),
    );
    import(&store, a, file.as_bytes(), ImportMode::AllOrNothing)
        .await
        .0
        .unwrap();
    let rows = store.member_rows(a).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].representative.as_deref(), Some("代表1"));
    for format in [ExportFormat::Csv, ExportFormat::Xlsx] {
        let bytes = store
            .export_members(a, format, HeaderLang::Zh)
            .await
            .unwrap();
        // Into a fresh association with the same categories, the export imports as it was.
        let b = store
            .create_organisation(SYS, &org(&format!("另一个协会 {format:?}"), "association"))
            .await
            .unwrap()
            .id;
        store
            .define_categories(SYS, b, &categories())
            .await
            .unwrap();
        let r = import(&store, b, &bytes, ImportMode::AllOrNothing)
            .await
            .0
            .unwrap();
        assert_eq!((r.imported, r.organisations_reused), (2, 2));
        let again = store.member_rows(b).await.unwrap();
        assert_eq!(again, rows, "{format:?}");
    }
}

async fn search_filters_sorts_and_pages(store: Store) {
    let (a, units) = association(&store, 30).await;
    for (i, u) in units.iter().enumerate() {
        let c = ["副会长单位", "理事单位", "会员单位"][i % 3];
        let joined = format!("20{:02}-01-01", 10 + i % 10);
        let m = store
            .add_member(SYS, a, &unit(*u, c, &joined))
            .await
            .unwrap();
        if i % 5 == 0 {
            store
                .change_member_status(
                    SYS,
                    m.id,
                    MemberStatus::Suspended,
                    day("2024-01-01"),
                    sec("s"),
                )
                .await
                .unwrap();
        }
    }
    let search = |input: MemberQueryInput| {
        let store = store.clone();
        async move {
            store
                .search_members(a, &input.validate().unwrap())
                .await
                .unwrap()
        }
    };
    let all = search(MemberQueryInput::default()).await;
    assert_eq!(
        (all.total, all.total_exact, all.items.len()),
        (30, true, 20)
    );
    assert_eq!(all.items[0].organisation.name, "单位000");
    let p2 = search(MemberQueryInput {
        page: Some(2),
        ..Default::default()
    })
    .await;
    assert_eq!(p2.items.len(), 10);
    assert_eq!(p2.items[0].organisation.name, "单位020");
    let f = search(MemberQueryInput {
        district: Some("江北区".into()),
        category: Some("council_unit".into()),
        ..Default::default()
    })
    .await;
    // i % 3 == 1 both ways: 10 units.
    assert_eq!(f.total, 10);
    assert!(f.items.iter().all(|h| h.category_name == "理事单位"));
    let s = search(MemberQueryInput {
        status: Some("suspended".into()),
        sort: Some("joined".into()),
        order: Some("desc".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(s.total, 6);
    assert!(s.items.windows(2).all(|w| w[0].joined >= w[1].joined));
    let t = search(MemberQueryInput {
        q: Some("单位01".into()),
        sector: Some("网络媒体".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(t.total, 5);
    // A text every member's name contains.
    let every = search(MemberQueryInput {
        q: Some("单位0".into()),
        ..Default::default()
    })
    .await;
    assert_eq!((every.total, every.items.len()), (30, 20));
    assert_eq!(every.items[0].organisation.name, "单位000");
    // `%` and `_` typed by the user match themselves.
    let none = search(MemberQueryInput {
        q: Some("单位_%".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(none.total, 0);
}

async fn search_finds_substrings_and_follows_renames(store: Store) {
    let (a, units) = association(&store, 3).await;
    let mut named = Vec::new();
    for (name, short) in [
        ("重庆山城网络科技有限公司", "山城网络"),
        ("重庆江北网络科技有限公司", "江北网络"),
        ("成都ABC数据服务有限公司", "abc数据"),
    ] {
        let o = store
            .create_organisation(
                SYS,
                &federa_store::OrgInput {
                    short_name: Some(short.into()),
                    ..full_org(name, "company", "渝中区", "网络媒体")
                },
            )
            .await
            .unwrap();
        named.push(o.id);
    }
    for u in units.iter().chain(&named) {
        store
            .add_member(SYS, a, &unit(*u, "会员单位", "2020-01-01"))
            .await
            .unwrap();
    }
    store
        .set_registry_fields(SYS, named[2], Some(&regno(4321)), false)
        .await
        .unwrap();
    let names = |text: &str| {
        let store = store.clone();
        let text = text.to_string();
        async move {
            let page = store
                .search_members(
                    a,
                    &MemberQueryInput {
                        q: Some(text),
                        ..Default::default()
                    }
                    .validate()
                    .unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(page.total as usize, page.items.len());
            page.items
                .into_iter()
                .map(|h| h.organisation.name)
                .collect::<Vec<_>>()
        }
    };
    // The middle of a name, three characters or more and fewer, in name order (by code point:
    // 山 before 江).
    assert_eq!(
        names("网络科技").await,
        ["重庆山城网络科技有限公司", "重庆江北网络科技有限公司"]
    );
    assert_eq!(names("城网络科").await, ["重庆山城网络科技有限公司"]);
    assert_eq!(
        names("科技").await,
        ["重庆山城网络科技有限公司", "重庆江北网络科技有限公司"]
    );
    assert_eq!(names("数据服务").await, ["成都ABC数据服务有限公司"]);
    // ASCII letters in either case; the short name and the registration number count too.
    assert_eq!(names("abc数据服").await, ["成都ABC数据服务有限公司"]);
    assert_eq!(names("Abc数据").await, ["成都ABC数据服务有限公司"]);
    assert_eq!(names("北网络").await, ["重庆江北网络科技有限公司"]);
    assert_eq!(
        names(&regno(4321)[6..14]).await,
        ["成都ABC数据服务有限公司"]
    );
    // Two characters, too few for a trigram: the registration number still counts.
    assert_eq!(names(&regno(4321)[16..]).await, ["成都ABC数据服务有限公司"]);
    assert!(names("山城网络科技服务").await.is_empty());
    // A rename, a new district: the search follows at once.
    store
        .update_organisation(
            SYS,
            named[0],
            &full_org("重庆雾都网络科技有限公司", "company", "江北区", "网络媒体"),
        )
        .await
        .unwrap();
    assert!(names("山城").await.is_empty());
    assert_eq!(names("雾都网络").await, ["重庆雾都网络科技有限公司"]);
    assert_eq!(
        names("网络科技").await,
        ["重庆江北网络科技有限公司", "重庆雾都网络科技有限公司"]
    );
    let in_jiangbei = store
        .search_members(
            a,
            &MemberQueryInput {
                q: Some("网络".into()),
                district: Some("江北区".into()),
                ..Default::default()
            }
            .validate()
            .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        in_jiangbei
            .items
            .iter()
            .map(|h| h.organisation.name.as_str())
            .collect::<Vec<_>>(),
        ["重庆雾都网络科技有限公司"]
    );
}

async fn search_pages_ties_stably(store: Store) {
    let (a, units) = association(&store, 25).await;
    for u in &units {
        // Every member joins on the same day: the joining date ties throughout.
        store
            .add_member(SYS, a, &unit(*u, "会员单位", "2020-01-01"))
            .await
            .unwrap();
    }
    for (sort, order) in [("joined", "asc"), ("joined", "desc"), ("district", "asc")] {
        let page = |n: u32, size: u32| {
            let store = store.clone();
            async move {
                store
                    .search_members(
                        a,
                        &MemberQueryInput {
                            sort: Some(sort.into()),
                            order: Some(order.into()),
                            page: Some(n),
                            page_size: Some(size),
                            ..Default::default()
                        }
                        .validate()
                        .unwrap(),
                    )
                    .await
                    .unwrap()
                    .items
            }
        };
        let whole = page(1, 200).await;
        assert_eq!(whole.len(), 25);
        let mut paged = Vec::new();
        for n in 1..=7 {
            paged.extend(page(n, 4).await);
        }
        let ids = |hits: &[federa_store::MemberHit]| {
            hits.iter().map(|h| h.membership_id).collect::<Vec<_>>()
        };
        assert_eq!(ids(&paged), ids(&whole), "{sort} {order}");
        // Ties fall back to the name, in the same direction.
        let key = |h: &federa_store::MemberHit| {
            let first = if sort == "joined" {
                h.joined.to_string()
            } else {
                h.organisation.district.clone().unwrap_or_default()
            };
            (first, h.organisation.name.clone())
        };
        assert!(
            whole.windows(2).all(|w| if order == "asc" {
                key(&w[0]) < key(&w[1])
            } else {
                key(&w[0]) > key(&w[1])
            }),
            "{sort} {order}"
        );
    }
}

async fn public_directory_shows_only_public_members(store: Store) {
    let (a, units) = association(&store, 4).await;
    for (i, u) in units.iter().enumerate() {
        let mut new = unit(*u, "会员单位", "2020-01-01");
        if i == 3 {
            new.status = MemberStatus::Applied;
        }
        store.add_member(SYS, a, &new).await.unwrap();
        if i != 1 {
            store
                .set_registry_fields(SYS, *u, Some(&regno(100 + i as u32)), true)
                .await
                .unwrap();
        }
    }
    let q = MemberQueryInput::default().validate().unwrap();
    let d = store.public_directory(a, &q, today()).await.unwrap();
    // Unit 1 is not public, unit 3 only applied.
    let names: Vec<_> = d.items.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["单位000", "单位002"]);
    assert_eq!(d.items[0].category, "会员单位");
    // Registration numbers are not searchable in public.
    let by_regno = MemberQueryInput {
        q: Some(regno(100)),
        ..Default::default()
    }
    .validate()
    .unwrap();
    assert_eq!(
        store
            .public_directory(a, &by_regno, today())
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(store.search_members(a, &by_regno).await.unwrap().total, 1);
    let err = store
        .set_registry_fields(SYS, units[1], Some("91500000000000000X"), true)
        .await
        .unwrap_err();
    assert_eq!(
        codes(err),
        code("registration_number", "invalid_registration_number")
    );
    let listed = store.organisations_with_public_members().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, a);
}
