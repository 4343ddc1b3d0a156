//! Bodies, terms, seats and offices; meetings, attendance and quorum; motions; elections and polls.
