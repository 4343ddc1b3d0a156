//! The predecessor association and its 92 member units: online media, e-commerce, software,
//! universities, telecoms and others, spread over Chongqing's districts. Names are invented
//! (brand words from Chongqing's landmarks and rivers); districts are real.

use std::collections::HashSet;

use anyhow::Context;
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
    let units = units();
    for u in &units {
        store
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
    }
    Ok(Registry {
        association_id: association.id,
        association_name: association.name,
        member_units: units.len(),
    })
}

#[cfg(test)]
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
}
