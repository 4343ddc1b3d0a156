//! Preparing a meeting, defined once for the API and the pages: convene it with its notice and
//! agenda, add agenda items, submit motions, propose amendments, add elections and nominate
//! candidates.
//!
//! Each step checks what only a form can get wrong (a title left empty, no seats), then makes
//! its change in one store transaction through core's rules. A refusal comes back as it is —
//! a field of the input ([`Refusal::Input`]) or a rule of core's ([`Refusal::Rule`]) — so that
//! the API answers its code and a page says it in words, naming the holders and bodies
//! concerned. Nothing is stored when a step is refused.

use federa_core::governance::{
    BodyId, Change, DocumentRef, Election, ElectionId, Fills, GovError, Holder, MeetingId, Method,
    Motion, MotionId, TermId,
};
use federa_store::Actor;
use federa_store::governance::{GovernanceError, MeetingRecord, NewMeeting};
use tally::decision::Majority;

use crate::AppState;
use crate::error::AppError;

/// Why a preparation step changed nothing.
#[derive(Debug)]
pub enum Refusal {
    /// A field of the input is missing or malformed.
    Input(AppError),
    /// Core's rules (or the store) refused the change.
    Rule(GovernanceError),
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Refusal {
        Refusal::Input(e)
    }
}

impl From<GovernanceError> for Refusal {
    fn from(e: GovernanceError) -> Refusal {
        Refusal::Rule(e)
    }
}

impl From<GovError> for Refusal {
    fn from(e: GovError) -> Refusal {
        Refusal::Rule(GovernanceError::Refused(e))
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> AppError {
        match r {
            Refusal::Input(e) => e,
            Refusal::Rule(e) => e.into(),
        }
    }
}

/// `v` trimmed, refused as `field` `required` when nothing is left.
fn required(field: &str, v: &str) -> Result<String, Refusal> {
    let v = v.trim();
    if v.is_empty() {
        return Err(AppError::invalid(field, "required").into());
    }
    Ok(v.to_string())
}

/// Convenes a meeting with its notice (place, text) and the agenda's first items; items left
/// empty are dropped.
pub async fn convene(
    s: &AppState,
    actor: Actor,
    org: i64,
    mut new: NewMeeting,
) -> Result<MeetingRecord, Refusal> {
    new.title = required("title", &new.title)?;
    new.agenda = new
        .agenda
        .iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    Ok(s.store.convene_meeting(actor, org, &new).await?)
}

/// Adds an agenda item; returns its number.
pub async fn add_agenda_item(
    s: &AppState,
    actor: Actor,
    id: MeetingId,
    title: &str,
) -> Result<u32, Refusal> {
    let title = required("title", title)?;
    Ok(s.store
        .update_meeting(actor, id, "add_agenda_item", |m, _, _| {
            m.add_agenda_item(&title)
        })
        .await?)
}

/// A motion to submit: its text typed, or the text of a document version it proposes to adopt.
pub struct NewMotion {
    pub title: String,
    /// Paragraph by paragraph; `None` with `document`: that version's text.
    pub text: Option<Vec<String>>,
    /// The body's default majority when `None`.
    pub majority: Option<Majority>,
    pub document: Option<DocumentRef>,
    /// Put the motion on this agenda item at once.
    pub agenda_item: Option<u32>,
}

/// Submits a motion to a meeting of `org`, and puts it on its agenda item if one is named.
pub async fn submit_motion(
    s: &AppState,
    actor: Actor,
    org: i64,
    id: MeetingId,
    input: NewMotion,
) -> Result<MotionId, Refusal> {
    let title = required("title", &input.title)?;
    let text = match (input.text, input.document) {
        (Some(t), _) => t,
        (None, Some(d)) => {
            let doc = s.store.get_document(d.document).await?;
            if doc.organisation_id != org {
                return Err(AppError::invalid("document", "not_found").into());
            }
            doc.document.version(d.version)?.paragraphs.clone()
        }
        (None, None) => return Err(AppError::MissingField("text".into()).into()),
    };
    Ok(s.store
        .update_meeting(actor, id, "submit_motion", |m, _, ids| {
            let majority = input.majority.unwrap_or(m.rules.majority);
            let mut motion = Motion::new(MotionId(ids.fresh()), &title, text, majority);
            if let Some(d) = input.document {
                motion = motion.adopting(d);
            }
            let mid = motion.id;
            m.submit(motion)?;
            if let Some(item) = input.agenda_item {
                m.put_on_agenda(mid, item)?;
            }
            Ok(mid)
        })
        .await?)
}

/// Proposes an amendment to paragraph `paragraph` (0-based; the number of paragraphs appends
/// one, empty text strikes it out); returns its number and its diff.
pub async fn propose_amendment(
    s: &AppState,
    actor: Actor,
    id: MeetingId,
    motion: MotionId,
    paragraph: usize,
    text: &str,
) -> Result<(usize, Vec<Change>), Refusal> {
    Ok(s.store
        .update_meeting(actor, id, "propose_amendment", |m, _, _| {
            let mo = m.motion_mut(motion)?;
            let number = mo.propose_amendment(paragraph, text)?;
            Ok((number, mo.amendments[number].diff()))
        })
        .await?)
}

/// An election to hold under an agenda item.
pub struct NewElection {
    /// The body whose seats (or office) are filled.
    pub body: BodyId,
    pub term: TermId,
    pub fills: Fills,
    pub seats: u32,
    pub method: Method,
    pub agenda_item: u32,
}

/// Adds an election to an agenda item; nominations open.
pub async fn add_election(
    s: &AppState,
    actor: Actor,
    id: MeetingId,
    input: NewElection,
) -> Result<ElectionId, Refusal> {
    if input.seats == 0 {
        return Err(AppError::invalid("seats", "out_of_range").into());
    }
    Ok(s.store
        .update_meeting(actor, id, "add_election", |m, b, ids| {
            if b.term(input.term)?.body != input.body {
                return Err(GovError::NoSuchTerm { term: input.term });
            }
            let e = Election::new(
                ElectionId(ids.fresh()),
                input.body,
                input.term,
                input.fills,
                input.seats,
                input.method,
            );
            let eid = e.id;
            m.add_election(e, input.agenda_item)?;
            Ok(eid)
        })
        .await?)
}

/// Nominates `holder` under `name`, checked against the body's rules on the meeting's day.
pub async fn nominate(
    s: &AppState,
    actor: Actor,
    id: MeetingId,
    election: ElectionId,
    holder: Holder,
    name: &str,
) -> Result<(), Refusal> {
    let name = required("name", name)?;
    s.store
        .update_meeting(actor, id, "nominate", |m, b, _| {
            let on = m.starts_at.date();
            m.election_mut(election)?.nominate(b, holder, &name, on)?;
            Ok(holder)
        })
        .await?;
    Ok(())
}
