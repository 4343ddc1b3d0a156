//! Activities, circulars, indicators, the convention and complaints on both databases.

use federa_core::registry::activity::{ActivityKind, Attendance};
use federa_core::registry::circular::{Audience, DeliveryState};
use federa_core::registry::conduct::{ComplaintState, Outcome};
use federa_core::registry::stats::Dimension;
use federa_core::registry::status::Decision;
use federa_store::{
    ActivityInput, Actor, AttendanceInput, CircularInput, ComplaintAdvance, ComplaintInput,
    ConventionInput, EmailOutcome, EmailState, IndicatorInput, NewAttachment, NewUser, Role, Store,
    StoreError, UnitContact,
};
use time::macros::{date, datetime};

use crate::conformance;
use crate::support::{SYS, audit_count, full_org, new_member};

conformance!(
    activities_invitations_registration_attendance,
    circulars_reach_the_filtered_audience_and_track_progress,
    reminders_follow_the_deadline_and_email_state_is_kept,
    indicators_and_member_statistics,
    convention_signatures_need_a_representative,
    complaints_are_handled_with_an_outcome,
    refused_changes_leave_database_and_chain_unchanged,
);

/// An association with four member units in two districts and sectors; returns the
/// association and the units (A, B in 渝中区; C in 江北区, suspended; D ended).
async fn federation(store: &Store) -> (i64, [i64; 4]) {
    let assoc = store
        .create_organisation(
            SYS,
            &full_org("重庆市网络媒体协会", "association", "渝中区", "协会"),
        )
        .await
        .unwrap()
        .id;
    let mut units = [0; 4];
    let specs = [
        ("华龙网", "渝中区", "网络媒体", "council_unit", "2019-03-01"),
        (
            "上游新闻",
            "渝中区",
            "电子商务",
            "ordinary_unit",
            "2020-06-01",
        ),
        (
            "猪八戒网",
            "江北区",
            "电子商务",
            "ordinary_unit",
            "2021-01-15",
        ),
        (
            "已退出公司",
            "江北区",
            "网络媒体",
            "ordinary_unit",
            "2018-01-01",
        ),
    ];
    for (i, (name, district, sector, cat, joined)) in specs.iter().enumerate() {
        let m = store
            .add_membership(
                SYS,
                assoc,
                &new_member(full_org(name, "company", district, sector), cat, joined),
            )
            .await
            .unwrap();
        units[i] = m.member.id;
        if i == 2 {
            store
                .update_membership(
                    SYS,
                    m.id,
                    &federa_store::MembershipUpdate {
                        category: None,
                        status: Some("suspended".into()),
                    },
                )
                .await
                .unwrap();
        }
        if i == 3 {
            store
                .end_membership(
                    SYS,
                    m.id,
                    &federa_store::EndMembershipInput {
                        left_on: "2024-12-31".into(),
                        status: None,
                        reason: None,
                    },
                )
                .await
                .unwrap();
        }
    }
    (assoc, units)
}

async fn user(store: &Store, name: &str) -> i64 {
    store
        .create_user(
            SYS,
            &NewUser {
                username: name.into(),
                display_name: Some(format!("{name} 代表")),
                password_hash: "x".into(),
                is_admin: false,
            },
        )
        .await
        .unwrap()
        .id
}

fn invalid_field(e: StoreError) -> (String, String) {
    match e {
        StoreError::Invalid(inv) => (inv.0[0].field.clone(), inv.0[0].code.clone()),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

async fn activities_invitations_registration_attendance(store: Store) {
    let (assoc, [a, b, c, d]) = federation(&store).await;
    let input = ActivityInput {
        kind: "study_session".into(),
        title: "学习贯彻网络强国重要思想座谈会".into(),
        starts: "2025-04-10".into(),
        ends: None,
        place: Some("渝中区协会会议室".into()),
        registration_deadline: Some("2025-04-05".into()),
        capacity: Some(10),
    };
    let act = store.create_activity(SYS, assoc, &input).await.unwrap();
    assert_eq!(act.kind, ActivityKind::StudySession);
    assert_eq!(act.ends, date!(2025 - 04 - 10));
    assert_eq!(act.place.as_deref(), Some("渝中区协会会议室"));

    // An ended member is no longer invited.
    let (f, code) = invalid_field(store.invite_units(SYS, act.id, &[a, d]).await.unwrap_err());
    assert_eq!((f.as_str(), code.as_str()), ("units", "not_a_member"));
    let act = store.invite_units(SYS, act.id, &[a, b, c]).await.unwrap();
    assert_eq!(act.invitations.len(), 3);

    let act = store
        .register_for_activity(SYS, act.id, a, 4, date!(2025 - 04 - 01))
        .await
        .unwrap();
    assert_eq!(act.registered_people(), 4);
    let (f, code) = invalid_field(
        store
            .register_for_activity(SYS, act.id, b, 7, date!(2025 - 04 - 02))
            .await
            .unwrap_err(),
    );
    assert_eq!((f.as_str(), code.as_str()), ("people", "over_capacity"));
    let (f, code) = invalid_field(
        store
            .register_for_activity(SYS, act.id, b, 2, date!(2025 - 04 - 06))
            .await
            .unwrap_err(),
    );
    assert_eq!((f.as_str(), code.as_str()), ("registration", "closed"));
    store
        .register_for_activity(SYS, act.id, b, 2, date!(2025 - 04 - 05))
        .await
        .unwrap();

    // Attendance only once it has started, all entries or none.
    let entries = vec![
        AttendanceInput {
            unit: a,
            state: "attended".into(),
            people: Some(3),
        },
        AttendanceInput {
            unit: b,
            state: "excused".into(),
            people: None,
        },
    ];
    assert!(
        store
            .record_attendance(SYS, act.id, &entries, date!(2025 - 04 - 09))
            .await
            .is_err()
    );
    let mut bad = entries.clone();
    bad.push(AttendanceInput {
        unit: d,
        state: "absent".into(),
        people: None,
    });
    let (f, _) = invalid_field(
        store
            .record_attendance(SYS, act.id, &bad, date!(2025 - 04 - 10))
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "invited_unit");
    assert_eq!(
        store.get_activity(act.id).await.unwrap().invitations[0].attendance,
        Attendance::NotRecorded,
        "a refused batch records nothing"
    );
    let act = store
        .record_attendance(SYS, act.id, &entries, date!(2025 - 04 - 10))
        .await
        .unwrap();
    assert_eq!(
        act.invitations
            .iter()
            .find(|i| i.unit == a)
            .unwrap()
            .attendance,
        Attendance::Attended { people: 3 }
    );

    // A second activity the same year, and one the next year.
    let forum = store
        .create_activity(
            SYS,
            assoc,
            &ActivityInput {
                kind: "forum".into(),
                title: "网络生态治理论坛".into(),
                starts: "2025-09-20".into(),
                ends: Some("2025-09-21".into()),
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    store.invite_units(SYS, forum.id, &[a, c]).await.unwrap();
    store
        .record_attendance(
            SYS,
            forum.id,
            &[AttendanceInput {
                unit: a,
                state: "attended".into(),
                people: Some(2),
            }],
            date!(2025 - 09 - 20),
        )
        .await
        .unwrap();
    let next = store
        .create_activity(
            SYS,
            assoc,
            &ActivityInput {
                kind: "training".into(),
                title: "数据安全培训".into(),
                starts: "2026-03-01".into(),
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    store.invite_units(SYS, next.id, &[a]).await.unwrap();

    let p = store.participation(assoc, 2025).await.unwrap();
    let pa = p.iter().find(|p| p.unit == a).unwrap();
    assert_eq!(
        (pa.invited, pa.registered, pa.attended, pa.people),
        (2, 1, 2, 5)
    );
    assert_eq!(pa.rate_permille(), 1000);
    let pc = p.iter().find(|p| p.unit == c).unwrap();
    assert_eq!((pc.invited, pc.attended), (2, 0));
    assert_eq!(
        store
            .list_activities(assoc, Some(2025))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(store.list_activities(assoc, None).await.unwrap().len(), 3);
    assert_eq!(store.activities_of_unit(c).await.unwrap().len(), 2);
}

async fn circulars_reach_the_filtered_audience_and_track_progress(store: Store) {
    let (assoc, [a, b, c, d]) = federation(&store).await;
    let sent = datetime!(2025-03-01 09:00 UTC);
    let pdf = b"%PDF-1.4 \xe9\x80\x9a\xe7\x9f\xa5".to_vec();
    let input = CircularInput {
        title: "关于开展网络安全宣传周活动的通知".into(),
        body: "各会员单位：请于3月8日前回执。".into(),
        audience: Audience::All,
        statuses: vec![],
        acknowledge_by: Some(datetime!(2025-03-08 09:00 UTC)),
        attachments: vec![NewAttachment {
            file_name: "C:\\docs\\通知.pdf".into(),
            media_type: "application/pdf".into(),
            content: pdf.clone(),
        }],
        email: false,
    };
    let all = store.send_circular(SYS, assoc, &input, sent).await.unwrap();
    // In force: A, B and the suspended C; not the unit that left.
    let units: Vec<i64> = all.recipients.iter().map(|r| r.unit).collect();
    assert_eq!(units.len(), 3);
    assert!(!units.contains(&d));
    assert!(
        all.recipients
            .iter()
            .all(|r| r.state == DeliveryState::Delivered && r.email_state == EmailState::None)
    );
    assert_eq!(all.attachments.len(), 1);
    assert_eq!(all.attachments[0].attachment.file_name, "通知.pdf");
    assert_eq!(all.attachments[0].attachment.size, pdf.len() as u64);
    let (meta, bytes) = store
        .circular_attachment(all.id, all.attachments[0].id)
        .await
        .unwrap();
    assert_eq!(bytes, pdf);
    assert_eq!(meta.attachment.media_type, "application/pdf");
    assert!(
        store
            .circular_attachment(all.id + 1, meta.id)
            .await
            .is_err()
    );

    // Filtered: district 渝中区 and sector 电子商务 is B alone; status suspended is C alone.
    let filtered = CircularInput {
        audience: Audience::Filtered {
            districts: vec!["渝中区".into()],
            sectors: vec!["电子商务".into()],
            categories: vec![],
        },
        attachments: vec![],
        ..input.clone()
    };
    let one = store
        .send_circular(SYS, assoc, &filtered, sent)
        .await
        .unwrap();
    assert_eq!(one.recipients.len(), 1);
    assert_eq!(one.recipients[0].unit, b);
    let suspended = CircularInput {
        audience: Audience::All,
        statuses: vec!["suspended".into()],
        attachments: vec![],
        ..input.clone()
    };
    let s = store
        .send_circular(SYS, assoc, &suspended, sent)
        .await
        .unwrap();
    assert_eq!(
        s.recipients.iter().map(|r| r.unit).collect::<Vec<_>>(),
        vec![c]
    );
    let by_category = CircularInput {
        audience: Audience::Filtered {
            districts: vec![],
            sectors: vec![],
            categories: vec!["council_unit".into()],
        },
        attachments: vec![],
        ..input.clone()
    };
    let s = store
        .send_circular(SYS, assoc, &by_category, sent)
        .await
        .unwrap();
    assert_eq!(
        s.recipients.iter().map(|r| r.unit).collect::<Vec<_>>(),
        vec![a]
    );

    // Read, acknowledge; the first time counts.
    store
        .mark_circular_read(SYS, all.id, a, datetime!(2025-03-02 10:00 UTC))
        .await
        .unwrap();
    let r = store
        .mark_circular_read(SYS, all.id, a, datetime!(2025-03-03 10:00 UTC))
        .await
        .unwrap();
    let ra = r.recipients.iter().find(|r| r.unit == a).unwrap();
    assert_eq!(ra.read_at, Some(datetime!(2025-03-02 10:00 UTC)));
    assert_eq!(ra.state, DeliveryState::Read);
    let r = store
        .acknowledge_circular(SYS, all.id, b, datetime!(2025-03-04 10:00 UTC))
        .await
        .unwrap();
    assert_eq!(
        (
            r.progress.recipients,
            r.progress.read,
            r.progress.acknowledged
        ),
        (3, 2, 1)
    );
    let (f, _) = invalid_field(
        store
            .acknowledge_circular(SYS, all.id, d, datetime!(2025-03-04 10:00 UTC))
            .await
            .unwrap_err(),
    );
    assert_eq!(f, "recipient");

    let inbox = store.inbox(b).await.unwrap();
    assert_eq!(inbox.len(), 2);
    let item = inbox.iter().find(|i| i.circular_id == all.id).unwrap();
    assert_eq!(item.state, DeliveryState::Acknowledged);
    assert_eq!(item.attachments, 1);
    assert_eq!(item.organisation_name, "重庆市网络媒体协会");
    assert!(store.inbox(d).await.unwrap().is_empty());
    let list = store.list_circulars(assoc).await.unwrap();
    assert_eq!(list.len(), 4);

    // Nobody in the audience: refused.
    let nobody = CircularInput {
        audience: Audience::Filtered {
            districts: vec!["南岸区".into()],
            sectors: vec![],
            categories: vec![],
        },
        attachments: vec![],
        ..input.clone()
    };
    let (f, code) = invalid_field(
        store
            .send_circular(SYS, assoc, &nobody, sent)
            .await
            .unwrap_err(),
    );
    assert_eq!((f.as_str(), code.as_str()), ("audience", "no_recipients"));
}

async fn reminders_follow_the_deadline_and_email_state_is_kept(store: Store) {
    let (assoc, [a, b, c, _]) = federation(&store).await;
    store
        .set_unit_contact(
            SYS,
            a,
            &UnitContact {
                email: " office@hualong.example ".into(),
                name: Some("办公室".into()),
            },
        )
        .await
        .unwrap();
    store
        .set_unit_contact(
            SYS,
            b,
            &UnitContact {
                email: "info@shangyou.example".into(),
                name: None,
            },
        )
        .await
        .unwrap();
    let (f, code) = invalid_field(
        store
            .set_unit_contact(
                SYS,
                c,
                &UnitContact {
                    email: "not an address".into(),
                    name: None,
                },
            )
            .await
            .unwrap_err(),
    );
    assert_eq!((f.as_str(), code.as_str()), ("email", "invalid_email"));
    assert_eq!(
        store.unit_contact(a).await.unwrap().unwrap().email,
        "office@hualong.example"
    );

    let sent = datetime!(2025-05-01 09:00 UTC);
    let by = datetime!(2025-05-08 09:00 UTC);
    let input = CircularInput {
        title: "关于报送年度报告的通知".into(),
        body: "请按时报送。".into(),
        audience: Audience::All,
        statuses: vec![],
        acknowledge_by: Some(by),
        attachments: vec![],
        email: true,
    };
    let circ = store.send_circular(SYS, assoc, &input, sent).await.unwrap();
    let state = |r: &federa_store::CircularRecord, u: i64| {
        let x = r.recipients.iter().find(|x| x.unit == u).unwrap();
        (x.email_to.clone(), x.email_state)
    };
    assert_eq!(
        state(&circ, a),
        (Some("office@hualong.example".into()), EmailState::Pending)
    );
    assert_eq!(state(&circ, c), (None, EmailState::None));
    store
        .record_email(SYS, circ.id, a, None, &EmailOutcome::Sent)
        .await
        .unwrap();
    store
        .record_email(
            SYS,
            circ.id,
            b,
            None,
            &EmailOutcome::Failed("connection refused".into()),
        )
        .await
        .unwrap();
    assert!(
        store
            .record_email(SYS, circ.id, c, None, &EmailOutcome::Sent)
            .await
            .is_err(),
        "no copy was queued for a unit without an address"
    );
    let r = store.get_circular(circ.id).await.unwrap();
    assert_eq!(state(&r, a).1, EmailState::Sent);
    let rb = r.recipients.iter().find(|x| x.unit == b).unwrap();
    assert_eq!(rb.email_state, EmailState::Failed);
    assert_eq!(rb.email_error.as_deref(), Some("connection refused"));
    assert_eq!(rb.state, DeliveryState::Delivered, "the inbox still has it");

    // Before the deadline: refused, nothing recorded.
    let events = audit_count(&store).await;
    let (f, code) = invalid_field(
        store
            .send_reminders(SYS, circ.id, datetime!(2025-05-07 09:00 UTC), true)
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (f.as_str(), code.as_str()),
        ("acknowledge_by", "not_yet_due")
    );
    assert_eq!(audit_count(&store).await, events);

    store
        .acknowledge_circular(SYS, circ.id, a, datetime!(2025-05-02 09:00 UTC))
        .await
        .unwrap();
    let sent_r = store
        .send_reminders(SYS, circ.id, datetime!(2025-05-08 10:00 UTC), true)
        .await
        .unwrap();
    let mut units: Vec<i64> = sent_r.iter().map(|r| r.unit).collect();
    units.sort_unstable();
    let mut want = vec![b, c];
    want.sort_unstable();
    assert_eq!(units, want);
    let rb = sent_r.iter().find(|r| r.unit == b).unwrap();
    assert_eq!(rb.email_state, EmailState::Pending);
    store
        .record_email(SYS, circ.id, b, Some(rb.id), &EmailOutcome::Sent)
        .await
        .unwrap();
    store
        .send_reminders(SYS, circ.id, datetime!(2025-05-09 10:00 UTC), false)
        .await
        .unwrap();
    let all = store.list_reminders(circ.id).await.unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(
        all.iter().find(|r| r.id == rb.id).unwrap().email_state,
        EmailState::Sent
    );
    let r = store.get_circular(circ.id).await.unwrap();
    assert_eq!(
        r.recipients.iter().find(|x| x.unit == b).unwrap().reminders,
        2
    );
    assert_eq!(
        r.recipients.iter().find(|x| x.unit == a).unwrap().reminders,
        0
    );

    // Everyone acknowledged: nothing to remind.
    for u in [b, c] {
        store
            .acknowledge_circular(SYS, circ.id, u, datetime!(2025-05-10 09:00 UTC))
            .await
            .unwrap();
    }
    let (_, code) = invalid_field(
        store
            .send_reminders(SYS, circ.id, datetime!(2025-05-11 10:00 UTC), true)
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "all_acknowledged");
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
}

async fn indicators_and_member_statistics(store: Store) {
    let (assoc, _) = federation(&store).await;
    let today = date!(2025 - 06 - 01);
    let users = store
        .create_indicator(
            SYS,
            assoc,
            &IndicatorInput {
                name: "全国网民规模".into(),
                figure: "11.08".into(),
                unit: "亿人".into(),
                as_of: "2024-12-31".into(),
                source: "CNNIC 第55次《中国互联网络发展状况统计报告》".into(),
                source_url: Some("https://www.cnnic.net.cn/".into()),
            },
            today,
        )
        .await
        .unwrap();
    assert_eq!(users.figure, "11.08");
    store
        .create_indicator(
            SYS,
            assoc,
            &IndicatorInput {
                name: "互联网普及率".into(),
                figure: "78.6".into(),
                unit: "%".into(),
                as_of: "2025-01-17".into(),
                source: "CNNIC".into(),
                source_url: None,
            },
            today,
        )
        .await
        .unwrap();
    let bad = IndicatorInput {
        name: "互联网普及率".into(),
        figure: "78,6".into(),
        unit: "%".into(),
        as_of: "2025-01-17".into(),
        source: "CNNIC".into(),
        source_url: None,
    };
    let (f, code) = invalid_field(
        store
            .create_indicator(SYS, assoc, &bad, today)
            .await
            .unwrap_err(),
    );
    assert_eq!((f.as_str(), code.as_str()), ("figure", "not_a_number"));
    let future = IndicatorInput {
        figure: "80".into(),
        as_of: "2025-07-01".into(),
        ..bad
    };
    let (f, code) = invalid_field(
        store
            .create_indicator(SYS, assoc, &future, today)
            .await
            .unwrap_err(),
    );
    assert_eq!((f.as_str(), code.as_str()), ("as_of", "in_future"));
    let list = store.list_indicators(assoc).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].name, "互联网普及率");
    store
        .delete_indicator(SYS, assoc, list[0].id)
        .await
        .unwrap();
    assert_eq!(store.list_indicators(assoc).await.unwrap().len(), 1);

    let by_district = store
        .members_by(assoc, Dimension::District, today)
        .await
        .unwrap();
    let pairs: Vec<(String, u64)> = by_district
        .iter()
        .map(|c| (c.key.clone(), c.members))
        .collect();
    assert_eq!(pairs, vec![("渝中区".into(), 2), ("江北区".into(), 1)]);
    let by_year = store
        .members_by(assoc, Dimension::JoinYear, today)
        .await
        .unwrap();
    let years: Vec<&str> = by_year.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(years, vec!["2019", "2020", "2021"]);
    let by_sector = store
        .members_by(assoc, Dimension::Sector, today)
        .await
        .unwrap();
    assert_eq!(by_sector[0].key, "电子商务");
    assert_eq!(by_sector[0].members, 2);
    let by_cat = store
        .members_by(assoc, Dimension::Category, date!(2019 - 06 - 01))
        .await
        .unwrap();
    assert_eq!(by_cat.len(), 1, "only the unit that had joined by then");
}

async fn convention_signatures_need_a_representative(store: Store) {
    let (assoc, [a, b, _, d]) = federation(&store).await;
    let rep_a = user(&store, "rep_a").await;
    let stranger = user(&store, "stranger").await;
    store
        .grant_role(SYS, rep_a, a, Role::Representative)
        .await
        .unwrap();
    let conv = store
        .create_convention(
            SYS,
            assoc,
            &ConventionInput {
                title: "重庆市网络媒体行业自律公约".into(),
                body: "第一条 会员单位应当遵守法律法规……".into(),
                adopted_on: "2025-01-10".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(conv.version, 1);
    let signed = store
        .sign_convention(Actor::User(rep_a), conv.id, a, date!(2025 - 01 - 12))
        .await
        .unwrap();
    assert_eq!(signed.signatures.len(), 1);
    assert_eq!(signed.signatures[0].unit_name, "华龙网");
    assert_eq!(signed.signatures[0].signer_name, "rep_a 代表");
    assert_eq!(signed.not_signed.len(), 2, "B and the suspended C");
    let (f, code) = invalid_field(
        store
            .sign_convention(Actor::User(rep_a), conv.id, a, date!(2025 - 01 - 13))
            .await
            .unwrap_err(),
    );
    assert_eq!((f.as_str(), code.as_str()), ("unit", "already_signed"));
    let (f, code) = invalid_field(
        store
            .sign_convention(Actor::User(stranger), conv.id, b, date!(2025 - 01 - 13))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (f.as_str(), code.as_str()),
        ("signed_by", "not_representative")
    );
    let (_, code) = invalid_field(
        store
            .sign_convention(Actor::User(rep_a), conv.id, d, date!(2025 - 01 - 13))
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "not_a_member");
    let v2 = store
        .create_convention(
            SYS,
            assoc,
            &ConventionInput {
                title: "重庆市网络媒体行业自律公约（修订）".into(),
                body: "第一条 ……".into(),
                adopted_on: "2025-06-10".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    store
        .sign_convention(Actor::User(rep_a), v2.id, a, date!(2025 - 06 - 12))
        .await
        .unwrap();
    assert_eq!(store.list_conventions(assoc).await.unwrap()[0].id, v2.id);
    assert_eq!(
        store
            .get_convention(conv.id)
            .await
            .unwrap()
            .signatures
            .len(),
        1
    );
}

async fn complaints_are_handled_with_an_outcome(store: Store) {
    let (assoc, [a, b, _, d]) = federation(&store).await;
    let filer = user(&store, "filer").await;
    let sec = user(&store, "sec").await;
    assert_eq!(
        store.complaint_body(assoc).await.unwrap(),
        "board_of_supervisors"
    );
    let c = store
        .file_complaint(
            Actor::User(filer),
            assoc,
            &ComplaintInput {
                against: b,
                summary: "发布虚假广告，误导用户".into(),
            },
            date!(2025 - 03 - 01),
        )
        .await
        .unwrap();
    assert_eq!(c.state, ComplaintState::Filed);
    assert_eq!(c.handled_by, "board_of_supervisors");
    assert_eq!(c.against_name, "上游新闻");
    assert_eq!(c.filed_by_name, "filer 代表");
    assert!(
        store
            .file_complaint(
                SYS,
                assoc,
                &ComplaintInput {
                    against: a,
                    summary: "x".into()
                },
                date!(2025 - 03 - 01)
            )
            .await
            .is_err(),
        "a complaint is filed by a person"
    );
    let (_, code) = invalid_field(
        store
            .file_complaint(
                Actor::User(filer),
                assoc,
                &ComplaintInput {
                    against: d,
                    summary: "x".into(),
                },
                date!(2025 - 03 - 01),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "not_a_member");

    store
        .set_complaint_body(SYS, assoc, "自律委员会")
        .await
        .unwrap();
    let c = store
        .advance_complaint(
            Actor::User(sec),
            c.id,
            &ComplaintAdvance {
                to: ComplaintState::UnderReview,
                note: Some("受理".into()),
                outcome: None,
            },
            date!(2025 - 03 - 02),
        )
        .await
        .unwrap();
    assert_eq!(c.handled_by, "board_of_supervisors", "kept from filing");
    let (f, code) = invalid_field(
        store
            .advance_complaint(
                Actor::User(sec),
                c.id,
                &ComplaintAdvance {
                    to: ComplaintState::Resolved,
                    note: None,
                    outcome: None,
                },
                date!(2025 - 03 - 10),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!((f.as_str(), code.as_str()), ("outcome", "required"));
    let outcome = Outcome {
        text: "约谈并责令整改，三十日内报告整改情况".into(),
        decision: Decision::Secretariat {
            reference: "渝网媒协〔2025〕3号".into(),
        },
    };
    let c = store
        .advance_complaint(
            Actor::User(sec),
            c.id,
            &ComplaintAdvance {
                to: ComplaintState::Resolved,
                note: None,
                outcome: Some(outcome.clone()),
            },
            date!(2025 - 03 - 10),
        )
        .await
        .unwrap();
    assert_eq!(c.state, ComplaintState::Resolved);
    assert_eq!(c.outcome, Some(outcome));
    assert_eq!(c.steps.len(), 3);
    assert_eq!(c.steps[1].note.as_deref(), Some("受理"));
    let (_, code) = invalid_field(
        store
            .advance_complaint(
                Actor::User(filer),
                c.id,
                &ComplaintAdvance {
                    to: ComplaintState::Withdrawn,
                    note: None,
                    outcome: None,
                },
                date!(2025 - 03 - 11),
            )
            .await
            .unwrap_err(),
    );
    assert_eq!(code, "illegal_state");
    let again = store
        .file_complaint(
            Actor::User(sec),
            assoc,
            &ComplaintInput {
                against: a,
                summary: "另一件".into(),
            },
            date!(2025 - 04 - 01),
        )
        .await
        .unwrap();
    assert_eq!(again.handled_by, "自律委员会");
    assert_eq!(store.list_complaints(assoc, None).await.unwrap().len(), 2);
    assert_eq!(
        store
            .list_complaints(assoc, Some(filer))
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Each refusal leaves every table and the audit chain as they were.
async fn refused_changes_leave_database_and_chain_unchanged(store: Store) {
    let (assoc, [a, b, _, d]) = federation(&store).await;
    let rep = user(&store, "rep").await;
    let act = store
        .create_activity(
            SYS,
            assoc,
            &ActivityInput {
                kind: "training".into(),
                title: "培训".into(),
                starts: "2025-04-10".into(),
                capacity: Some(3),
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    store.invite_units(SYS, act.id, &[a, b]).await.unwrap();
    let conv = store
        .create_convention(
            SYS,
            assoc,
            &ConventionInput {
                title: "公约".into(),
                body: "正文".into(),
                adopted_on: "2025-01-01".into(),
            },
        )
        .await
        .unwrap();
    let circ = store
        .send_circular(
            SYS,
            assoc,
            &CircularInput {
                title: "通知".into(),
                body: "正文".into(),
                audience: Audience::All,
                statuses: vec![],
                acknowledge_by: Some(datetime!(2025-05-08 09:00 UTC)),
                attachments: vec![],
                email: false,
            },
            datetime!(2025-05-01 09:00 UTC),
        )
        .await
        .unwrap();
    let head = store
        .list_audit_events(None, None, federa_store::Page::new(0, 1))
        .await
        .unwrap();
    let snapshot = || async {
        (
            store.get_activity(act.id).await.unwrap(),
            store.get_circular(circ.id).await.unwrap(),
            store.get_convention(conv.id).await.unwrap(),
            store.list_reminders(circ.id).await.unwrap(),
            store.list_indicators(assoc).await.unwrap(),
            store.list_complaints(assoc, None).await.unwrap(),
        )
    };
    let before = snapshot().await;

    let big = NewAttachment {
        file_name: "big.bin".into(),
        media_type: "application/octet-stream".into(),
        content: vec![7; federa_store::MAX_ATTACHMENT_BYTES + 1],
    };
    let refusals: Vec<StoreError> = vec![
        store
            .create_activity(
                SYS,
                assoc,
                &ActivityInput {
                    kind: "party".into(),
                    title: "x".into(),
                    starts: "2025-01-01".into(),
                    ..ActivityInput::default()
                },
            )
            .await
            .unwrap_err(),
        store
            .register_for_activity(SYS, act.id, a, 4, date!(2025 - 04 - 01))
            .await
            .unwrap_err(),
        store
            .register_for_activity(SYS, act.id, d, 1, date!(2025 - 04 - 01))
            .await
            .unwrap_err(),
        store
            .send_circular(
                SYS,
                assoc,
                &CircularInput {
                    title: "附件太大".into(),
                    body: "正文".into(),
                    audience: Audience::All,
                    statuses: vec![],
                    acknowledge_by: None,
                    attachments: vec![big],
                    email: false,
                },
                datetime!(2025-05-01 09:00 UTC),
            )
            .await
            .unwrap_err(),
        store
            .send_circular(
                SYS,
                assoc,
                &CircularInput {
                    title: " ".into(),
                    body: "正文".into(),
                    audience: Audience::All,
                    statuses: vec!["dormant".into()],
                    acknowledge_by: None,
                    attachments: vec![],
                    email: false,
                },
                datetime!(2025-05-01 09:00 UTC),
            )
            .await
            .unwrap_err(),
        store
            .send_reminders(SYS, circ.id, datetime!(2025-05-02 09:00 UTC), true)
            .await
            .unwrap_err(),
        store
            .acknowledge_circular(SYS, circ.id, a, datetime!(2025-04-30 09:00 UTC))
            .await
            .unwrap_err(),
        store
            .sign_convention(Actor::User(rep), conv.id, a, date!(2025 - 01 - 02))
            .await
            .unwrap_err(),
        store
            .create_indicator(
                SYS,
                assoc,
                &IndicatorInput {
                    name: "".into(),
                    figure: "1".into(),
                    unit: "%".into(),
                    as_of: "2025-01-01".into(),
                    source: "x".into(),
                    source_url: None,
                },
                date!(2025 - 06 - 01),
            )
            .await
            .unwrap_err(),
        store
            .file_complaint(
                Actor::User(rep),
                assoc,
                &ComplaintInput {
                    against: a,
                    summary: "   ".into(),
                },
                date!(2025 - 06 - 01),
            )
            .await
            .unwrap_err(),
    ];
    for e in &refusals {
        assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    }
    let big_field = invalid_field(refusals.into_iter().nth(3).unwrap());
    assert_eq!(
        big_field,
        ("attachments".to_string(), "too_long".to_string())
    );
    assert_eq!(snapshot().await, before);
    let after = store
        .list_audit_events(None, None, federa_store::Page::new(0, 1))
        .await
        .unwrap();
    assert_eq!(after.total, head.total);
    assert_eq!(after.items[0].hash, head.items[0].hash);
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
}
