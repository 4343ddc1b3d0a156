//! Statistics as pure aggregations over stored values: members by district, sector, category
//! and joining year; participation in activities per unit and year; dues collected per year;
//! and published indicators. Every table can be written as CSV.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use super::RegistryError;
use super::activity::{Activity, Attendance};
use super::model::{Membership, Organisation};

/// The key used when a member has no value for the dimension.
pub const UNSPECIFIED: &str = "";

/// What to count members by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    District,
    Sector,
    Category,
    JoinYear,
}

/// One line of a count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Count {
    /// The district, sector, category key or year; [`UNSPECIFIED`] when missing.
    pub key: String,
    pub members: u64,
}

/// Members in force on `on`, counted by a dimension, largest first (ties by key).
pub fn members_by(members: &[(Organisation, Membership)], dim: Dimension, on: Date) -> Vec<Count> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for (o, m) in members.iter().filter(|(_, m)| m.in_force_on(on)) {
        let key = match dim {
            Dimension::District => o.district.clone().unwrap_or_default(),
            Dimension::Sector => o.sector.clone().unwrap_or_default(),
            Dimension::Category => m.category.clone(),
            Dimension::JoinYear => m.joined.year().to_string(),
        };
        *counts.entry(key).or_default() += 1;
    }
    let mut out: Vec<Count> = counts
        .into_iter()
        .map(|(key, members)| Count { key, members })
        .collect();
    if dim != Dimension::JoinYear {
        out.sort_by(|a, b| b.members.cmp(&a.members).then_with(|| a.key.cmp(&b.key)));
    }
    out
}

/// One unit's participation in a year's activities.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participation {
    pub unit: i64,
    pub year: i32,
    pub invited: u32,
    pub registered: u32,
    pub attended: u32,
    /// People who came, over all activities.
    pub people: u32,
}

impl Participation {
    /// Attended over invited, in per mille (0 with no invitation).
    pub fn rate_permille(&self) -> u32 {
        (self.attended * 1000)
            .checked_div(self.invited)
            .unwrap_or(0)
    }
}

/// Participation per unit in activities that start in `year`, by unit id.
pub fn participation(activities: &[Activity], year: i32) -> Vec<Participation> {
    let mut by_unit: BTreeMap<i64, Participation> = BTreeMap::new();
    for a in activities.iter().filter(|a| a.starts.year() == year) {
        for i in &a.invitations {
            let p = by_unit.entry(i.unit).or_insert(Participation {
                unit: i.unit,
                year,
                invited: 0,
                registered: 0,
                attended: 0,
                people: 0,
            });
            p.invited += 1;
            p.registered += u32::from(i.registered_on.is_some());
            if let Attendance::Attended { people } = i.attendance {
                p.attended += 1;
                p.people += people;
            }
        }
    }
    by_unit.into_values().collect()
}

/// A published figure about the field, e.g. national Internet users (figure `11.08`, unit
/// `亿人`, source the CNNIC statistical report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Indicator {
    pub id: i64,
    pub name: String,
    /// The figure as published, a decimal number (kept as text so that it is never rounded).
    pub figure: String,
    /// `%`, `亿人`, `家` ...
    pub unit: String,
    /// The date the figure refers to.
    #[serde(with = "super::dates")]
    pub as_of: Date,
    /// Who published it (report, agency).
    pub source: String,
    pub source_url: Option<String>,
}

impl Indicator {
    /// Checks the fields: name, unit and source required, the figure a decimal number, the
    /// date not in the future.
    pub fn validate(&self, today: Date) -> Result<(), RegistryError> {
        for (field, v) in [
            ("name", &self.name),
            ("unit", &self.unit),
            ("source", &self.source),
        ] {
            if v.trim().is_empty() {
                return Err(RegistryError::invalid(field, "required"));
            }
            if v.chars().count() > crate::org::MAX_TEXT {
                return Err(RegistryError::invalid(field, "too_long"));
            }
        }
        if !is_decimal(self.figure.trim()) {
            return Err(RegistryError::invalid("figure", "not_a_number"));
        }
        if self.as_of > today {
            return Err(RegistryError::invalid("as_of", "in_future"));
        }
        Ok(())
    }
}

/// `-12`, `3.5`, `0.75`: an optional sign, digits, an optional fraction.
fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// A table as CSV (UTF-8 with BOM), for every statistics download.
pub fn table_csv<R, C>(header: &[&str], rows: R) -> Result<Vec<u8>, RegistryError>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<[u8]>,
{
    let fail = |e: csv::Error| RegistryError::Export {
        reason: e.to_string(),
    };
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(header).map_err(fail)?;
        for r in rows {
            w.write_record(r).map_err(fail)?;
        }
        w.flush().map_err(|e| RegistryError::Export {
            reason: e.to_string(),
        })?;
    }
    Ok(out)
}
