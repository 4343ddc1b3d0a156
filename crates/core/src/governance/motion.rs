//! Motions and their amendments; documents (the charter) with every version kept; diffs.

use serde::{Deserialize, Serialize};
use similar::{Algorithm, ChangeTag, DiffOp, TextDiff};
use tally::decision::{Decision, Majority};
use time::OffsetDateTime;

use super::{DocumentId, GovError, MeetingId, MotionId, PollId};

/// Where a motion is in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MotionState {
    Submitted,
    OnAgenda,
    Voting,
    Adopted,
    Rejected,
    Withdrawn,
}

impl MotionState {
    pub fn as_str(self) -> &'static str {
        match self {
            MotionState::Submitted => "submitted",
            MotionState::OnAgenda => "on_agenda",
            MotionState::Voting => "voting",
            MotionState::Adopted => "adopted",
            MotionState::Rejected => "rejected",
            MotionState::Withdrawn => "withdrawn",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmendmentState {
    Proposed,
    Accepted,
    Rejected,
}

/// A proposed new text for one paragraph of a motion (empty text strikes the paragraph out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    pub paragraph: usize,
    pub old: String,
    pub new: String,
    pub state: AmendmentState,
}

impl Amendment {
    /// The change, word by word (character by character in Chinese text).
    pub fn diff(&self) -> Vec<Change> {
        diff_text(&self.old, &self.new)
    }
}

/// A document version a motion proposes to adopt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    pub document: DocumentId,
    pub version: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Motion {
    pub id: MotionId,
    pub title: String,
    /// The text, paragraph by paragraph (amendments accepted so far applied).
    pub text: Vec<String>,
    pub document: Option<DocumentRef>,
    pub majority: Majority,
    pub agenda_item: Option<u32>,
    pub state: MotionState,
    pub amendments: Vec<Amendment>,
    pub poll: Option<PollId>,
    pub decision: Option<Decision>,
}

impl Motion {
    /// A new motion; `majority` is the body's default unless the charter requires another for
    /// this kind of business.
    pub fn new(id: MotionId, title: &str, text: Vec<String>, majority: Majority) -> Motion {
        Motion {
            id,
            title: title.into(),
            text,
            document: None,
            majority,
            agenda_item: None,
            state: MotionState::Submitted,
            amendments: Vec::new(),
            poll: None,
            decision: None,
        }
    }

    /// Proposes to adopt `version` of `document`, whose paragraphs are `text`.
    pub fn adopting(mut self, document: DocumentRef) -> Motion {
        self.document = Some(document);
        self
    }

    fn refuse(&self, action: &str) -> GovError {
        if self.state == MotionState::Voting {
            GovError::MotionInPoll { motion: self.id }
        } else {
            GovError::MotionState {
                motion: self.id,
                action: action.into(),
                state: self.state.as_str().into(),
            }
        }
    }

    fn changeable(&self, action: &str) -> Result<(), GovError> {
        match self.state {
            MotionState::Submitted | MotionState::OnAgenda => Ok(()),
            _ => Err(self.refuse(action)),
        }
    }

    /// Proposes an amendment to paragraph `paragraph` (0-based; `text.len()` appends one);
    /// returns its number.
    pub fn propose_amendment(&mut self, paragraph: usize, new: &str) -> Result<usize, GovError> {
        self.changeable("amend")?;
        if paragraph > self.text.len() {
            return Err(GovError::NoSuchParagraph {
                motion: self.id,
                paragraph,
            });
        }
        self.amendments.push(Amendment {
            paragraph,
            old: self.text.get(paragraph).cloned().unwrap_or_default(),
            new: new.into(),
            state: AmendmentState::Proposed,
        });
        Ok(self.amendments.len() - 1)
    }

    /// Accepts (after its own vote, or by consent) or rejects a proposed amendment; an accepted
    /// one changes the text.
    pub fn decide_amendment(&mut self, amendment: usize, accept: bool) -> Result<(), GovError> {
        self.changeable("amend")?;
        let id = self.id;
        let a = self
            .amendments
            .get_mut(amendment)
            .filter(|a| a.state == AmendmentState::Proposed)
            .ok_or(GovError::NoSuchAmendment {
                motion: id,
                amendment,
            })?;
        if !accept {
            a.state = AmendmentState::Rejected;
            return Ok(());
        }
        a.state = AmendmentState::Accepted;
        let (p, new) = (a.paragraph, a.new.clone());
        if p == self.text.len() {
            self.text.push(new);
        } else if new.is_empty() {
            self.text.remove(p);
        } else {
            self.text[p] = new;
        }
        Ok(())
    }

    pub fn withdraw(&mut self) -> Result<(), GovError> {
        self.changeable("withdraw")?;
        self.state = MotionState::Withdrawn;
        Ok(())
    }

    pub(crate) fn put_on_agenda(&mut self, item: u32) -> Result<(), GovError> {
        if self.state != MotionState::Submitted {
            return Err(self.refuse("put on the agenda"));
        }
        self.agenda_item = Some(item);
        self.state = MotionState::OnAgenda;
        Ok(())
    }

    pub(crate) fn start_voting(&mut self, poll: PollId) -> Result<(), GovError> {
        if self.state != MotionState::OnAgenda {
            return Err(self.refuse("vote on"));
        }
        self.poll = Some(poll);
        self.state = MotionState::Voting;
        Ok(())
    }

    pub(crate) fn record(&mut self, decision: Decision) {
        self.state = if decision.adopted {
            MotionState::Adopted
        } else {
            MotionState::Rejected
        };
        self.decision = Some(decision);
    }
}

/// A run of text that stayed, came in or went out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "text", rename_all = "snake_case")]
pub enum Change {
    Same(String),
    Added(String),
    Removed(String),
}

/// Diffs two texts by Unicode words (UAX #29: a Chinese character is its own word), merging
/// runs of the same kind.
pub fn diff_text(old: &str, new: &str) -> Vec<Change> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_unicode_words(old, new);
    let mut out: Vec<Change> = Vec::new();
    for c in diff.iter_all_changes() {
        let s = c.value();
        match (out.last_mut(), c.tag()) {
            (Some(Change::Same(t)), ChangeTag::Equal)
            | (Some(Change::Added(t)), ChangeTag::Insert)
            | (Some(Change::Removed(t)), ChangeTag::Delete) => t.push_str(s),
            (_, ChangeTag::Equal) => out.push(Change::Same(s.into())),
            (_, ChangeTag::Insert) => out.push(Change::Added(s.into())),
            (_, ChangeTag::Delete) => out.push(Change::Removed(s.into())),
        }
    }
    out
}

/// How one paragraph differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ParagraphDiff {
    Same { text: String },
    Added { text: String },
    Removed { text: String },
    Changed { changes: Vec<Change> },
}

/// Diffs two texts paragraph by paragraph; changed paragraphs get a word diff.
pub fn diff_paragraphs(old: &[String], new: &[String]) -> Vec<ParagraphDiff> {
    let mut out = Vec::new();
    for op in similar::capture_diff_slices(Algorithm::Patience, old, new) {
        match op {
            DiffOp::Equal { old_index, len, .. } => out.extend(
                old[old_index..old_index + len]
                    .iter()
                    .map(|t| ParagraphDiff::Same { text: t.clone() }),
            ),
            DiffOp::Delete {
                old_index, old_len, ..
            } => out.extend(
                old[old_index..old_index + old_len]
                    .iter()
                    .map(|t| ParagraphDiff::Removed { text: t.clone() }),
            ),
            DiffOp::Insert {
                new_index, new_len, ..
            } => out.extend(
                new[new_index..new_index + new_len]
                    .iter()
                    .map(|t| ParagraphDiff::Added { text: t.clone() }),
            ),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let (o, n) = (
                    &old[old_index..old_index + old_len],
                    &new[new_index..new_index + new_len],
                );
                for i in 0..old_len.max(new_len) {
                    out.push(match (o.get(i), n.get(i)) {
                        (Some(a), Some(b)) => ParagraphDiff::Changed {
                            changes: diff_text(a, b),
                        },
                        (Some(a), None) => ParagraphDiff::Removed { text: a.clone() },
                        (None, Some(b)) => ParagraphDiff::Added { text: b.clone() },
                        (None, None) => continue,
                    });
                }
            }
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Charter,
    Rules,
    Convention,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Draft,
    Adopted,
    /// Adopted once, replaced since by a later adopted version.
    Superseded,
}

/// The motion and vote that adopted a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adoption {
    pub meeting: MeetingId,
    pub motion: MotionId,
    pub poll: Option<PollId>,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// 1 for the first version.
    pub number: u32,
    pub paragraphs: Vec<String>,
    pub based_on: Option<u32>,
    pub status: VersionStatus,
    pub adoption: Option<Adoption>,
}

/// A document with every version kept: drafts, the current version, superseded ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub id: DocumentId,
    pub kind: DocumentKind,
    pub title: String,
    pub versions: Vec<Version>,
    /// The version in force.
    pub current: Option<u32>,
}

impl Document {
    pub fn new(id: DocumentId, kind: DocumentKind, title: &str) -> Document {
        Document {
            id,
            kind,
            title: title.into(),
            versions: Vec::new(),
            current: None,
        }
    }

    /// Adds a draft; returns its version number.
    pub fn draft(&mut self, paragraphs: Vec<String>, based_on: Option<u32>) -> u32 {
        let number = self.versions.len() as u32 + 1;
        self.versions.push(Version {
            number,
            paragraphs,
            based_on,
            status: VersionStatus::Draft,
            adoption: None,
        });
        number
    }

    pub fn version(&self, number: u32) -> Result<&Version, GovError> {
        self.versions
            .iter()
            .find(|v| v.number == number)
            .ok_or(GovError::NoSuchVersion { version: number })
    }

    /// Makes an adopted motion's text the current version. If amendments changed the text, the
    /// adopted text becomes a new version based on the one the motion proposed. Returns the
    /// number of the version now current.
    pub fn adopt(
        &mut self,
        motion: &Motion,
        meeting: MeetingId,
        at: OffsetDateTime,
    ) -> Result<u32, GovError> {
        if motion.state != MotionState::Adopted {
            return Err(GovError::NotAdopted { motion: motion.id });
        }
        let proposed = motion.document.filter(|d| d.document == self.id);
        let number = match proposed {
            Some(d) if self.version(d.version)?.paragraphs == motion.text => d.version,
            Some(d) => self.draft(motion.text.clone(), Some(d.version)),
            None => self.draft(motion.text.clone(), self.current),
        };
        for v in &mut self.versions {
            if v.status == VersionStatus::Adopted {
                v.status = VersionStatus::Superseded;
            }
            if v.number == number {
                v.status = VersionStatus::Adopted;
                v.adoption = Some(Adoption {
                    meeting,
                    motion: motion.id,
                    poll: motion.poll,
                    at,
                });
            }
        }
        self.current = Some(number);
        Ok(number)
    }

    /// How version `b` differs from version `a`.
    pub fn compare(&self, a: u32, b: u32) -> Result<Vec<ParagraphDiff>, GovError> {
        Ok(diff_paragraphs(
            &self.version(a)?.paragraphs,
            &self.version(b)?.paragraphs,
        ))
    }
}
