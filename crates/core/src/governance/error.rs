//! Why a governance operation was refused. Every variant has a stable snake_case [`code`]
//! the UI translates; the `Display` text is the English fallback and names what and why.
//!
//! [`code`]: GovError::code

use serde::{Deserialize, Serialize};
use tally::decision::DecisionError;

use super::{BodyId, ElectionId, Holder, MotionId, PollId, TermId};

/// A refused operation; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum GovError {
    #[error("cannot {action}: the meeting is {state}")]
    MeetingState { action: String, state: String },
    #[error(
        "the notice of {given_hours} hours is shorter than the {required_days} days the rules require"
    )]
    NoticeTooShort {
        required_days: u32,
        given_hours: i64,
    },
    #[error("{who} is not on the roll of this meeting")]
    NotOnRoll { who: Holder },
    #[error("this body's rules allow no proxies")]
    ProxiesNotAllowed,
    #[error("{carrier} already carries {max} proxies, the most the rules allow")]
    TooManyProxies { carrier: Holder, max: u32 },
    #[error("{carrier} cannot carry a proxy: not present in person")]
    CarrierNotPresent { carrier: Holder },
    #[error("{who} cannot give a proxy to themselves")]
    ProxyToSelf { who: Holder },
    #[error("no quorum: {present} present, {required} required")]
    NoQuorum { present: u64, required: u64 },
    #[error("no agenda item {item}")]
    NoSuchAgendaItem { item: u32 },
    #[error("no motion {motion} in this meeting")]
    NoSuchMotion { motion: MotionId },
    #[error("no election {election} in this meeting")]
    NoSuchElection { election: ElectionId },
    #[error("no poll {poll} in this meeting")]
    NoSuchPoll { poll: PollId },
    #[error("no term {term}")]
    NoSuchTerm { term: TermId },
    #[error("no body {body}")]
    NoSuchBody { body: BodyId },
    #[error("the id {id} is already used")]
    DuplicateId { id: u64 },
    #[error("cannot {action} motion {motion}: it is {state}")]
    MotionState {
        motion: MotionId,
        action: String,
        state: String,
    },
    #[error("motion {motion} cannot change while its poll is open")]
    MotionInPoll { motion: MotionId },
    #[error("motion {motion} has no paragraph {paragraph}")]
    NoSuchParagraph { motion: MotionId, paragraph: usize },
    #[error("no amendment {amendment} to motion {motion}, or it was already decided")]
    NoSuchAmendment { motion: MotionId, amendment: usize },
    #[error("poll {poll} is closed")]
    PollClosed { poll: PollId },
    #[error("a poll is still open")]
    PollStillOpen { poll: PollId },
    #[error("{voter} is not entitled to vote in poll {poll}")]
    NotEntitled { poll: PollId, voter: Holder },
    #[error("{voter} has already voted in poll {poll}")]
    AlreadyVoted { poll: PollId, voter: Holder },
    #[error("{by} does not carry the proxy of {voter}")]
    NotProxy { by: Holder, voter: Holder },
    #[error("the ballot does not fit poll {poll}: {why}")]
    BadBallot { poll: PollId, why: String },
    #[error("{candidate} is not eligible for {body}: {why}")]
    Ineligible {
        candidate: Holder,
        body: BodyId,
        why: Ineligibility,
    },
    #[error("{candidate} is not a standing candidate")]
    NotACandidate { candidate: Holder },
    #[error("{candidate} is already a candidate")]
    DuplicateCandidate { candidate: Holder },
    #[error("cannot {action} election {election}: it is {state}")]
    ElectionState {
        election: ElectionId,
        action: String,
        state: String,
    },
    #[error("the election has {candidates} candidates for {seats} seats; none can be elected")]
    NoCandidates { candidates: usize, seats: u32 },
    #[error("term {term} has {seats} seats; {filled} are filled and {more} more would not fit")]
    SeatsFull {
        term: TermId,
        seats: u32,
        filled: usize,
        more: usize,
    },
    #[error("the count failed: {message}")]
    Count { message: String },
    #[error("the decision failed: {error}")]
    Decision { error: DecisionError },
    #[error("no version {version} of this document")]
    NoSuchVersion { version: u32 },
    #[error("motion {motion} was not adopted; its text cannot become current")]
    NotAdopted { motion: MotionId },
}

/// Why a candidate is not eligible, as the body's rules say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Ineligibility {
    /// The body is drawn from another body, and the candidate does not sit in it (e.g. the
    /// executive council is elected from the council's own members).
    NotSeatedIn { body: BodyId },
    /// The candidate sits in a body whose members may not sit in this one (e.g. supervisors
    /// may not sit on the council).
    SeatedIn { body: BodyId },
}

impl std::fmt::Display for Ineligibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ineligibility::NotSeatedIn { body } => write!(f, "does not sit in body {body}"),
            Ineligibility::SeatedIn { body } => write!(f, "sits in body {body}, which excludes it"),
        }
    }
}

impl GovError {
    /// A stable snake_case code for the UI (the same as the `code` field in JSON).
    pub fn code(&self) -> &'static str {
        match self {
            GovError::MeetingState { .. } => "meeting_state",
            GovError::NoticeTooShort { .. } => "notice_too_short",
            GovError::NotOnRoll { .. } => "not_on_roll",
            GovError::ProxiesNotAllowed => "proxies_not_allowed",
            GovError::TooManyProxies { .. } => "too_many_proxies",
            GovError::CarrierNotPresent { .. } => "carrier_not_present",
            GovError::ProxyToSelf { .. } => "proxy_to_self",
            GovError::NoQuorum { .. } => "no_quorum",
            GovError::NoSuchAgendaItem { .. } => "no_such_agenda_item",
            GovError::NoSuchMotion { .. } => "no_such_motion",
            GovError::NoSuchElection { .. } => "no_such_election",
            GovError::NoSuchPoll { .. } => "no_such_poll",
            GovError::NoSuchTerm { .. } => "no_such_term",
            GovError::NoSuchBody { .. } => "no_such_body",
            GovError::DuplicateId { .. } => "duplicate_id",
            GovError::MotionState { .. } => "motion_state",
            GovError::MotionInPoll { .. } => "motion_in_poll",
            GovError::NoSuchParagraph { .. } => "no_such_paragraph",
            GovError::NoSuchAmendment { .. } => "no_such_amendment",
            GovError::PollClosed { .. } => "poll_closed",
            GovError::PollStillOpen { .. } => "poll_still_open",
            GovError::NotEntitled { .. } => "not_entitled",
            GovError::AlreadyVoted { .. } => "already_voted",
            GovError::NotProxy { .. } => "not_proxy",
            GovError::BadBallot { .. } => "bad_ballot",
            GovError::Ineligible { .. } => "ineligible",
            GovError::NotACandidate { .. } => "not_a_candidate",
            GovError::DuplicateCandidate { .. } => "duplicate_candidate",
            GovError::ElectionState { .. } => "election_state",
            GovError::NoCandidates { .. } => "no_candidates",
            GovError::SeatsFull { .. } => "seats_full",
            GovError::Count { .. } => "count_failed",
            GovError::Decision { .. } => "decision_failed",
            GovError::NoSuchVersion { .. } => "no_such_version",
            GovError::NotAdopted { .. } => "not_adopted",
        }
    }
}
