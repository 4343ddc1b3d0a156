//! Meetings, attendance and polls: the meeting document, its roll as rows, the voters of each
//! poll as rows, and the secret ballot piles.

use std::collections::BTreeMap;

use federa_core::governance::{
    Attendee, BallotContent, Bodies, BodyId, ElectionId, ElectionRound, Entitlement, GovError,
    Holder, Meeting, MeetingId, MeetingState, MotionId, Pile, Poll, PollId, PollState, Presence,
    Receipt, Secrecy, TermId,
};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};
use tally::decision::{Decision, QuorumCheck};
use time::OffsetDateTime;

use super::{
    GovResult, GovernanceError, Ids, holder_key, holder_of, load_bodies, org_exists, save_bodies,
};
use crate::{Actor, Store, StoreError};

/// A meeting as stored: the core [`Meeting`] with its roll, but with its polls' voters and
/// ballots left out (see [`Store::get_poll`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingRecord {
    pub organisation_id: i64,
    /// One more with each change.
    pub version: i64,
    pub meeting: Meeting,
}

impl MeetingRecord {
    /// The quorum as it stands, from the roll.
    pub fn quorum(&self) -> QuorumCheck {
        self.meeting.quorum()
    }
}

/// What [`Store::convene_meeting`] needs: which term of which body, a title, when the notice
/// went out and when the meeting starts; and what the notice says (core
/// [`Meeting::give_notice`]): the place, its text, the agenda's first items (each may be
/// empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeeting {
    pub body: BodyId,
    pub term: TermId,
    pub title: String,
    pub notice_at: OffsetDateTime,
    pub starts_at: OffsetDateTime,
    pub place: String,
    pub notice: String,
    pub agenda: Vec<String>,
}

/// A line of a list of meetings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingSummary {
    pub id: MeetingId,
    pub organisation_id: i64,
    pub body: BodyId,
    pub term: TermId,
    pub title: String,
    pub state: MeetingState,
    /// UTC, RFC 3339.
    pub starts_at: String,
}

/// A poll with everything stored about it: its voters (who may vote, who has), and its
/// ballots (named: each voter's; secret: the piles).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PollRecord {
    pub organisation_id: i64,
    pub meeting: MeetingId,
    pub poll: Poll,
}

/// How far a poll has got: cheap to read while voting goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PollProgress {
    pub poll: PollId,
    pub state: PollState,
    /// Voters entitled when the poll opened, and their total weight.
    pub entitled: u64,
    pub entitled_weight: u64,
    /// Voters who have voted, and their total weight.
    pub voted: u64,
    pub voted_weight: u64,
}

fn state_str(s: PollState) -> &'static str {
    match s {
        PollState::Open => "open",
        PollState::Closed => "closed",
    }
}

/// A poll's progress from its state and a row of voter sums (n, w, v, vw).
fn progress_of(poll: PollId, state: &str, row: &sqlx::any::AnyRow) -> GovResult<PollProgress> {
    let get = |c: &str| -> GovResult<u64> { Ok(row.try_get::<i64, _>(c)? as u64) };
    Ok(PollProgress {
        poll,
        state: if state == "open" {
            PollState::Open
        } else {
            PollState::Closed
        },
        entitled: get("n")?,
        entitled_weight: get("w")?,
        voted: get("v")?,
        voted_weight: get("vw")?,
    })
}

fn secrecy_str(s: Secrecy) -> &'static str {
    match s {
        Secrecy::Named => "named",
        Secrecy::Secret => "secret",
    }
}

/// The meeting as kept in its row: no roll, no poll voters, no ballots.
fn stripped(m: &Meeting) -> Meeting {
    let mut s = m.clone();
    s.roll.clear();
    for p in &mut s.polls {
        p.entitled.clear();
        p.voted.clear();
        p.named.clear();
        p.secret.clear();
    }
    s
}

fn presence_cols(p: Presence) -> (&'static str, Option<String>) {
    match p {
        Presence::Absent => ("absent", None),
        Presence::Present => ("present", None),
        Presence::Proxy { carrier } => ("proxy", Some(holder_key(carrier))),
    }
}

/// Loads the meeting document (without roll) and its organisation.
pub(crate) async fn load_meeting_doc(
    tx: &mut Transaction<'static, Any>,
    id: MeetingId,
) -> GovResult<(i64, Meeting)> {
    let (org, _, m) = load_meeting_row(tx, id).await?;
    Ok((org, m))
}

async fn load_meeting_row(
    tx: &mut Transaction<'static, Any>,
    id: MeetingId,
) -> GovResult<(i64, i64, Meeting)> {
    let row = sqlx::query("SELECT organisation_id, version, doc FROM gov_meetings WHERE id = $1")
        .bind(id.0 as i64)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::not_found("meeting", id))?;
    let doc: String = row.try_get("doc")?;
    Ok((
        row.try_get("organisation_id")?,
        row.try_get("version")?,
        serde_json::from_str(&doc)?,
    ))
}

async fn load_roll(
    tx: &mut Transaction<'static, Any>,
    id: MeetingId,
) -> GovResult<BTreeMap<Holder, Attendee>> {
    let rows = sqlx::query(
        "SELECT holder, weight, presence, carrier FROM gov_attendance WHERE meeting_id = $1",
    )
    .bind(id.0 as i64)
    .fetch_all(&mut **tx)
    .await?;
    let mut roll = BTreeMap::new();
    for row in rows {
        let holder: String = row.try_get("holder")?;
        let presence: String = row.try_get("presence")?;
        let carrier: Option<String> = row.try_get("carrier")?;
        let presence = match (presence.as_str(), carrier) {
            ("absent", _) => Presence::Absent,
            ("present", _) => Presence::Present,
            ("proxy", Some(c)) => Presence::Proxy {
                carrier: holder_of(&c, "attendance")?,
            },
            _ => {
                return Err(StoreError::Corrupt {
                    entity: "attendance",
                    id: holder,
                    reason: format!("presence {presence:?}"),
                }
                .into());
            }
        };
        let weight: i64 = row.try_get("weight")?;
        roll.insert(
            holder_of(&holder, "attendance")?,
            Attendee {
                weight: weight as u64,
                presence,
            },
        );
    }
    Ok(roll)
}

/// Runs `INSERT INTO table (cols) VALUES (...), (...)` in chunks, each row `cols.len()` values.
async fn insert_rows(
    tx: &mut Transaction<'static, Any>,
    head: &str,
    conflict: &str,
    width: usize,
    rows: Vec<Vec<Value>>,
) -> GovResult<()> {
    const CHUNK: usize = 200;
    for chunk in rows.chunks(CHUNK) {
        let mut sql = String::from(head);
        sql.push_str(" VALUES ");
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for j in 0..width {
                if j > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                sql.push_str(&format!("${n}"));
            }
            sql.push(')');
        }
        sql.push(' ');
        sql.push_str(conflict);
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            for v in row {
                q = match v {
                    Value::Int(i) => q.bind(*i),
                    Value::Text(s) => q.bind(s.clone()),
                    Value::Null => q.bind(None::<String>),
                };
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

enum Value {
    Int(i64),
    Text(String),
    Null,
}

fn text(s: Option<String>) -> Value {
    s.map_or(Value::Null, Value::Text)
}

/// Writes the attendance rows that differ from `before`.
async fn save_roll(
    tx: &mut Transaction<'static, Any>,
    id: MeetingId,
    before: &BTreeMap<Holder, Attendee>,
    after: &BTreeMap<Holder, Attendee>,
) -> GovResult<()> {
    let rows: Vec<Vec<Value>> = after
        .iter()
        .filter(|(h, a)| before.get(h) != Some(a))
        .map(|(h, a)| {
            let (presence, carrier) = presence_cols(a.presence);
            vec![
                Value::Int(id.0 as i64),
                Value::Text(holder_key(*h)),
                Value::Int(a.weight as i64),
                Value::Text(presence.into()),
                text(carrier),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO gov_attendance (meeting_id, holder, weight, presence, carrier)",
        "ON CONFLICT (meeting_id, holder) DO UPDATE SET weight = excluded.weight, \
         presence = excluded.presence, carrier = excluded.carrier",
        5,
        rows,
    )
    .await
}

/// Writes the meeting row (document without roll, attendance figures) if its version is
/// still `version`; returns the new version.
async fn save_meeting_row(
    tx: &mut Transaction<'static, Any>,
    m: &Meeting,
    version: i64,
) -> GovResult<i64> {
    let done = sqlx::query(
        "UPDATE gov_meetings SET title = $1, state = $2, present = $3, members = $4, \
         version = version + 1, doc = $5, updated_at = $6 WHERE id = $7 AND version = $8",
    )
    .bind(&m.title)
    .bind(m.state.as_str())
    .bind(m.present() as i64)
    .bind(m.members() as i64)
    .bind(serde_json::to_string(&stripped(m))?)
    .bind(crate::now())
    .bind(m.id.0 as i64)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict {
            entity: "meeting",
            field: "version",
            value: version.to_string(),
        }
        .into());
    }
    Ok(version + 1)
}

/// Inserts the row of a poll that just opened and its voters, as snapshotted.
async fn insert_poll(
    tx: &mut Transaction<'static, Any>,
    meeting: MeetingId,
    p: &Poll,
) -> GovResult<()> {
    sqlx::query("INSERT INTO gov_polls (id, meeting_id, secrecy, state) VALUES ($1, $2, $3, $4)")
        .bind(p.id.0 as i64)
        .bind(meeting.0 as i64)
        .bind(secrecy_str(p.secrecy))
        .bind(state_str(p.state))
        .execute(&mut **tx)
        .await?;
    let rows = p
        .entitled
        .iter()
        .map(|(v, e)| {
            vec![
                Value::Int(p.id.0 as i64),
                Value::Text(holder_key(*v)),
                Value::Text(holder_key(e.cast_by)),
                Value::Int(e.weight as i64),
            ]
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO gov_poll_voters (poll_id, voter, cast_by, weight)",
        "",
        4,
        rows,
    )
    .await
}

/// Empties a stripped poll's voters, votes and ballots, for its rows to fill.
fn clear_poll_rows(p: &mut Poll) {
    p.entitled.clear();
    p.voted.clear();
    p.named.clear();
    p.secret.clear();
}

/// Adds a row of `gov_poll_voters` (voter, cast_by, weight, voted, ballot) to its poll.
fn add_voter_row(p: &mut Poll, row: &sqlx::any::AnyRow) -> GovResult<()> {
    let voter = holder_of(&row.try_get::<String, _>("voter")?, "poll_voter")?;
    let cast_by = holder_of(&row.try_get::<String, _>("cast_by")?, "poll_voter")?;
    let weight: i64 = row.try_get("weight")?;
    p.entitled.insert(
        voter,
        Entitlement {
            weight: weight as u64,
            cast_by,
        },
    );
    if row.try_get::<i64, _>("voted")? != 0 {
        p.voted.insert(voter);
    }
    if let Some(b) = row.try_get::<Option<String>, _>("ballot")? {
        p.named.insert(voter, serde_json::from_str(&b)?);
    }
    Ok(())
}

/// Adds a row of `gov_ballot_piles` (content, ballots, weight) to its poll.
fn add_pile_row(p: &mut Poll, row: &sqlx::any::AnyRow) -> GovResult<()> {
    let content: String = row.try_get("content")?;
    let ballots: i64 = row.try_get("ballots")?;
    let weight: i64 = row.try_get("weight")?;
    if ballots > 0 {
        p.secret.insert(
            serde_json::from_str(&content)?,
            Pile {
                ballots: ballots as u64,
                weight: weight as u64,
            },
        );
    }
    Ok(())
}

/// Fills a stripped poll with its stored voters, votes and ballots.
async fn load_poll_rows(tx: &mut Transaction<'static, Any>, p: &mut Poll) -> GovResult<()> {
    let rows = sqlx::query(
        "SELECT voter, cast_by, weight, voted, ballot FROM gov_poll_voters WHERE poll_id = $1",
    )
    .bind(p.id.0 as i64)
    .fetch_all(&mut **tx)
    .await?;
    clear_poll_rows(p);
    for row in &rows {
        add_voter_row(p, row)?;
    }
    let piles =
        sqlx::query("SELECT content, ballots, weight FROM gov_ballot_piles WHERE poll_id = $1")
            .bind(p.id.0 as i64)
            .fetch_all(&mut **tx)
            .await?;
    for row in &piles {
        add_pile_row(p, row)?;
    }
    Ok(())
}

/// Fills every poll of a stripped meeting with its voters, votes and ballots: two queries,
/// whatever the number of polls.
async fn load_meeting_poll_rows(
    tx: &mut Transaction<'static, Any>,
    m: &mut Meeting,
) -> GovResult<()> {
    let mut at: BTreeMap<i64, usize> = BTreeMap::new();
    for (i, p) in m.polls.iter_mut().enumerate() {
        clear_poll_rows(p);
        at.insert(p.id.0 as i64, i);
    }
    let voters = sqlx::query(
        "SELECT v.poll_id AS poll_id, v.voter AS voter, v.cast_by AS cast_by,          v.weight AS weight, v.voted AS voted, v.ballot AS ballot          FROM gov_poll_voters v JOIN gov_polls p ON p.id = v.poll_id WHERE p.meeting_id = $1",
    )
    .bind(m.id.0 as i64)
    .fetch_all(&mut **tx)
    .await?;
    let piles = sqlx::query(
        "SELECT b.poll_id AS poll_id, b.content AS content, b.ballots AS ballots,          b.weight AS weight          FROM gov_ballot_piles b JOIN gov_polls p ON p.id = b.poll_id WHERE p.meeting_id = $1",
    )
    .bind(m.id.0 as i64)
    .fetch_all(&mut **tx)
    .await?;
    for (rows, add) in [
        (
            &voters,
            add_voter_row as fn(&mut Poll, &sqlx::any::AnyRow) -> GovResult<()>,
        ),
        (&piles, add_pile_row),
    ] {
        for row in rows.iter() {
            let poll: i64 = row.try_get("poll_id")?;
            if let Some(&i) = at.get(&poll) {
                add(&mut m.polls[i], row)?;
            }
        }
    }
    Ok(())
}

async fn poll_meeting(tx: &mut Transaction<'static, Any>, poll: PollId) -> GovResult<MeetingId> {
    let m: Option<i64> = sqlx::query_scalar("SELECT meeting_id FROM gov_polls WHERE id = $1")
        .bind(poll.0 as i64)
        .fetch_optional(&mut **tx)
        .await?;
    m.map(|m| MeetingId(m as u64))
        .ok_or(GovernanceError::Refused(GovError::NoSuchPoll { poll }))
}

#[derive(Serialize)]
struct Changed<'a, T: Serialize> {
    version: i64,
    result: &'a T,
}

impl Store {
    /// Convenes a meeting of `term` of `body` (core [`Meeting::convene`]: the notice the
    /// body's rules require, the roll from the term's seats on the day).
    pub async fn convene_meeting(
        &self,
        actor: Actor,
        org: i64,
        new: &NewMeeting,
    ) -> GovResult<MeetingRecord> {
        let NewMeeting {
            body,
            term,
            title,
            notice_at,
            starts_at,
            place,
            notice,
            agenda,
        } = new;
        let (body, term, notice_at, starts_at) = (*body, *term, *notice_at, *starts_at);
        let mut w = self.write().await?;
        org_exists(&mut w.tx, org).await?;
        let (_, bodies) = load_bodies(&mut w.tx, org).await?;
        let b = bodies.body(body)?;
        let t = bodies.term(term)?;
        if t.body != body {
            return Err(GovError::NoSuchTerm { term }.into());
        }
        let mut ids = Ids::load(&mut w.tx).await?;
        let id = MeetingId(ids.fresh());
        let mut m = Meeting::convene(id, b, t, title.trim(), notice_at, starts_at)?;
        m.give_notice(place, notice, agenda)?;
        ids.save(&mut w.tx).await?;
        sqlx::query(
            "INSERT INTO gov_meetings (id, organisation_id, body_id, term_id, title, state, \
             starts_at, present, members, version, doc, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11)",
        )
        .bind(id.0 as i64)
        .bind(org)
        .bind(body.0 as i64)
        .bind(term.0 as i64)
        .bind(&m.title)
        .bind(m.state.as_str())
        .bind(crate::format_time(starts_at))
        .bind(m.present() as i64)
        .bind(m.members() as i64)
        .bind(serde_json::to_string(&stripped(&m))?)
        .bind(crate::now())
        .execute(&mut *w.tx)
        .await?;
        save_roll(&mut w.tx, id, &BTreeMap::new(), &m.roll).await?;
        w.audit(
            actor,
            "meeting",
            id,
            "convene",
            None::<&()>,
            Some(&serde_json::json!({
                "organisation_id": org, "body": body, "term": term, "title": m.title,
                "place": m.place, "agenda": m.agenda.len(), "members": m.members(),
            })),
        )
        .await?;
        w.commit().await?;
        Ok(MeetingRecord {
            organisation_id: org,
            version: 1,
            meeting: m,
        })
    }

    /// The organisation a meeting belongs to (a cheap look-up for permission checks).
    pub async fn meeting_organisation(&self, id: MeetingId) -> GovResult<i64> {
        let org: Option<i64> =
            sqlx::query_scalar("SELECT organisation_id FROM gov_meetings WHERE id = $1")
                .bind(id.0 as i64)
                .fetch_optional(&self.pool)
                .await?;
        org.ok_or_else(|| StoreError::not_found("meeting", id).into())
    }

    /// The meeting and organisation a poll belongs to (a cheap look-up for permission checks).
    pub async fn poll_organisation(&self, poll: PollId) -> GovResult<(MeetingId, i64)> {
        let row = sqlx::query(
            "SELECT m.id AS id, m.organisation_id AS org FROM gov_polls p \
             JOIN gov_meetings m ON m.id = p.meeting_id WHERE p.id = $1",
        )
        .bind(poll.0 as i64)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(GovernanceError::Refused(GovError::NoSuchPoll { poll }))?;
        Ok((
            MeetingId(row.try_get::<i64, _>("id")? as u64),
            row.try_get("org")?,
        ))
    }

    /// A meeting with its roll (its polls without voters and ballots).
    pub async fn get_meeting(&self, id: MeetingId) -> GovResult<MeetingRecord> {
        let mut tx = self.pool.begin().await?;
        let (org, version, mut meeting) = load_meeting_row(&mut tx, id).await?;
        meeting.roll = load_roll(&mut tx, id).await?;
        tx.commit().await?;
        Ok(MeetingRecord {
            organisation_id: org,
            version,
            meeting,
        })
    }

    /// The meetings of an organisation, latest first.
    pub async fn list_meetings(&self, org: i64) -> GovResult<Vec<MeetingSummary>> {
        let rows = sqlx::query(
            "SELECT id, organisation_id, body_id, term_id, title, state, starts_at \
             FROM gov_meetings WHERE organisation_id = $1 ORDER BY starts_at DESC, id DESC",
        )
        .bind(org)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get("state")?;
                Ok(MeetingSummary {
                    id: MeetingId(row.try_get::<i64, _>("id")? as u64),
                    organisation_id: row.try_get("organisation_id")?,
                    body: BodyId(row.try_get::<i64, _>("body_id")? as u64),
                    term: TermId(row.try_get::<i64, _>("term_id")? as u64),
                    title: row.try_get("title")?,
                    state: serde_json::from_value(serde_json::Value::String(state))?,
                    starts_at: row.try_get("starts_at")?,
                })
            })
            .collect()
    }

    /// Changes a meeting through `f`, which calls core's rules on the meeting (with its roll
    /// loaded), the organisation's bodies and fresh ids: sign in, sign out, give a proxy, open,
    /// close, add agenda items, submit and amend motions, put them on the agenda, add elections
    /// and nominate, open a poll (its voters are snapshotted into rows), install the elected,
    /// approve minutes. Saves the attendance rows that changed, the meeting, the bodies if they
    /// changed, and one audit event (entity `meeting`) recording `f`'s result.
    ///
    /// Votes go through [`Store::cast_vote`] and closing a poll through
    /// [`Store::close_motion_poll`] / [`Store::close_election_poll`], which load the poll's
    /// ballots; a closure that closes a poll is refused (`poll` `use_close_poll`).
    pub async fn update_meeting<T, F>(
        &self,
        actor: Actor,
        id: MeetingId,
        action: &str,
        f: F,
    ) -> GovResult<T>
    where
        T: Serialize,
        F: FnOnce(&mut Meeting, &mut Bodies, &mut Ids) -> Result<T, GovError>,
    {
        self.change_meeting(actor, id, action, None, f).await
    }

    async fn change_meeting<T, F>(
        &self,
        actor: Actor,
        id: MeetingId,
        action: &str,
        loaded_poll: Option<PollId>,
        f: F,
    ) -> GovResult<T>
    where
        T: Serialize,
        F: FnOnce(&mut Meeting, &mut Bodies, &mut Ids) -> Result<T, GovError>,
    {
        let mut w = self.write().await?;
        let (org, version, mut meeting) = load_meeting_row(&mut w.tx, id).await?;
        meeting.roll = load_roll(&mut w.tx, id).await?;
        if let Some(poll) = loaded_poll {
            let p = meeting
                .polls
                .iter_mut()
                .find(|p| p.id == poll)
                .ok_or(GovError::NoSuchPoll { poll })?;
            load_poll_rows(&mut w.tx, p).await?;
        }
        let (bodies_version, mut bodies) = load_bodies(&mut w.tx, org).await?;
        let bodies_before = bodies.clone();
        let roll_before = meeting.roll.clone();
        let polls_before: BTreeMap<PollId, PollState> =
            meeting.polls.iter().map(|p| (p.id, p.state)).collect();
        let mut ids = Ids::load(&mut w.tx).await?;
        let result = f(&mut meeting, &mut bodies, &mut ids)?;
        ids.save(&mut w.tx).await?;
        for p in &meeting.polls {
            match polls_before.get(&p.id) {
                None => insert_poll(&mut w.tx, id, p).await?,
                Some(&before) if before != p.state => {
                    if loaded_poll != Some(p.id) {
                        return Err(StoreError::invalid("poll", "use_close_poll").into());
                    }
                    sqlx::query("UPDATE gov_polls SET state = $1 WHERE id = $2")
                        .bind(state_str(p.state))
                        .bind(p.id.0 as i64)
                        .execute(&mut *w.tx)
                        .await?;
                }
                Some(_) => {}
            }
        }
        save_roll(&mut w.tx, id, &roll_before, &meeting.roll).await?;
        let version = save_meeting_row(&mut w.tx, &meeting, version).await?;
        if bodies != bodies_before {
            save_bodies(&mut w.tx, org, bodies_version, &bodies).await?;
        }
        w.audit(
            actor,
            "meeting",
            id,
            action,
            None::<&()>,
            Some(&Changed {
                version,
                result: &result,
            }),
        )
        .await?;
        w.commit().await?;
        Ok(result)
    }

    /// Opens the vote on a motion of the meeting (core [`Meeting::open_motion_poll`]: the
    /// quorum is checked, the voters snapshotted into rows).
    pub async fn open_motion_poll(
        &self,
        actor: Actor,
        meeting: MeetingId,
        motion: MotionId,
        secrecy: Secrecy,
        now: OffsetDateTime,
    ) -> GovResult<PollProgress> {
        let poll = self
            .update_meeting(actor, meeting, "open_motion_poll", |m, _, ids| {
                let id = PollId(ids.fresh());
                m.open_motion_poll(motion, id, secrecy, now)?;
                Ok(id)
            })
            .await?;
        self.poll_progress(poll).await
    }

    /// Opens the next round of an election (core [`Meeting::open_election_poll`]).
    pub async fn open_election_poll(
        &self,
        actor: Actor,
        meeting: MeetingId,
        election: ElectionId,
        secrecy: Secrecy,
        now: OffsetDateTime,
    ) -> GovResult<PollProgress> {
        let poll = self
            .update_meeting(actor, meeting, "open_election_poll", |m, _, ids| {
                let id = PollId(ids.fresh());
                m.open_election_poll(election, id, secrecy, now)?;
                Ok(id)
            })
            .await?;
        self.poll_progress(poll).await
    }

    /// `by` casts `voter`'s ballot in `poll` (their own, or one whose proxy `by` carries).
    ///
    /// One transaction reads the meeting row and the voter's row and writes the voter's row
    /// (and, for a secret poll, the poll's ballot piles): the work does not grow with the
    /// number of voters. Refused (core [`Meeting::cast_into`]) when the meeting is not open, the
    /// poll closed, the quorum lost, the voter not entitled, `by` not their carrier, the voter
    /// already voted, or the ballot does not fit the poll. The audit event (entity `poll`,
    /// action `vote`) names the voter and who cast, never the ballot.
    pub async fn cast_vote(
        &self,
        actor: Actor,
        poll: PollId,
        by: Holder,
        voter: Holder,
        ballot: BallotContent,
    ) -> GovResult<Receipt> {
        let mut w = self.write().await?;
        let meeting_id = poll_meeting(&mut w.tx, poll).await?;
        let row = sqlx::query("SELECT doc, present, members FROM gov_meetings WHERE id = $1")
            .bind(meeting_id.0 as i64)
            .fetch_one(&mut *w.tx)
            .await?;
        let doc: String = row.try_get("doc")?;
        let meeting: Meeting = serde_json::from_str(&doc)?;
        let present: i64 = row.try_get("present")?;
        let members: i64 = row.try_get("members")?;
        let mut p = meeting.poll(poll)?.clone();
        let voter_key = holder_key(voter);
        let entitled = sqlx::query(
            "SELECT voter, cast_by, weight, voted, ballot FROM gov_poll_voters \
             WHERE poll_id = $1 AND voter = $2",
        )
        .bind(poll.0 as i64)
        .bind(&voter_key)
        .fetch_optional(&mut *w.tx)
        .await?;
        if let Some(row) = entitled {
            add_voter_row(&mut p, &row)?;
        }
        let quorum = meeting.quorum_of(present as u64, members as u64);
        let receipt = meeting.cast_into(&mut p, quorum, by, voter, ballot.clone())?;
        let content = serde_json::to_string(&ballot)?;
        let named = (p.secrecy == Secrecy::Named).then(|| content.clone());
        let done = sqlx::query(
            "UPDATE gov_poll_voters SET voted = 1, ballot = $1 \
             WHERE poll_id = $2 AND voter = $3 AND voted = 0",
        )
        .bind(named)
        .bind(poll.0 as i64)
        .bind(&voter_key)
        .execute(&mut *w.tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(GovError::AlreadyVoted { poll, voter }.into());
        }
        if p.secrecy == Secrecy::Secret {
            sqlx::query(
                "INSERT INTO gov_ballot_piles (poll_id, content, ballots, weight) \
                 VALUES ($1, $2, 0, 0) ON CONFLICT (poll_id, content) DO NOTHING",
            )
            .bind(poll.0 as i64)
            .bind(&content)
            .execute(&mut *w.tx)
            .await?;
            // Every pile of the poll is rewritten, the one that grows and the others alike.
            sqlx::query(
                "UPDATE gov_ballot_piles SET \
                 ballots = ballots + (CASE WHEN content = $1 THEN 1 ELSE 0 END), \
                 weight = weight + (CASE WHEN content = $1 THEN $2 ELSE 0 END) \
                 WHERE poll_id = $3",
            )
            .bind(&content)
            .bind(receipt.weight as i64)
            .bind(poll.0 as i64)
            .execute(&mut *w.tx)
            .await?;
        }
        w.audit(
            actor,
            "poll",
            poll,
            "vote",
            None::<&()>,
            Some(&serde_json::json!({
                "voter": receipt.voter, "cast_by": by, "weight": receipt.weight,
            })),
        )
        .await?;
        w.commit().await?;
        Ok(receipt)
    }

    /// Closes a motion's poll and decides it with its ballots (core
    /// [`Meeting::close_motion_poll`]); the motion is adopted or rejected.
    pub async fn close_motion_poll(
        &self,
        actor: Actor,
        poll: PollId,
        now: OffsetDateTime,
    ) -> GovResult<Decision> {
        let mut tx = self.pool.begin().await?;
        let meeting = poll_meeting(&mut tx, poll).await?;
        tx.commit().await?;
        self.change_meeting(
            actor,
            meeting,
            "close_motion_poll",
            Some(poll),
            |m, _, _| m.close_motion_poll(poll, now),
        )
        .await
    }

    /// Closes an election round's poll and counts it (core [`Meeting::close_election_poll`]).
    /// Install the elected with [`Store::update_meeting`] and core's `Election::install` once
    /// the election is done.
    pub async fn close_election_poll(
        &self,
        actor: Actor,
        poll: PollId,
        now: OffsetDateTime,
    ) -> GovResult<ElectionRound> {
        let mut tx = self.pool.begin().await?;
        let meeting = poll_meeting(&mut tx, poll).await?;
        tx.commit().await?;
        self.change_meeting(
            actor,
            meeting,
            "close_election_poll",
            Some(poll),
            |m, _, _| m.close_election_poll(poll, now),
        )
        .await
    }

    /// A poll with its voters and ballots (named: each voter's; secret: the piles, with no
    /// voter). Callers showing an open secret poll should show only [`Store::poll_progress`].
    pub async fn get_poll(&self, poll: PollId) -> GovResult<PollRecord> {
        let mut tx = self.pool.begin().await?;
        let meeting = poll_meeting(&mut tx, poll).await?;
        let (org, m) = load_meeting_doc(&mut tx, meeting).await?;
        let mut p = m.poll(poll)?.clone();
        load_poll_rows(&mut tx, &mut p).await?;
        tx.commit().await?;
        Ok(PollRecord {
            organisation_id: org,
            meeting,
            poll: p,
        })
    }

    /// A meeting with its roll and its polls complete (voters, votes and ballots), as the
    /// minutes need it: a fixed number of queries, whatever the number of polls.
    pub async fn get_meeting_with_polls(&self, id: MeetingId) -> GovResult<MeetingRecord> {
        let mut tx = self.pool.begin().await?;
        let (org, version, mut meeting) = load_meeting_row(&mut tx, id).await?;
        meeting.roll = load_roll(&mut tx, id).await?;
        load_meeting_poll_rows(&mut tx, &mut meeting).await?;
        tx.commit().await?;
        Ok(MeetingRecord {
            organisation_id: org,
            version,
            meeting,
        })
    }

    /// The progress of every poll of a meeting, by poll, in one query ([`Store::poll_progress`]
    /// for them all).
    pub async fn meeting_poll_progress(
        &self,
        meeting: MeetingId,
    ) -> GovResult<BTreeMap<PollId, PollProgress>> {
        let rows = sqlx::query(
            "SELECT p.id AS id, p.state AS state, COUNT(v.voter) AS n, \
             CAST(COALESCE(SUM(v.weight), 0) AS BIGINT) AS w, \
             CAST(COALESCE(SUM(v.voted), 0) AS BIGINT) AS v, \
             CAST(COALESCE(SUM(v.voted * v.weight), 0) AS BIGINT) AS vw \
             FROM gov_polls p LEFT JOIN gov_poll_voters v ON v.poll_id = p.id \
             WHERE p.meeting_id = $1 GROUP BY p.id, p.state",
        )
        .bind(meeting.0 as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let poll = PollId(row.try_get::<i64, _>("id")? as u64);
                let state: String = row.try_get("state")?;
                Ok((poll, progress_of(poll, &state, row)?))
            })
            .collect()
    }

    /// How many may vote and how many have, without reading every voter.
    pub async fn poll_progress(&self, poll: PollId) -> GovResult<PollProgress> {
        let mut tx = self.pool.begin().await?;
        let state: Option<String> = sqlx::query_scalar("SELECT state FROM gov_polls WHERE id = $1")
            .bind(poll.0 as i64)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(state) = state else {
            return Err(GovError::NoSuchPoll { poll }.into());
        };
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(weight), 0) AS BIGINT) AS w, \
             CAST(COALESCE(SUM(voted), 0) AS BIGINT) AS v, \
             CAST(COALESCE(SUM(voted * weight), 0) AS BIGINT) AS vw \
             FROM gov_poll_voters WHERE poll_id = $1",
        )
        .bind(poll.0 as i64)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        progress_of(poll, &state, &row)
    }
}
