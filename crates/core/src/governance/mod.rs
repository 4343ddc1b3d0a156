//! Bodies, terms, seats and offices; meetings, attendance and quorum; motions; elections and polls.
//!
//! Pure rules: every function takes values (and the current time, where it records one) and
//! returns values or a [`GovError`]; nothing here reads a clock, a file or a database. A refused
//! operation changes nothing, so the store can call a rule on the loaded value, persist the
//! value only on `Ok`, and translate the error's [`GovError::code`].
//!
//! # The API in one page
//!
//! - [`Bodies`] holds the organisation's [`Body`]s (kind, [`BodyRules`]: seats, who elects it,
//!   `drawn_from`, `incompatible_with`, [`Quorum`](tally::decision::Quorum), default
//!   [`Majority`](tally::decision::Majority), [`ProxyRule`], notice days) and their [`Term`]s
//!   (届), each with [`Seat`]s and [`Office`]s. [`Bodies::check_eligible`] applies "the
//!   executive council is drawn from the council" and "supervisors may not sit on the council".
//! - [`Meeting::convene`] takes a body and a term (its seats are the roll) and a notice time.
//!   Then [`Meeting::sign_in`], [`Meeting::give_proxy`], [`Meeting::open`] (refused without
//!   quorum), [`Meeting::add_agenda_item`], [`Meeting::submit`] a [`Motion`],
//!   [`Meeting::put_on_agenda`], [`Meeting::add_election`] an [`Election`], and
//!   [`Meeting::close`], later [`Meeting::approve_minutes`]. [`Meeting::quorum`] is the quorum
//!   as it stands, computed from attendance.
//! - Votes: [`Meeting::open_motion_poll`] / [`Meeting::open_election_poll`] check the quorum
//!   and snapshot the entitled voters (present in person or by proxy, with weights) into a
//!   [`Poll`]; [`Meeting::cast`] records one [`BallotContent`] per voter (refusing the
//!   non-entitled, second votes, votes after close, and votes once the quorum is lost);
//!   [`Meeting::close_motion_poll`] returns a [`Decision`](tally::decision::Decision) (rule,
//!   numbers, reason, explanation) and sets the motion adopted or rejected;
//!   [`Meeting::close_election_poll`] counts a round with `tally` ([`Method`]: approval with a
//!   threshold, block vote, IRV, STV) and returns the [`ElectionRound`] with its
//!   [`Outcome`](tally::Outcome). Seats a round leaves unfilled go to a further round
//!   ([`Meeting::open_election_poll`] again); [`Election::install`] seats the elected in the
//!   term or gives them the office.
//! - [`Motion`]: amendments per paragraph ([`Motion::propose_amendment`],
//!   [`Motion::decide_amendment`], [`Amendment::diff`]), withdrawal; none of these while its poll
//!   is open ([`GovError::MotionInPoll`]). [`Document`] keeps every [`Version`];
//!   [`Document::adopt`] makes an adopted motion's text current, linked to the motion and poll;
//!   [`Document::compare`] diffs two versions paragraph by paragraph, then word by word.
//!
//! # What the store must keep
//!
//! Ids are the caller's (the store's keys). Everything derives serde, so a [`Meeting`] can be
//! persisted whole or split into rows. A poll's voters are snapshotted when it opens: store the
//! snapshot, not a reference to the live roll. For secret polls, read the invariant in
//! [`poll`]: who voted and what was voted are kept apart and must stay unjoinable in the
//! database too; "one vote per voter" needs a unique key on (poll, voter) written in the same
//! transaction as the ballot.

mod body;
mod election;
mod error;
mod meeting;
pub mod minutes;
mod motion;
pub mod poll;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use body::{Bodies, Body, BodyKind, BodyRules, Office, OfficeKind, ProxyRule, Seat, Term};
pub use election::{Candidate, Election, ElectionRound, ElectionState, Fills, Method};
pub use error::{GovError, Ineligibility};
pub use meeting::{AgendaItem, Attendee, Meeting, MeetingState, Presence, vote};
pub use motion::{
    Adoption, Amendment, AmendmentState, Change, Document, DocumentKind, DocumentRef, Motion,
    MotionState, ParagraphDiff, Version, VersionStatus, diff_paragraphs, diff_text,
};
pub use poll::{
    BallotContent, BallotForm, Entitlement, Pile, Poll, PollState, PollSubject, Receipt, Secrecy,
};

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

ids!(
    BodyId, TermId, MeetingId, MotionId, PollId, ElectionId, DocumentId
);

/// Maps whose keys are not strings (a [`Holder`], a [`BallotContent`]) serialize as lists of
/// `[key, value]` pairs, so that JSON (whose object keys are strings) can carry them.
pub(crate) mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, K: Serialize, V: Serialize>(
        map: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, D, K, V>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        D: Deserializer<'de>,
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

/// Who holds a seat, an office or a vote: a member unit (an organisation) or a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Holder {
    Unit(u64),
    Person(u64),
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Holder::Unit(id) => write!(f, "member unit {id}"),
            Holder::Person(id) => write!(f, "person {id}"),
        }
    }
}
