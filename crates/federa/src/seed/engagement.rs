//! The federation's engagement with the member units it carried over from the association: representatives for a few units, activities with
//! attendance, circulars partly acknowledged (one reminded), published indicators, the
//! self-regulation convention with signatures, and one complaint handled to its outcome.

use anyhow::Context;
use federa_core::registry::circular::Audience;
use federa_core::registry::conduct::{ComplaintState, Outcome};
use federa_core::registry::status::Decision;
use federa_store::{
    ActivityInput, Actor, AttendanceInput, CircularInput, ComplaintAdvance, ComplaintInput,
    ConventionInput, IndicatorInput, MembershipFilter, NewAttachment, NewUser, Page, Role, Store,
    UnitContact,
};
use time::{Duration, OffsetDateTime};

pub async fn seed(store: &Store, actor: Actor, organisation: i64) -> anyhow::Result<()> {
    let members = store
        .list_memberships(
            organisation,
            &MembershipFilter {
                current_only: true,
                ..MembershipFilter::default()
            },
            Page::new(0, Page::MAX_LIMIT),
        )
        .await?
        .items;
    let units: Vec<i64> = members
        .iter()
        .filter(|m| matches!(m.status.as_str(), "admitted" | "suspended"))
        .map(|m| m.member.id)
        .collect();
    anyhow::ensure!(units.len() >= 6, "the demo needs at least six member units");
    let now = OffsetDateTime::now_utc();
    let today = now.date();

    // Representatives of the first four units, and contact addresses.
    let mut reps = Vec::new();
    for (i, &u) in units.iter().take(4).enumerate() {
        let user = store
            .create_user(
                actor,
                &NewUser {
                    username: format!("daibiao{}", i + 1),
                    display_name: Some(format!("会员代表{}", i + 1)),
                    password_hash: crate::admin::hash_password(&crate::admin::generate_password())?,
                    is_admin: false,
                },
            )
            .await
            .context("creating a demo representative")?;
        store
            .grant_role(actor, user.id, u, Role::Representative)
            .await?;
        reps.push((user.id, u));
    }
    for (i, &u) in units.iter().take(8).enumerate() {
        store
            .set_unit_contact(
                actor,
                u,
                &UnitContact {
                    email: format!("office{}@members.federa.example", i + 1),
                    name: Some("办公室".into()),
                },
            )
            .await?;
    }

    // Activities earlier this year (or last, early in January), with attendance.
    let base = today - Duration::days(90);
    let plans = [
        (
            "study_session",
            "学习贯彻网络强国重要思想座谈会",
            0,
            "联合会会议室",
        ),
        ("training", "网络数据安全合规培训", 30, "重庆市互联网产业园"),
        ("forum", "重庆网络生态治理论坛", 60, "重庆国际博览中心"),
    ];
    for (n, (kind, title, offset, place)) in plans.iter().enumerate() {
        let day = base + Duration::days(*offset);
        let a = store
            .create_activity(
                actor,
                organisation,
                &ActivityInput {
                    kind: (*kind).into(),
                    title: (*title).into(),
                    starts: federa_core::org::format_date(day),
                    ends: None,
                    place: Some((*place).into()),
                    registration_deadline: None,
                    capacity: Some(120),
                },
            )
            .await?;
        let invited: Vec<i64> = units.iter().copied().skip(n).take(8).collect();
        store.invite_units(actor, a.id, &invited).await?;
        for (i, &u) in invited.iter().enumerate().take(6) {
            store
                .register_for_activity(actor, a.id, u, 1 + (i as u32 % 3), day - Duration::days(3))
                .await?;
        }
        let entries: Vec<AttendanceInput> = invited
            .iter()
            .enumerate()
            .map(|(i, &u)| AttendanceInput {
                unit: u,
                state: match i % 4 {
                    3 => "absent",
                    2 if i > 4 => "excused",
                    _ => "attended",
                }
                .into(),
                people: Some(1 + (i as u32 % 3)),
            })
            .collect();
        store.record_attendance(actor, a.id, &entries, day).await?;
    }

    // Circulars: one to everyone, acknowledged by some and reminded; one to a district.
    let sent = now - Duration::days(12);
    let all = store
        .send_circular(
            actor,
            organisation,
            &CircularInput {
                title: "关于开展年度会员单位年检工作的通知".into(),
                body: "各会员单位：\n\n根据本会章程，现开展年度年检工作。请于截止时间前登录系统确认回执，并按附件要求报送材料。\n\n联合会秘书处".into(),
                audience: Audience::All,
                statuses: vec![],
                acknowledge_by: Some(sent + Duration::days(7)),
                attachments: vec![NewAttachment {
                    file_name: "年检材料清单.txt".into(),
                    media_type: "text/plain; charset=utf-8".into(),
                    content: "1. 年度工作报告\n2. 财务报表\n3. 会员信息变更表\n".as_bytes().to_vec(),
                }],
                email: false,
            },
            sent,
        )
        .await?;
    for (i, &u) in units.iter().enumerate().take(units.len() / 2) {
        let at = sent + Duration::hours(6 + i as i64 * 5);
        if i % 3 == 2 {
            store.mark_circular_read(actor, all.id, u, at).await?;
        } else {
            store.acknowledge_circular(actor, all.id, u, at).await?;
        }
    }
    store
        .send_reminders(actor, all.id, sent + Duration::days(8), false)
        .await?;
    let district = members
        .iter()
        .find_map(|m| m.member.district.clone())
        .unwrap_or_else(|| "渝中区".into());
    let local = store
        .send_circular(
            actor,
            organisation,
            &CircularInput {
                title: format!("关于{district}会员单位参加网络安全宣传周的通知"),
                body: "请各单位安排人员参加宣传周活动。".into(),
                audience: Audience::Filtered {
                    districts: vec![district],
                    sectors: vec![],
                    categories: vec![],
                },
                statuses: vec![],
                acknowledge_by: Some(now + Duration::days(5)),
                attachments: vec![],
                email: false,
            },
            now - Duration::days(2),
        )
        .await?;
    if let Some(first) = local.recipients.first() {
        store
            .acknowledge_circular(actor, local.id, first.unit, now - Duration::days(1))
            .await?;
    }

    // Published indicators (CNNIC, 55th statistical report).
    for (name, figure, unit, as_of) in [
        ("全国网民规模", "11.08", "亿人", "2024-12-31"),
        ("互联网普及率", "78.6", "%", "2024-12-31"),
        ("手机网民规模", "11.05", "亿人", "2024-12-31"),
    ] {
        store
            .create_indicator(
                actor,
                organisation,
                &IndicatorInput {
                    name: name.into(),
                    figure: figure.into(),
                    unit: unit.into(),
                    as_of: as_of.into(),
                    source: "CNNIC 第55次《中国互联网络发展状况统计报告》".into(),
                    source_url: Some("https://www.cnnic.net.cn/".into()),
                },
                today,
            )
            .await?;
    }

    // The convention, signed by three of the four represented units.
    let conv = store
        .create_convention(
            actor,
            organisation,
            &ConventionInput {
                title: "重庆市互联网行业自律公约".into(),
                body: "第一条 会员单位遵守宪法和法律法规，坚持正确导向。\n第二条 会员单位不制作、传播虚假信息，尊重和保护知识产权。\n第三条 会员单位保护用户个人信息，接受社会监督。\n第四条 违反本公约的，由本会依照章程处理。".into(),
                adopted_on: federa_core::org::format_date(base),
            },
        )
        .await?;
    for (i, &(user, unit)) in reps.iter().take(3).enumerate() {
        store
            .sign_convention(
                Actor::User(user),
                conv.id,
                unit,
                base + Duration::days(2 + i as i64),
            )
            .await?;
    }

    // One complaint, filed by a representative and resolved by the board of supervisors.
    let (filer, _) = reps[0];
    let c = store
        .file_complaint(
            Actor::User(filer),
            organisation,
            &ComplaintInput {
                against: units[5],
                summary: "该单位在公众号转载我单位原创稿件未注明来源，经联系未予更正。".into(),
            },
            today - Duration::days(20),
        )
        .await?;
    let admin = match actor {
        Actor::User(u) => u,
        Actor::System => filer,
    };
    store
        .advance_complaint(
            Actor::User(admin),
            c.id,
            &ComplaintAdvance {
                to: ComplaintState::UnderReview,
                note: Some("监事会受理".into()),
                outcome: None,
            },
            today - Duration::days(18),
        )
        .await?;
    store
        .advance_complaint(
            Actor::User(admin),
            c.id,
            &ComplaintAdvance {
                to: ComplaintState::Resolved,
                note: None,
                outcome: Some(Outcome {
                    text: "经核实，被投诉单位已删除转载稿件并公开致歉；监事会予以提醒谈话。".into(),
                    decision: Decision::Secretariat {
                        reference: "渝网联监〔2026〕1号".into(),
                    },
                }),
            },
            today - Duration::days(10),
        )
        .await?;

    Ok(())
}
