//! Activities an organisation leads its members in (study sessions, trainings, forums):
//! which units are invited, which register, and who attended.

use serde::{Deserialize, Serialize};
use time::Date;

use super::RegistryError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// 学习会 / 学习座谈
    StudySession,
    /// 培训
    Training,
    /// 论坛
    Forum,
    Other,
}

/// Whether an invited unit came.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Attendance {
    #[default]
    NotRecorded,
    /// Came, with this many people.
    Attended {
        people: u32,
    },
    Excused,
    Absent,
}

/// An invited member unit and what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    /// The member unit (organisation id).
    pub unit: i64,
    #[serde(with = "super::dates::option", default)]
    pub registered_on: Option<Date>,
    /// People the unit registered.
    pub registered_people: u32,
    pub attendance: Attendance,
}

/// An activity with its invitations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub id: i64,
    pub organisation_id: i64,
    pub kind: ActivityKind,
    pub title: String,
    #[serde(with = "super::dates")]
    pub starts: Date,
    #[serde(with = "super::dates")]
    pub ends: Date,
    pub place: Option<String>,
    /// Last day to register, if registration closes.
    #[serde(with = "super::dates::option", default)]
    pub registration_deadline: Option<Date>,
    /// Most people in total, if limited.
    pub capacity: Option<u32>,
    pub invitations: Vec<Invitation>,
}

impl Activity {
    /// A new activity without invitations; the title is required and it may not end before
    /// it starts.
    pub fn new(
        id: i64,
        organisation_id: i64,
        kind: ActivityKind,
        title: &str,
        starts: Date,
        ends: Date,
    ) -> Result<Activity, RegistryError> {
        let title = title.trim();
        if title.is_empty() {
            return Err(RegistryError::invalid("title", "required"));
        }
        if title.chars().count() > crate::org::MAX_TEXT {
            return Err(RegistryError::invalid("title", "too_long"));
        }
        if ends < starts {
            return Err(RegistryError::invalid("ends", "before_starts"));
        }
        Ok(Activity {
            id,
            organisation_id,
            kind,
            title: title.to_string(),
            starts,
            ends,
            place: None,
            registration_deadline: None,
            capacity: None,
            invitations: Vec::new(),
        })
    }

    /// Invites units; units already invited are left as they are. Returns how many were new.
    pub fn invite(&mut self, units: impl IntoIterator<Item = i64>) -> usize {
        let mut added = 0;
        for u in units {
            if !self.invitations.iter().any(|i| i.unit == u) {
                self.invitations.push(Invitation {
                    unit: u,
                    registered_on: None,
                    registered_people: 0,
                    attendance: Attendance::NotRecorded,
                });
                added += 1;
            }
        }
        added
    }

    fn invitation(&mut self, unit: i64) -> Result<&mut Invitation, RegistryError> {
        self.invitations
            .iter_mut()
            .find(|i| i.unit == unit)
            .ok_or_else(|| RegistryError::Unknown {
                what: "invited_unit".into(),
                id: unit.to_string(),
            })
    }

    /// People registered in total.
    pub fn registered_people(&self) -> u32 {
        self.invitations.iter().map(|i| i.registered_people).sum()
    }

    /// Registers (or changes the registration of) an invited unit, before the deadline (or the
    /// start) and within capacity.
    pub fn register(&mut self, unit: i64, people: u32, today: Date) -> Result<(), RegistryError> {
        self.invitation(unit)?;
        if people == 0 {
            return Err(RegistryError::invalid("people", "not_positive"));
        }
        let closes = self.registration_deadline.unwrap_or(self.starts);
        if today > closes {
            return Err(RegistryError::invalid("registration", "closed"));
        }
        let others = self.registered_people()
            - self
                .invitations
                .iter()
                .find(|i| i.unit == unit)
                .map_or(0, |i| i.registered_people);
        if self.capacity.is_some_and(|c| others + people > c) {
            return Err(RegistryError::invalid("people", "over_capacity"));
        }
        let inv = self.invitation(unit)?;
        inv.registered_on = Some(today);
        inv.registered_people = people;
        Ok(())
    }

    /// Records whether an invited unit attended; only once the activity has started.
    pub fn record_attendance(
        &mut self,
        unit: i64,
        attendance: Attendance,
        today: Date,
    ) -> Result<(), RegistryError> {
        if today < self.starts {
            return Err(RegistryError::invalid("attendance", "not_started"));
        }
        self.invitation(unit)?.attendance = attendance;
        Ok(())
    }
}
