//! Finding members: a validated query the store translates into SQL, and the same filter in
//! memory for callers that hold the values already.

use serde::{Deserialize, Serialize};

use super::RegistryError;
use super::model::{Membership, Organisation};
use crate::org::MemberStatus;

/// Most rows on one page.
pub const MAX_PAGE_SIZE: u32 = 200;
/// Rows on a page when the query does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 20;
/// Longest search text, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// What to sort by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    Name,
    Joined,
    District,
    Sector,
    Category,
}

impl SortKey {
    pub fn parse(s: &str) -> Option<SortKey> {
        Some(match s {
            "name" => SortKey::Name,
            "joined" => SortKey::Joined,
            "district" => SortKey::District,
            "sector" => SortKey::Sector,
            "category" => SortKey::Category,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Asc,
    Desc,
}

/// The raw query as it arrives (e.g. from a URL's query string); every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberQueryInput {
    pub q: Option<String>,
    pub district: Option<String>,
    pub sector: Option<String>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

/// A validated member search. Text matches the name, short name or registration number
/// (substring, case-insensitive); the other filters match exactly; `page` counts from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberQuery {
    pub text: Option<String>,
    pub district: Option<String>,
    pub sector: Option<String>,
    /// A category key.
    pub category: Option<String>,
    pub status: Option<MemberStatus>,
    pub sort: SortKey,
    pub order: SortOrder,
    pub page: u32,
    pub page_size: u32,
}

impl Default for MemberQuery {
    fn default() -> Self {
        MemberQuery {
            text: None,
            district: None,
            sector: None,
            category: None,
            status: None,
            sort: SortKey::Name,
            order: SortOrder::Asc,
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl MemberQueryInput {
    /// Checks the query; the first problem is the error, naming its field.
    pub fn validate(&self) -> Result<MemberQuery, RegistryError> {
        let text = clean(&self.q);
        if text
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_QUERY_CHARS)
        {
            return Err(RegistryError::invalid("q", "too_long"));
        }
        for (field, v) in [
            ("district", &self.district),
            ("sector", &self.sector),
            ("category", &self.category),
        ] {
            if clean(v).is_some_and(|t| t.chars().count() > crate::org::MAX_TEXT) {
                return Err(RegistryError::invalid(field, "too_long"));
            }
        }
        let status = match clean(&self.status) {
            None => None,
            Some(s) => Some(
                MemberStatus::parse(&s)
                    .ok_or_else(|| RegistryError::invalid("status", "unknown_status"))?,
            ),
        };
        let sort = match clean(&self.sort) {
            None => SortKey::Name,
            Some(s) => {
                SortKey::parse(&s).ok_or_else(|| RegistryError::invalid("sort", "unknown_sort"))?
            }
        };
        let order = match clean(&self.order).as_deref() {
            None | Some("asc") => SortOrder::Asc,
            Some("desc") => SortOrder::Desc,
            Some(_) => return Err(RegistryError::invalid("order", "unknown_order")),
        };
        let page = self.page.unwrap_or(1);
        if page == 0 || page > 1_000_000 {
            return Err(RegistryError::invalid("page", "out_of_range"));
        }
        let page_size = self.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
        if page_size == 0 || page_size > MAX_PAGE_SIZE {
            return Err(RegistryError::invalid("page_size", "out_of_range"));
        }
        Ok(MemberQuery {
            text,
            district: clean(&self.district),
            sector: clean(&self.sector),
            category: clean(&self.category),
            status,
            sort,
            order,
            page,
            page_size,
        })
    }
}

impl MemberQuery {
    /// Rows to skip: `(page - 1) * page_size`.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.page_size)
    }

    pub fn limit(&self) -> u64 {
        u64::from(self.page_size)
    }

    /// The text as a SQL `LIKE` pattern (`%text%`) with `\` as the escape character, so that
    /// `%` and `_` typed by a user match themselves: use `LIKE ? ESCAPE '\'`.
    pub fn like_pattern(&self) -> Option<String> {
        let t = self.text.as_ref()?;
        let mut p = String::with_capacity(t.len() + 2);
        p.push('%');
        for c in t.chars() {
            if matches!(c, '%' | '_' | '\\') {
                p.push('\\');
            }
            p.push(c);
        }
        p.push('%');
        Some(p)
    }

    /// The same filter in memory (used by tests, the demo, and the public directory cache).
    pub fn matches(&self, org: &Organisation, m: &Membership) -> bool {
        let eq = |want: &Option<String>, have: &Option<String>| {
            want.as_ref().is_none_or(|w| have.as_ref() == Some(w))
        };
        let text_ok = self.text.as_ref().is_none_or(|t| {
            let t = t.to_lowercase();
            org.name.to_lowercase().contains(&t)
                || org
                    .short_name
                    .as_ref()
                    .is_some_and(|s| s.to_lowercase().contains(&t))
                || org
                    .registration_number
                    .as_ref()
                    .is_some_and(|r| r.to_lowercase().contains(&t))
        });
        text_ok
            && eq(&self.district, &org.district)
            && eq(&self.sector, &org.sector)
            && self.category.as_ref().is_none_or(|c| *c == m.category)
            && self.status.is_none_or(|s| s == m.status)
    }
}

/// What the public member directory shows of a member unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub organisation_id: i64,
    pub name: String,
    pub short_name: Option<String>,
    pub district: Option<String>,
    pub sector: Option<String>,
    /// The category's display name.
    pub category: String,
    pub joined_year: i32,
}

/// The directory entry of a member unit, or `None` when the organisation is not marked public
/// or the membership is not in force on `today` (applicants, suspended, ended members are
/// not listed). Registration numbers and contacts are never public.
pub fn directory_entry(
    org: &Organisation,
    m: &Membership,
    categories: &[super::Category],
    today: time::Date,
) -> Option<DirectoryEntry> {
    if !org.public || m.status != MemberStatus::Admitted || !m.in_force_on(today) {
        return None;
    }
    Some(DirectoryEntry {
        organisation_id: org.id,
        name: org.name.clone(),
        short_name: org.short_name.clone(),
        district: org.district.clone(),
        sector: org.sector.clone(),
        category: super::Category::find(categories, &m.category)
            .map_or_else(|| m.category.clone(), |c| c.name.clone()),
        joined_year: m.joined.year(),
    })
}
