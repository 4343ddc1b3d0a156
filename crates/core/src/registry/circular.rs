//! Circulars (通知): a notice to all member units or a filtered set, and each recipient's
//! delivered, read and acknowledged times; who needs a reminder once the deadline has come.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::RegistryError;
use super::model::{Membership, Organisation};

/// Serde for an instant as RFC 3339 with offset (and `instant::option`).
pub mod instant {
    time::serde::format_description!(
        rfc3339,
        OffsetDateTime,
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    pub use rfc3339::*;
}

/// Who a circular goes to. Empty lists in a filter do not restrict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Audience {
    /// Every member unit in force.
    All,
    Filtered {
        districts: Vec<String>,
        sectors: Vec<String>,
        /// Category keys.
        categories: Vec<String>,
    },
}

impl Audience {
    /// The member units (organisation ids) a circular reaches, from the memberships in force
    /// on the sending day, each with its organisation.
    pub fn recipients(&self, members: &[(Organisation, Membership)]) -> Vec<i64> {
        let ok = |list: &[String], v: &Option<String>| {
            list.is_empty() || v.as_ref().is_some_and(|v| list.contains(v))
        };
        let mut out: Vec<i64> = members
            .iter()
            .filter(|(o, m)| match self {
                Audience::All => true,
                Audience::Filtered {
                    districts,
                    sectors,
                    categories,
                } => {
                    ok(districts, &o.district)
                        && ok(sectors, &o.sector)
                        && (categories.is_empty() || categories.contains(&m.category))
                }
            })
            .map(|(o, _)| o.id)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The memberships a circular's audience is drawn from: with no status named, those in force on
/// `on` (admitted or suspended, joined by then, not yet left); otherwise the memberships not yet
/// left whose status is one of `statuses`. [`Audience::recipients`] then filters these.
pub fn candidates(
    members: &[(Organisation, Membership)],
    statuses: &[crate::org::MemberStatus],
    on: time::Date,
) -> Vec<(Organisation, Membership)> {
    members
        .iter()
        .filter(|(_, m)| {
            if statuses.is_empty() {
                m.in_force_on(on)
            } else {
                statuses.contains(&m.status) && m.left.is_none_or(|l| l > on)
            }
        })
        .cloned()
        .collect()
}

/// An attachment, stored elsewhere by its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub file_name: String,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
}

/// Where a recipient is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Read,
    Acknowledged,
}

/// One recipient's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    pub unit: i64,
    #[serde(with = "instant::option", default)]
    pub delivered_at: Option<OffsetDateTime>,
    #[serde(with = "instant::option", default)]
    pub read_at: Option<OffsetDateTime>,
    #[serde(with = "instant::option", default)]
    pub acknowledged_at: Option<OffsetDateTime>,
    /// Reminders sent so far.
    pub reminders: u32,
}

impl Delivery {
    pub fn state(&self) -> DeliveryState {
        if self.acknowledged_at.is_some() {
            DeliveryState::Acknowledged
        } else if self.read_at.is_some() {
            DeliveryState::Read
        } else if self.delivered_at.is_some() {
            DeliveryState::Delivered
        } else {
            DeliveryState::Pending
        }
    }
}

/// A circular with its recipients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Circular {
    pub id: i64,
    pub organisation_id: i64,
    pub title: String,
    pub body: String,
    pub attachments: Vec<Attachment>,
    pub audience: Audience,
    #[serde(with = "instant")]
    pub sent_at: OffsetDateTime,
    /// Acknowledge by then; reminders go to those who have not.
    #[serde(with = "instant::option", default)]
    pub acknowledge_by: Option<OffsetDateTime>,
    pub deliveries: Vec<Delivery>,
}

/// Counts per state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CircularProgress {
    pub recipients: u64,
    pub delivered: u64,
    pub read: u64,
    pub acknowledged: u64,
}

impl Circular {
    /// A circular to the given recipients (see [`Audience::recipients`]); title and body are
    /// required, there must be at least one recipient, and the deadline must follow sending.
    #[allow(clippy::too_many_arguments)]
    pub fn send(
        id: i64,
        organisation_id: i64,
        title: &str,
        body: &str,
        audience: Audience,
        recipients: &[i64],
        sent_at: OffsetDateTime,
        acknowledge_by: Option<OffsetDateTime>,
    ) -> Result<Circular, RegistryError> {
        if title.trim().is_empty() {
            return Err(RegistryError::invalid("title", "required"));
        }
        if body.trim().is_empty() {
            return Err(RegistryError::invalid("body", "required"));
        }
        if recipients.is_empty() {
            return Err(RegistryError::invalid("audience", "no_recipients"));
        }
        if acknowledge_by.is_some_and(|d| d <= sent_at) {
            return Err(RegistryError::invalid("acknowledge_by", "before_sent"));
        }
        let mut units = recipients.to_vec();
        units.sort_unstable();
        units.dedup();
        Ok(Circular {
            id,
            organisation_id,
            title: title.trim().to_string(),
            body: body.to_string(),
            attachments: Vec::new(),
            audience,
            sent_at,
            acknowledge_by,
            deliveries: units
                .into_iter()
                .map(|unit| Delivery {
                    unit,
                    delivered_at: None,
                    read_at: None,
                    acknowledged_at: None,
                    reminders: 0,
                })
                .collect(),
        })
    }

    fn delivery(&mut self, unit: i64, at: OffsetDateTime) -> Result<&mut Delivery, RegistryError> {
        if at < self.sent_at {
            return Err(RegistryError::invalid("at", "before_sent"));
        }
        self.deliveries
            .iter_mut()
            .find(|d| d.unit == unit)
            .ok_or_else(|| RegistryError::Unknown {
                what: "recipient".into(),
                id: unit.to_string(),
            })
    }

    /// Records delivery (to the inbox or by email); the first time counts.
    pub fn mark_delivered(&mut self, unit: i64, at: OffsetDateTime) -> Result<(), RegistryError> {
        let d = self.delivery(unit, at)?;
        d.delivered_at.get_or_insert(at);
        Ok(())
    }

    /// Records reading, which implies delivery.
    pub fn mark_read(&mut self, unit: i64, at: OffsetDateTime) -> Result<(), RegistryError> {
        let d = self.delivery(unit, at)?;
        d.delivered_at.get_or_insert(at);
        d.read_at.get_or_insert(at);
        Ok(())
    }

    /// Records acknowledgement, which implies reading and delivery.
    pub fn acknowledge(&mut self, unit: i64, at: OffsetDateTime) -> Result<(), RegistryError> {
        let d = self.delivery(unit, at)?;
        d.delivered_at.get_or_insert(at);
        d.read_at.get_or_insert(at);
        d.acknowledged_at.get_or_insert(at);
        Ok(())
    }

    /// The units to remind at `now`: none before the deadline (or without one), then every
    /// recipient that has not acknowledged.
    pub fn needs_reminder(&self, now: OffsetDateTime) -> Vec<i64> {
        match self.acknowledge_by {
            Some(by) if now >= by => self
                .deliveries
                .iter()
                .filter(|d| d.acknowledged_at.is_none())
                .map(|d| d.unit)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Notes that reminders went to these units.
    pub fn reminded(&mut self, units: &[i64]) {
        for d in self
            .deliveries
            .iter_mut()
            .filter(|d| units.contains(&d.unit))
        {
            d.reminders += 1;
        }
    }

    pub fn progress(&self) -> CircularProgress {
        let mut p = CircularProgress::default();
        for d in &self.deliveries {
            p.recipients += 1;
            let s = d.state();
            p.delivered += u64::from(s >= DeliveryState::Delivered);
            p.read += u64::from(s >= DeliveryState::Read);
            p.acknowledged += u64::from(s == DeliveryState::Acknowledged);
        }
        p
    }
}
