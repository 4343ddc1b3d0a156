//! The predecessor association and its 92 member units: online media, e-commerce, software,
//! universities, telecoms and others, spread over Chongqing's districts. Names are invented
//! (brand words from Chongqing's landmarks and rivers); districts are real.

use std::collections::HashSet;

use anyhow::Context;
use federa_core::registry::{Category, Payment, PersonInput};
use federa_store::{Actor, MembershipInput, OrgInput, Store};

pub struct Registry {
    pub association_id: i64,
    pub association_name: String,
    pub member_units: usize,
}

pub const ASSOCIATION: &str = "重庆市网络媒体协会";

/// Real districts of Chongqing; the central ones appear more often, as they would.
const DISTRICTS: &[(&str, u32)] = &[
    ("渝中区", 14),
    ("江北区", 10),
    ("渝北区", 12),
    ("南岸区", 9),
    ("九龙坡区", 8),
    ("沙坪坝区", 8),
    ("巴南区", 4),
    ("北碚区", 4),
    ("大渡口区", 3),
    ("万州区", 3),
    ("涪陵区", 3),
    ("永川区", 3),
    ("合川区", 2),
    ("江津区", 2),
    ("璧山区", 2),
    ("长寿区", 1),
    ("綦江区", 1),
    ("大足区", 1),
    ("黔江区", 1),
    ("开州区", 1),
];

/// Brand words for invented names.
const BRANDS: &[&str] = &[
    "巴渝",
    "山城",
    "嘉陵",
    "两江",
    "朝天门",
    "解放碑",
    "缙云",
    "歌乐",
    "南山",
    "鹅岭",
    "磁器口",
    "龙门阵",
    "渝州",
    "江城",
    "金佛山",
    "武陵",
    "三峡",
    "钓鱼城",
    "白鹤梁",
    "红岩",
    "洪崖",
    "观音桥",
    "弹子石",
    "仙女山",
    "黑山谷",
    "长江",
    "雾都",
    "桥都",
    "渝信",
    "天生",
    "北滨",
    "南滨",
    "大坪",
    "杨家坪",
    "石桥铺",
    "照母山",
    "礼嘉",
    "悦来",
    "果园港",
    "寸滩",
];

/// (sector, kind, units, name patterns with `{}` for the brand, categories' weights)
struct Sector {
    name: &'static str,
    kind: &'static str,
    units: usize,
    patterns: &'static [&'static str],
}

const SECTORS: &[Sector] = &[
    Sector {
        name: "网络媒体",
        kind: "company",
        units: 22,
        patterns: &["{}网络传媒有限公司", "{}新闻网", "{}融媒体中心", "{}在线"],
    },
    Sector {
        name: "电子商务",
        kind: "company",
        units: 16,
        patterns: &[
            "重庆{}电子商务有限公司",
            "{}优选科技有限公司",
            "{}云商网络科技有限公司",
        ],
    },
    Sector {
        name: "软件和信息服务",
        kind: "company",
        units: 18,
        patterns: &[
            "重庆{}软件有限公司",
            "重庆{}信息技术有限公司",
            "{}数据科技有限公司",
        ],
    },
    Sector {
        name: "高等院校",
        kind: "university",
        units: 10,
        patterns: &["重庆{}学院", "重庆{}职业技术学院"],
    },
    Sector {
        name: "电信运营",
        kind: "company",
        units: 6,
        patterns: &["重庆{}通信有限公司", "{}宽带网络有限公司"],
    },
    Sector {
        name: "网络安全",
        kind: "company",
        units: 8,
        patterns: &["重庆{}网络安全技术有限公司", "{}信安科技有限公司"],
    },
    Sector {
        name: "数字文化",
        kind: "company",
        units: 8,
        patterns: &["重庆{}互动娱乐有限公司", "{}数字文化传播有限公司"],
    },
    Sector {
        name: "研究机构",
        kind: "institute",
        units: 4,
        patterns: &["重庆{}互联网研究院", "{}数字经济研究中心"],
    },
];

/// One invented member unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub name: String,
    pub short_name: String,
    pub kind: &'static str,
    pub district: &'static str,
    pub sector: &'static str,
    pub founded: String,
    pub category: &'static str,
    pub joined: String,
}

/// The 92 member units, the same every time.
pub fn units() -> Vec<Unit> {
    let districts: Vec<&str> = DISTRICTS
        .iter()
        .flat_map(|(d, w)| std::iter::repeat_n(*d, *w as usize))
        .collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let mut n = 0usize;
    for (s, sector) in SECTORS.iter().enumerate() {
        for j in 0..sector.units {
            // Walk the brands with a stride coprime to their number, from a per-sector offset.
            let brand = BRANDS[(s * 11 + j * 7) % BRANDS.len()];
            let pattern = sector.patterns[j % sector.patterns.len()];
            let mut name = pattern.replace("{}", brand);
            let district = districts[(n * 37 + 11) % districts.len()];
            if !seen.insert(name.clone()) {
                name = format!("{}{}", district.trim_end_matches('区'), name);
                seen.insert(name.clone());
            }
            let category = match n % 23 {
                0 | 12 => "副会长单位",
                3 | 7 | 15 | 19 | 21 => "理事单位",
                _ => "会员单位",
            };
            out.push(Unit {
                short_name: brand.to_string(),
                kind: sector.kind,
                district,
                sector: sector.name,
                founded: format!(
                    "{}-{:02}-{:02}",
                    1995 + (n * 5) % 17,
                    1 + n % 12,
                    1 + (n * 3) % 28
                ),
                category,
                joined: format!(
                    "{}-{:02}-{:02}",
                    2012 + (n * 7) % 12,
                    1 + (n * 5) % 12,
                    1 + (n * 11) % 28
                ),
                name,
            });
            n += 1;
        }
    }
    out
}

/// The association's membership categories, with annual dues in fen.
pub fn categories() -> Vec<Category> {
    let c = |key: &str, name: &str, en: &str, rank: u16, yuan: i64| Category {
        key: key.into(),
        name: name.into(),
        name_en: Some(en.into()),
        rank,
        annual_dues_fen: yuan * 100,
    };
    vec![
        c(
            "vice_president_unit",
            "副会长单位",
            "Vice-president unit",
            1,
            20_000,
        ),
        c("council_unit", "理事单位", "Council unit", 2, 5_000),
        c("member_unit", "会员单位", "Member unit", 3, 1_000),
    ]
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "胡", "朱", "郭",
    "何", "罗", "高", "林",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "敏", "静", "磊", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平", "刚", "桂英", "建华", "晓东", "海燕", "志强", "丽", "鹏",
];
const TITLES: &[&str] = &["董事长", "总经理", "副总经理", "院长", "副院长", "主任"];

/// An invented person's name, the same for the same number.
fn person_name(n: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[(n * 7 + 3) % SURNAMES.len()],
        GIVEN[(n * 11 + 5) % GIVEN.len()]
    )
}

pub async fn seed(store: &Store, actor: Actor) -> anyhow::Result<Registry> {
    let association = store
        .create_organisation(
            actor,
            &OrgInput {
                name: ASSOCIATION.into(),
                short_name: Some("重庆网媒协会".into()),
                kind: "association".into(),
                district: Some("渝中区".into()),
                sector: Some("网络媒体".into()),
                founded: Some("2012-06-18".into()),
                predecessor_id: None,
            },
        )
        .await
        .context("creating the association")?;
    store
        .define_categories(actor, association.id, &categories())
        .await
        .context("defining the membership categories")?;
    let units = units();
    for (n, u) in units.iter().enumerate() {
        let m = store
            .add_membership(
                actor,
                association.id,
                &MembershipInput {
                    member_id: None,
                    new_member: Some(OrgInput {
                        name: u.name.clone(),
                        short_name: Some(u.short_name.clone()),
                        kind: u.kind.into(),
                        district: Some(u.district.into()),
                        sector: Some(u.sector.into()),
                        founded: Some(u.founded.clone()),
                        predecessor_id: None,
                    }),
                    category: u.category.into(),
                    joined: u.joined.clone(),
                    status: None,
                },
            )
            .await
            .with_context(|| format!("adding member unit {}", u.name))?;
        people_and_dues(store, actor, association.id, n, u, m.id, m.member.id)
            .await
            .with_context(|| format!("recording the people and dues of {}", u.name))?;
    }
    Ok(Registry {
        association_id: association.id,
        association_name: association.name,
        member_units: units.len(),
    })
}

/// A unit's representative and contact person, whether the directory shows it, and its dues
/// for 2023 to 2025: most paid, some in part, some not at all.
async fn people_and_dues(
    store: &Store,
    actor: Actor,
    association: i64,
    n: usize,
    u: &Unit,
    membership: i64,
    unit: i64,
) -> anyhow::Result<()> {
    let phone = |k: usize| format!("023-6{:07}", (n * 7919 + k * 104_729) % 10_000_000);
    let rep = store
        .create_person(
            actor,
            association,
            &PersonInput {
                name: person_name(2 * n),
                title: Some(TITLES[n % TITLES.len()].into()),
                phone: Some(phone(1)),
                email: Some(format!("rep{n:03}@example.cn")),
                public: !n.is_multiple_of(3),
            },
        )
        .await?;
    store
        .set_representative(actor, membership, Some(rep.id))
        .await?;
    let contact = store
        .create_person(
            actor,
            association,
            &PersonInput {
                name: person_name(2 * n + 1),
                title: Some("办公室主任".into()),
                phone: Some(phone(2)),
                email: Some(format!("office{n:03}@example.cn")),
                public: false,
            },
        )
        .await?;
    store
        .add_contact(actor, membership, contact.id, "联系人")
        .await?;
    // Most units are listed in the public directory; some prefer not to be.
    if n % 9 != 4 {
        store.set_registry_fields(actor, unit, None, true).await?;
    }
    let joined: i32 = u.joined[..4].parse()?;
    let today = time::OffsetDateTime::now_utc().date();
    for year in 2023..=2025 {
        if joined > year {
            continue;
        }
        let category = categories()
            .into_iter()
            .find(|c| c.name == u.category)
            .map_or(100_000, |c| c.annual_dues_fen);
        store.set_dues(actor, membership, year, category).await?;
        // Every seventh unit has not paid the latest year; every fifth paid half of it.
        let paid = match (year, n % 7, n % 5) {
            (2025, 0, _) => 0,
            (2025, _, 0) => category / 2,
            _ => category,
        };
        if paid > 0 {
            let on = time::Date::from_calendar_date(year, time::Month::March, 1 + (n % 28) as u8)?;
            store
                .record_payment(
                    actor,
                    membership,
                    year,
                    &Payment {
                        on,
                        amount_fen: paid,
                        reference: Some(format!("{year}-{n:03}")),
                    },
                    today,
                )
                .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ninety_two_distinct_units_over_many_districts_and_sectors() {
        let units = units();
        assert_eq!(units.len(), 92);
        let names: HashSet<_> = units.iter().map(|u| &u.name).collect();
        assert_eq!(names.len(), 92);
        let districts: HashSet<_> = units.iter().map(|u| u.district).collect();
        assert!(districts.len() >= 12, "{districts:?}");
        let sectors: HashSet<_> = units.iter().map(|u| u.sector).collect();
        assert_eq!(sectors.len(), SECTORS.len());
        for u in &units {
            let o = OrgInput {
                name: u.name.clone(),
                short_name: Some(u.short_name.clone()),
                kind: u.kind.into(),
                founded: Some(u.founded.clone()),
                ..OrgInput::default()
            };
            assert!(o.validate().is_ok(), "{u:?}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn demo_units_have_people_categories_and_dues() {
        use federa_core::registry::search::MemberQueryInput;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("demo.db").display());
        let store = Store::connect(&url).await.unwrap();
        let r = seed(&store, Actor::System).await.unwrap();
        let a = r.association_id;
        assert_eq!(store.list_categories(a).await.unwrap().len(), 3);
        let all = MemberQueryInput {
            page_size: Some(200),
            ..MemberQueryInput::default()
        }
        .validate()
        .unwrap();
        let hits = store.search_members(a, &all).await.unwrap();
        assert_eq!(hits.total, 92);
        for h in &hits.items {
            let m = store.get_member(h.membership_id).await.unwrap();
            assert!(m.representative.is_some(), "{}", h.organisation.name);
            assert_eq!(m.contacts.len(), 1);
        }
        let vp = hits
            .items
            .iter()
            .filter(|h| h.category_name == "副会长单位")
            .count();
        assert!((2..=10).contains(&vp), "{vp}");
        let dues = store.dues_report(a, Some(2025)).await.unwrap();
        let owing = dues.lines.iter().filter(|l| l.outstanding_fen > 0).count();
        assert!(owing >= 10 && owing < dues.lines.len() / 2, "{owing}");
        assert_eq!(dues.summary.len(), 3);
        let public = store
            .public_directory(a, &all, time::OffsetDateTime::now_utc().date())
            .await
            .unwrap();
        assert!((70..92).contains(&public.total), "{}", public.total);
        assert!(store.verify_audit_chain().await.unwrap().is_intact());
        store.close().await;
    }
}
