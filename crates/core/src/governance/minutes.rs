//! The minutes of a meeting, as a pure function of the record: who attended and how, the
//! quorum at opening and at each vote, each agenda item with its motions (text, amendments,
//! votes, the rule and the result), and each election with its candidates and rounds, an STV
//! count round by round. Also the rows of a results spreadsheet and the data of a calendar
//! event for the meeting.
//!
//! Nothing here formats for a medium or a language: the web layer renders [`Minutes`] as HTML,
//! PDF and CSV, translating the codes it carries (states, choices, outcomes).
//!
//! Each agenda item lists the motions and then the elections taken under it. Elections recorded
//! before they named their agenda item are listed apart, after the items, in the order they
//! were added.

use std::collections::BTreeMap;

use serde::Serialize;
use tally::decision::{Choice, Decision, Majority, QuorumCheck};
use tally::{CandidateId, Outcome};
use time::OffsetDateTime;

use super::{
    Amendment, AmendmentState, BallotContent, Bodies, BodyId, BodyKind, Change, Document,
    DocumentId, Election, ElectionId, ElectionState, Fills, GovError, Holder, Meeting, MeetingId,
    MeetingState, Method, Motion, MotionId, MotionState, Poll, PollId, PollState, Presence,
    Secrecy,
};

/// The names to print for holders; a holder without one is printed as [`Holder`]'s `Display`.
pub type Names = BTreeMap<Holder, String>;

fn name_of(names: &Names, h: Holder) -> String {
    names.get(&h).cloned().unwrap_or_else(|| h.to_string())
}

/// The minutes of one meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Minutes {
    pub meeting: MeetingId,
    pub title: String,
    pub body: BodyId,
    pub body_name: String,
    pub body_kind: BodyKind,
    /// The term's number (1 for "the first council").
    pub term_number: u32,
    pub state: MeetingState,
    #[serde(with = "time::serde::rfc3339")]
    pub notice_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub opened_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// The later meeting that approved these minutes.
    pub approved_by: Option<MeetingId>,
    pub attendance: Attendance,
    /// The quorum with the attendance as recorded last (at the close, for a closed meeting).
    pub quorum: QuorumCheck,
    pub items: Vec<ItemRecord>,
    /// Motions submitted but never put on the agenda.
    pub unscheduled: Vec<MotionRecord>,
    /// Elections that name no agenda item (recorded before elections named theirs).
    pub elections: Vec<ElectionRecord>,
}

/// The roll with each member's presence, and the totals (weights).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attendance {
    pub lines: Vec<AttendanceLine>,
    /// The total weight of the roll.
    pub members: u64,
    pub in_person: u64,
    pub by_proxy: u64,
    pub absent: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttendanceLine {
    pub holder: Holder,
    pub name: String,
    pub weight: u64,
    pub presence: PresenceRecord,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PresenceRecord {
    Present,
    Proxy {
        carrier: Holder,
        carrier_name: String,
    },
    Absent,
}

impl PresenceRecord {
    /// `present`, `proxy` or `absent`.
    pub fn code(&self) -> &'static str {
        match self {
            PresenceRecord::Present => "present",
            PresenceRecord::Proxy { .. } => "proxy",
            PresenceRecord::Absent => "absent",
        }
    }
}

/// An agenda item and the motions and elections taken under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemRecord {
    pub number: u32,
    pub title: String,
    pub motions: Vec<MotionRecord>,
    pub elections: Vec<ElectionRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MotionRecord {
    pub id: MotionId,
    pub title: String,
    /// The text as voted (accepted amendments applied).
    pub text: Vec<String>,
    /// The document version the motion proposes to adopt: its id, title and version number.
    pub document: Option<(DocumentId, String, u32)>,
    pub majority: Majority,
    pub state: MotionState,
    pub amendments: Vec<AmendmentRecord>,
    pub poll: Option<PollRecord>,
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AmendmentRecord {
    /// 1 for the first paragraph (as a reader counts).
    pub paragraph: usize,
    pub state: AmendmentState,
    pub diff: Vec<Change>,
}

impl AmendmentRecord {
    fn of(a: &Amendment) -> AmendmentRecord {
        AmendmentRecord {
            paragraph: a.paragraph + 1,
            state: a.state,
            diff: a.diff(),
        }
    }
}

/// A poll as the minutes report it: when, the quorum when it opened, who could and did vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollRecord {
    pub id: PollId,
    pub secrecy: Secrecy,
    pub state: PollState,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub quorum: QuorumCheck,
    /// How many were entitled to vote, and their total weight.
    pub entitled: usize,
    pub entitled_weight: u64,
    /// How many voted (ballots recorded, in person or by proxy).
    pub voted: usize,
    /// A named motion poll: each voter's choice, by name (public by design). Empty for secret
    /// polls and for election rounds.
    pub roll_call: Vec<(String, Choice)>,
}

impl PollRecord {
    fn of(p: &Poll, names: &Names) -> PollRecord {
        let mut roll_call: Vec<(String, Choice)> = p
            .named
            .iter()
            .filter_map(|(h, b)| match b {
                BallotContent::Motion { choice } => Some((name_of(names, *h), *choice)),
                _ => None,
            })
            .collect();
        roll_call.sort();
        PollRecord {
            id: p.id,
            secrecy: p.secrecy,
            state: p.state,
            opened_at: p.opened_at,
            closed_at: p.closed_at,
            quorum: p.quorum,
            entitled: p.entitled.len(),
            entitled_weight: p.entitled.values().map(|e| e.weight).sum(),
            voted: p.voted.len(),
            roll_call,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElectionRecord {
    pub id: ElectionId,
    /// The body whose seats or office the election fills.
    pub body: BodyId,
    pub body_name: String,
    pub fills: Fills,
    pub seats: u32,
    pub method: Method,
    /// More candidates than seats (差额选举).
    pub competitive: bool,
    pub state: ElectionState,
    pub candidates: Vec<CandidateRecord>,
    pub rounds: Vec<RoundRecord>,
    /// Everyone elected, in order.
    pub elected: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CandidateRecord {
    pub holder: Holder,
    pub name: String,
    pub withdrawn: bool,
    /// The round that elected the candidate.
    pub elected_in_round: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundRecord {
    pub number: u32,
    pub seats: u32,
    /// The candidates of this round, in ballot order.
    pub candidates: Vec<String>,
    pub poll: Option<PollRecord>,
    pub elected: Vec<String>,
    /// The count, stage by stage; `None` until the round is counted.
    pub table: Option<RoundTable>,
    /// The rule of the count and where it comes from.
    pub rule: Option<(String, String)>,
    /// Ballots set aside: how many, and why.
    pub set_aside: Vec<(u64, String)>,
    pub notes: Vec<String>,
}

/// A count stage by stage: one row per candidate, one column per stage (an STV count's
/// round-by-round table; a single column for approval or a block vote).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoundTable {
    /// The stage numbers, the columns.
    pub stages: Vec<u32>,
    pub rows: Vec<TableRow>,
    /// The quota at each stage, where the method has one.
    pub quota: Vec<Option<String>>,
    /// Votes that could not be transferred, cumulative, at each stage.
    pub non_transferable: Vec<Option<String>>,
    /// What happened at each stage, as the count explains it.
    pub actions: Vec<String>,
}

impl RoundTable {
    /// Whether any stage has a quota (or non-transferable votes) to show.
    pub fn has_quota(&self) -> bool {
        self.quota.iter().any(Option::is_some)
    }

    pub fn has_non_transferable(&self) -> bool {
        self.non_transferable.iter().any(Option::is_some)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableRow {
    pub candidate: String,
    /// The candidate's votes at each stage; `None` once excluded (or not counted).
    pub votes: Vec<Option<String>>,
    /// The stage that elected the candidate.
    pub elected_at: Option<u32>,
    /// The stage that excluded the candidate.
    pub excluded_at: Option<u32>,
}

/// Builds the stage-by-stage table of a count; `candidates` are the names in the round's
/// ballot order (a [`CandidateId`] indexes them).
pub fn round_table(outcome: &Outcome, candidates: &[String]) -> RoundTable {
    let stages: Vec<u32> = outcome.rounds.iter().map(|r| r.number).collect();
    let name = |c: CandidateId| {
        candidates
            .get(c.index())
            .cloned()
            .unwrap_or_else(|| format!("#{}", c.0))
    };
    let rows = (0..candidates.len())
        .map(|i| {
            let id = CandidateId(i as u32);
            TableRow {
                candidate: name(id),
                votes: outcome
                    .rounds
                    .iter()
                    .map(|r| {
                        r.tallies
                            .iter()
                            .find(|t| t.candidate == id)
                            .map(|t| t.votes.clone())
                    })
                    .collect(),
                elected_at: outcome
                    .rounds
                    .iter()
                    .find(|r| r.elected.contains(&id))
                    .map(|r| r.number),
                excluded_at: outcome
                    .rounds
                    .iter()
                    .find(|r| r.excluded.contains(&id))
                    .map(|r| r.number),
            }
        })
        .collect();
    RoundTable {
        stages,
        rows,
        quota: outcome.rounds.iter().map(|r| r.quota.clone()).collect(),
        non_transferable: outcome
            .rounds
            .iter()
            .map(|r| r.non_transferable.clone())
            .collect(),
        actions: outcome.rounds.iter().map(|r| r.action.clone()).collect(),
    }
}

fn motion_record(
    m: &Motion,
    meeting: &Meeting,
    documents: &[Document],
    names: &Names,
) -> MotionRecord {
    MotionRecord {
        id: m.id,
        title: m.title.clone(),
        text: m.text.clone(),
        document: m.document.map(|d| {
            let title = documents
                .iter()
                .find(|doc| doc.id == d.document)
                .map(|doc| doc.title.clone())
                .unwrap_or_else(|| format!("document {}", d.document));
            (d.document, title, d.version)
        }),
        majority: m.majority,
        state: m.state,
        amendments: m.amendments.iter().map(AmendmentRecord::of).collect(),
        poll: m
            .poll
            .and_then(|p| meeting.poll(p).ok())
            .map(|p| PollRecord::of(p, names)),
        decision: m.decision.clone(),
    }
}

fn election_record(
    e: &Election,
    meeting: &Meeting,
    bodies: &Bodies,
    names: &Names,
) -> ElectionRecord {
    let cand_name = |i: usize| {
        e.candidates
            .get(i)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| format!("#{i}"))
    };
    let rounds: Vec<RoundRecord> = e
        .rounds
        .iter()
        .map(|r| {
            let candidates: Vec<String> = r.candidates.iter().map(|&i| cand_name(i)).collect();
            let elected_name = |h: &Holder| {
                e.candidates
                    .iter()
                    .find(|c| c.holder == *h)
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| name_of(names, *h))
            };
            RoundRecord {
                number: r.number,
                seats: r.seats,
                poll: meeting.poll(r.poll).ok().map(|p| PollRecord::of(p, names)),
                elected: r.elected.iter().map(elected_name).collect(),
                table: r.outcome.as_ref().map(|o| round_table(o, &candidates)),
                rule: r
                    .outcome
                    .as_ref()
                    .map(|o| (o.method.clone(), o.source.clone())),
                set_aside: r
                    .outcome
                    .as_ref()
                    .map(|o| {
                        o.set_aside
                            .iter()
                            .map(|s| (s.count, s.reason.clone()))
                            .collect()
                    })
                    .unwrap_or_default(),
                notes: r
                    .outcome
                    .as_ref()
                    .map(|o| o.notes.clone())
                    .unwrap_or_default(),
                candidates,
            }
        })
        .collect();
    ElectionRecord {
        id: e.id,
        body: e.body,
        body_name: bodies
            .body(e.body)
            .map(|b| b.name.clone())
            .unwrap_or_else(|_| format!("body {}", e.body)),
        fills: e.fills.clone(),
        seats: e.seats,
        method: e.method,
        competitive: e.competitive(),
        state: e.state,
        candidates: e
            .candidates
            .iter()
            .map(|c| CandidateRecord {
                holder: c.holder,
                name: c.name.clone(),
                withdrawn: c.withdrawn,
                elected_in_round: e
                    .rounds
                    .iter()
                    .find(|r| r.elected.contains(&c.holder))
                    .map(|r| r.number),
            })
            .collect(),
        elected: e
            .elected
            .iter()
            .map(|h| {
                e.candidates
                    .iter()
                    .find(|c| c.holder == *h)
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| name_of(names, *h))
            })
            .collect(),
        rounds,
    }
}

/// The minutes of `meeting`, with the bodies (for names and the term), the documents its
/// motions adopt, and the holders' names. Refused only if the meeting's body or term is
/// unknown.
pub fn minutes(
    meeting: &Meeting,
    bodies: &Bodies,
    documents: &[Document],
    names: &Names,
) -> Result<Minutes, GovError> {
    let body = bodies.body(meeting.body)?;
    let term = bodies.term(meeting.term)?;
    let (mut in_person, mut by_proxy, mut absent) = (0, 0, 0);
    let lines = meeting
        .roll
        .iter()
        .map(|(h, a)| {
            let presence = match a.presence {
                Presence::Present => {
                    in_person += a.weight;
                    PresenceRecord::Present
                }
                Presence::Proxy { carrier } => {
                    by_proxy += a.weight;
                    PresenceRecord::Proxy {
                        carrier,
                        carrier_name: name_of(names, carrier),
                    }
                }
                Presence::Absent => {
                    absent += a.weight;
                    PresenceRecord::Absent
                }
            };
            AttendanceLine {
                holder: *h,
                name: name_of(names, *h),
                weight: a.weight,
                presence,
            }
        })
        .collect();
    let items = meeting
        .agenda
        .iter()
        .map(|item| ItemRecord {
            number: item.number,
            title: item.title.clone(),
            motions: meeting
                .motions
                .iter()
                .filter(|m| m.agenda_item == Some(item.number))
                .map(|m| motion_record(m, meeting, documents, names))
                .collect(),
            elections: meeting
                .elections
                .iter()
                .filter(|e| e.agenda_item == Some(item.number))
                .map(|e| election_record(e, meeting, bodies, names))
                .collect(),
        })
        .collect();
    Ok(Minutes {
        meeting: meeting.id,
        title: meeting.title.clone(),
        body: body.id,
        body_name: body.name.clone(),
        body_kind: body.kind,
        term_number: term.number,
        state: meeting.state,
        notice_at: meeting.notice_at,
        starts_at: meeting.starts_at,
        opened_at: meeting.opened_at,
        closed_at: meeting.closed_at,
        approved_by: meeting.minutes_approved_by,
        attendance: Attendance {
            lines,
            members: meeting.members(),
            in_person,
            by_proxy,
            absent,
        },
        quorum: meeting.quorum(),
        items,
        unscheduled: meeting
            .motions
            .iter()
            .filter(|m| m.agenda_item.is_none())
            .map(|m| motion_record(m, meeting, documents, names))
            .collect(),
        elections: meeting
            .elections
            .iter()
            .filter(|e| e.agenda_item.is_none())
            .map(|e| election_record(e, meeting, bodies, names))
            .collect(),
    })
}

/// One line of a results spreadsheet: one option of one vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultRow {
    /// The agenda item, if the motion or election was taken under one.
    pub item: Option<u32>,
    /// `motion` or `election`.
    pub kind: &'static str,
    pub subject: String,
    /// The election round.
    pub round: Option<u32>,
    pub poll: Option<PollId>,
    /// `yes`, `no`, `abstain`, or a candidate's name.
    pub option: String,
    /// The votes (weights) for this option; for a multi-stage count, at the last stage the
    /// candidate was counted in.
    pub votes: String,
    /// `adopted` or `rejected` for a motion; `elected`, `excluded` or `not_elected` for a
    /// candidate.
    pub result: &'static str,
    /// The rule: the majority in words, or the counting method.
    pub rule: String,
    /// A motion's base and threshold (the fewest yes votes that adopt it).
    pub base: Option<u64>,
    pub threshold: Option<u64>,
}

impl ResultRow {
    /// The column names, in the order of [`ResultRow::cells`].
    pub const HEADER: [&'static str; 11] = [
        "item",
        "kind",
        "subject",
        "round",
        "poll",
        "option",
        "votes",
        "result",
        "rule",
        "base",
        "threshold",
    ];

    pub fn cells(&self) -> [String; 11] {
        let opt = |v: Option<u64>| v.map(|n| n.to_string()).unwrap_or_default();
        [
            opt(self.item.map(u64::from)),
            self.kind.to_string(),
            self.subject.clone(),
            opt(self.round.map(u64::from)),
            opt(self.poll.map(|p| p.0)),
            self.option.clone(),
            self.votes.clone(),
            self.result.to_string(),
            self.rule.clone(),
            opt(self.base),
            opt(self.threshold),
        ]
    }
}

/// The results of every decided motion and counted election round, one row per option: item
/// by item, its motions then its elections; then the elections that name no item.
pub fn result_rows(m: &Minutes) -> Vec<ResultRow> {
    let mut rows = Vec::new();
    for i in &m.items {
        for mo in &i.motions {
            motion_rows(&mut rows, Some(i.number), mo);
        }
        for e in &i.elections {
            election_rows(&mut rows, Some(i.number), e);
        }
    }
    for e in &m.elections {
        election_rows(&mut rows, None, e);
    }
    rows
}

fn motion_rows(rows: &mut Vec<ResultRow>, item: Option<u32>, mo: &MotionRecord) {
    let Some(d) = &mo.decision else { return };
    let result = if d.adopted { "adopted" } else { "rejected" };
    for (option, votes) in [
        ("yes", d.counts.yes),
        ("no", d.counts.no),
        ("abstain", d.counts.abstain),
    ] {
        rows.push(ResultRow {
            item,
            kind: "motion",
            subject: mo.title.clone(),
            round: None,
            poll: mo.poll.as_ref().map(|p| p.id),
            option: option.into(),
            votes: votes.to_string(),
            result,
            rule: d.rule.clone(),
            base: Some(d.base),
            threshold: Some(d.threshold),
        });
    }
}

fn election_rows(rows: &mut Vec<ResultRow>, item: Option<u32>, e: &ElectionRecord) {
    for r in &e.rounds {
        let Some(t) = &r.table else { continue };
        let rule = r.rule.as_ref().map(|(m, _)| m.clone()).unwrap_or_default();
        for row in &t.rows {
            let result = if row.elected_at.is_some() {
                "elected"
            } else if row.excluded_at.is_some() {
                "excluded"
            } else {
                "not_elected"
            };
            rows.push(ResultRow {
                item,
                kind: "election",
                subject: e.body_name.clone(),
                round: Some(r.number),
                poll: r.poll.as_ref().map(|p| p.id),
                option: row.candidate.clone(),
                votes: row
                    .votes
                    .iter()
                    .rev()
                    .flatten()
                    .next()
                    .cloned()
                    .unwrap_or_default(),
                result,
                rule: rule.clone(),
                base: None,
                threshold: None,
            });
        }
    }
}

/// The data of a calendar event (RFC 5545 VEVENT) for a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarEvent {
    /// Globally unique and stable across updates: `federa-meeting-ID@HOST`.
    pub uid: String,
    pub summary: String,
    /// The body and term, then the agenda, one item a line.
    pub description: String,
    /// Where the meeting is held, as its notice says; empty when it does not.
    pub location: String,
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    /// The close, once the meeting closed; otherwise `start` plus the expected length.
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
    /// When the event data was produced (DTSTAMP).
    #[serde(with = "time::serde::rfc3339")]
    pub stamp: OffsetDateTime,
    /// RFC 5545 STATUS: `CONFIRMED` (a convened meeting takes place; there is no cancelling one
    /// yet).
    pub status: &'static str,
    /// Increases with each change a calendar should pick up: the agenda's length and the
    /// meeting's progress.
    pub sequence: u32,
}

/// The calendar event of `meeting`: `host` makes the UID unique, `length` is the expected
/// length of a meeting not yet closed, `stamp` is the time of producing it.
pub fn calendar_event(
    meeting: &Meeting,
    bodies: &Bodies,
    host: &str,
    length: time::Duration,
    stamp: OffsetDateTime,
) -> CalendarEvent {
    let body = bodies
        .body(meeting.body)
        .map(|b| b.name.clone())
        .unwrap_or_default();
    let term = bodies.term(meeting.term).map(|t| t.number).unwrap_or(0);
    let mut description = format!("{body} ({term})");
    for item in &meeting.agenda {
        description.push_str(&format!("\n{}. {}", item.number, item.title));
    }
    let progress = match meeting.state {
        MeetingState::Convened => 0,
        MeetingState::Open => 1,
        MeetingState::Closed => 2,
        MeetingState::MinutesApproved => 3,
    };
    CalendarEvent {
        uid: format!("federa-meeting-{}@{host}", meeting.id),
        summary: meeting.title.clone(),
        description,
        location: meeting.place.clone(),
        start: meeting.starts_at,
        end: meeting
            .closed_at
            .filter(|c| *c > meeting.starts_at)
            .unwrap_or(meeting.starts_at + length),
        stamp,
        status: "CONFIRMED",
        sequence: meeting.agenda.len() as u32 + progress,
    }
}
