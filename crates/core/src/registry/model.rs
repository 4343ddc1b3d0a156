//! The registry's nouns: organisations (with their registration number), people, memberships
//! of either in an organisation, the membership categories each organisation defines, nested
//! federations, and succession of one organisation by another.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};
use time::Date;

use super::RegistryError;
use super::status::Decision;
use crate::org::{MemberStatus, OrgKind, OrgStatus};

/// An organisation in the registry: a federation, an association, or a member unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub short_name: Option<String>,
    pub kind: OrgKind,
    pub district: Option<String>,
    pub sector: Option<String>,
    #[serde(with = "super::dates::option", default)]
    pub founded: Option<Date>,
    /// 统一社会信用代码, 18 characters (GB 32100-2015); see [`check_registration_number`].
    pub registration_number: Option<String>,
    pub status: OrgStatus,
    /// The organisation this one succeeded, if any.
    pub predecessor_id: Option<i64>,
    /// Whether the public member directory may show it.
    pub public: bool,
}

/// A person: an individual member, a unit's representative or contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: i64,
    /// The organisation whose registry keeps the person.
    pub organisation_id: i64,
    pub name: String,
    /// What they are in their unit, e.g. `总经理`, `办公室主任`.
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Whether the public member directory may show the name.
    pub public: bool,
}

/// Longest person name, in characters.
pub const MAX_PERSON_NAME: usize = 60;

/// The fields of a person a user gives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub public: bool,
}

/// A [`PersonInput`] that passed every rule: trimmed, empty optional fields as `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPerson {
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub public: bool,
}

impl PersonInput {
    /// Checks every field and reports every problem at once, each naming its field.
    pub fn validate(&self) -> Result<ValidPerson, crate::error::Invalid> {
        use crate::error::FieldError;
        let mut errors = Vec::new();
        let name = crate::org::required(&mut errors, "name", &self.name, MAX_PERSON_NAME);
        let title = crate::org::optional(&mut errors, "title", self.title.as_deref(), 60);
        let phone = crate::org::optional(&mut errors, "phone", self.phone.as_deref(), 40);
        if phone
            .as_deref()
            .is_some_and(|p| !super::import::valid_phone(p))
        {
            errors.push(FieldError::new("phone", "invalid_phone"));
        }
        let email = crate::org::optional(&mut errors, "email", self.email.as_deref(), 254);
        if email
            .as_deref()
            .is_some_and(|e| !super::import::valid_email(e))
        {
            errors.push(FieldError::new("email", "invalid_email"));
        }
        if errors.is_empty() {
            Ok(ValidPerson {
                name,
                title,
                phone,
                email,
                public: self.public,
            })
        } else {
            Err(crate::error::Invalid(errors))
        }
    }
}

/// Who holds a membership: an organisation (a member unit) or a person (an individual member).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Member {
    Organisation(i64),
    Person(i64),
}

/// A person a member unit names for the secretariat to reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPerson {
    pub person_id: i64,
    /// What they do for the unit, e.g. `联系人`, `财务`.
    pub role: String,
}

/// A membership category an organisation defines, e.g. 副会长单位 (vice-president unit),
/// 理事单位 (council unit), 会员单位 (ordinary unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    /// Stable key, e.g. `vice_president_unit`.
    pub key: String,
    /// Name shown in Chinese, e.g. `副会长单位`.
    pub name: String,
    /// Name shown in English.
    pub name_en: Option<String>,
    /// Order in lists; lower first.
    pub rank: u16,
    /// Annual dues for this category, in fen.
    pub annual_dues_fen: i64,
}

impl Category {
    /// Finds the category a cell names, by key, Chinese name or English name
    /// (case-insensitive, surrounding spaces ignored).
    pub fn find<'a>(categories: &'a [Category], text: &str) -> Option<&'a Category> {
        let t = text.trim();
        categories.iter().find(|c| {
            c.key.eq_ignore_ascii_case(t)
                || c.name == t
                || c.name_en
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(t))
        })
    }

    /// Checks an organisation's list: keys and names non-empty and unique, dues not negative.
    pub fn validate_all(categories: &[Category]) -> Result<(), RegistryError> {
        let mut keys = HashSet::new();
        let mut names = HashSet::new();
        for c in categories {
            if c.key.trim().is_empty() || c.name.trim().is_empty() {
                return Err(RegistryError::invalid("category", "required"));
            }
            if !keys.insert(c.key.as_str()) || !names.insert(c.name.as_str()) {
                return Err(RegistryError::invalid("category", "duplicate"));
            }
            if c.annual_dues_fen < 0 {
                return Err(RegistryError::invalid("annual_dues_fen", "negative"));
            }
        }
        Ok(())
    }
}

/// A member (unit or person) in an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub id: i64,
    /// The organisation the member belongs to.
    pub organisation_id: i64,
    pub member: Member,
    /// A [`Category::key`] of the organisation.
    pub category: String,
    #[serde(with = "super::dates")]
    pub joined: Date,
    #[serde(with = "super::dates::option", default)]
    pub left: Option<Date>,
    pub status: MemberStatus,
    /// The person who represents a member unit (votes, signs, receives notices).
    pub representative: Option<i64>,
    pub contacts: Vec<ContactPerson>,
}

impl Membership {
    /// Whether the member counts as a member on `day`: admitted or suspended, joined by then,
    /// and not yet left.
    pub fn in_force_on(&self, day: Date) -> bool {
        self.joined <= day
            && self.left.is_none_or(|l| l > day)
            && matches!(
                self.status,
                MemberStatus::Admitted | MemberStatus::Suspended
            )
    }
}

/// Every organisation below `root` through current member-unit memberships, with its depth
/// (1 = a direct member). A federation's members can be associations with their own members;
/// a cycle in the graph is an error naming an organisation on it.
pub fn nested_members(
    root: i64,
    memberships: &[Membership],
) -> Result<Vec<(i64, u32)>, RegistryError> {
    let mut children: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for m in memberships.iter().filter(|m| !m.status.is_ended()) {
        if let Member::Organisation(o) = m.member {
            children.entry(m.organisation_id).or_default().push(o);
        }
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    // Depth-first with an explicit path, so that a cycle is told apart from a diamond.
    fn walk(
        org: i64,
        depth: u32,
        children: &BTreeMap<i64, Vec<i64>>,
        path: &mut Vec<i64>,
        seen: &mut BTreeSet<i64>,
        out: &mut Vec<(i64, u32)>,
    ) -> Result<(), RegistryError> {
        for &c in children.get(&org).map(Vec::as_slice).unwrap_or(&[]) {
            if path.contains(&c) {
                return Err(RegistryError::NestingCycle { org: c });
            }
            if seen.insert(c) {
                out.push((c, depth));
            }
            path.push(c);
            walk(c, depth + 1, children, path, seen, out)?;
            path.pop();
        }
        Ok(())
    }
    walk(root, 1, &children, &mut vec![root], &mut seen, &mut out)?;
    Ok(out)
}

/// Whether making `member` a member unit of `host` would close a cycle (the host is already
/// below the member, or they are the same).
pub fn would_nest_cycle(host: i64, member: i64, memberships: &[Membership]) -> bool {
    host == member
        || nested_members(member, memberships)
            .map(|below| below.iter().any(|&(o, _)| o == host))
            .unwrap_or(true)
}

/// An association succeeded by a federation that takes over its members, documents and
/// history (as an online-media association became an Internet federation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Succession {
    pub predecessor_id: i64,
    pub successor_id: i64,
    #[serde(with = "super::dates")]
    pub on: Date,
    /// The motion or decision that decided the succession.
    pub decision: Decision,
    /// Predecessor category key → successor category key; unmapped keys are kept.
    pub category_map: BTreeMap<String, String>,
}

/// A membership the successor takes over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarriedMembership {
    /// The predecessor's membership it continues.
    pub from_membership: i64,
    pub member: Member,
    pub category: String,
    /// The original joining date: seniority carries over.
    #[serde(with = "super::dates")]
    pub joined: Date,
    pub status: MemberStatus,
    pub representative: Option<i64>,
    pub contacts: Vec<ContactPerson>,
}

/// What a succession changes; the store applies it in one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuccessionPlan {
    pub carried: Vec<CarriedMembership>,
    /// The predecessor's memberships that end on the succession date (status unchanged in
    /// history: they continue in the successor).
    pub closed: Vec<i64>,
    /// Members not carried over, with the reason (`already_member`, `ended`, `is_party`).
    pub skipped: Vec<(i64, String)>,
    /// The predecessor's new status; its documents and history are re-attached by the store.
    pub predecessor_status: OrgStatus,
}

impl Succession {
    /// Computes the successor's memberships from the predecessor's. Ended memberships stay
    /// in the predecessor's history; members already in the successor are not doubled; the two
    /// organisations themselves are never members of each other through the carry-over.
    pub fn plan(
        &self,
        predecessor_memberships: &[Membership],
        successor_memberships: &[Membership],
        successor_categories: &[Category],
    ) -> Result<SuccessionPlan, RegistryError> {
        if self.predecessor_id == self.successor_id {
            return Err(RegistryError::invalid(
                "successor_id",
                "same_as_predecessor",
            ));
        }
        let already: HashSet<Member> = successor_memberships
            .iter()
            .filter(|m| !m.status.is_ended())
            .map(|m| m.member)
            .collect();
        let mut plan = SuccessionPlan {
            carried: Vec::new(),
            closed: Vec::new(),
            skipped: Vec::new(),
            predecessor_status: OrgStatus::Succeeded,
        };
        for m in predecessor_memberships {
            if m.organisation_id != self.predecessor_id {
                return Err(RegistryError::invalid("membership", "not_of_predecessor"));
            }
            let party = matches!(m.member, Member::Organisation(o)
                if o == self.predecessor_id || o == self.successor_id);
            let reason = if m.status.is_ended() {
                Some("ended")
            } else if party {
                Some("is_party")
            } else if already.contains(&m.member) {
                Some("already_member")
            } else {
                None
            };
            if let Some(r) = reason {
                plan.skipped.push((m.id, r.into()));
                if !m.status.is_ended() {
                    plan.closed.push(m.id);
                }
                continue;
            }
            let category = self
                .category_map
                .get(&m.category)
                .unwrap_or(&m.category)
                .clone();
            if Category::find(successor_categories, &category).is_none() {
                return Err(RegistryError::Unknown {
                    what: "category".into(),
                    id: category,
                });
            }
            plan.closed.push(m.id);
            plan.carried.push(CarriedMembership {
                from_membership: m.id,
                member: m.member,
                category,
                joined: m.joined,
                status: m.status,
                representative: m.representative,
                contacts: m.contacts.clone(),
            });
        }
        Ok(plan)
    }
}

/// Checks a 统一社会信用代码 (unified social credit code, GB 32100-2015): 18 characters from
/// `0-9 A-H J-N P-R T U W-Y`, the last a check character computed with weights
/// 3^i mod 31 over the first 17.
pub fn check_registration_number(code: &str) -> bool {
    const CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let b = code.as_bytes();
    if b.len() != 18 {
        return false;
    }
    let value = |c: u8| CHARS.iter().position(|&x| x == c).map(|p| p as u32);
    let mut sum = 0;
    for (i, &c) in b[..17].iter().enumerate() {
        match value(c) {
            Some(v) => sum += v * WEIGHTS[i],
            None => return false,
        }
    }
    let check = (31 - sum % 31) % 31;
    value(b[17]) == Some(check)
}

/// Completes 17 characters with their check character; `None` if a character is not allowed.
pub fn registration_number_with_check(first17: &str) -> Option<String> {
    const CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    if first17.len() != 17 {
        return None;
    }
    (0..31u8)
        .map(|i| format!("{first17}{}", CHARS[usize::from(i)] as char))
        .find(|c| check_registration_number(c))
}
