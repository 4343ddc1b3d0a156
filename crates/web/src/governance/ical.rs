//! A meeting as an iCalendar file (RFC 5545), written by hand: one VEVENT, text values
//! escaped (§3.3.11) and content lines folded at 75 octets without splitting a character
//! (§3.1), CRLF line ends.

use federa_core::governance::minutes::CalendarEvent;
use time::OffsetDateTime;
use time::macros::format_description;

/// Escapes a TEXT value: backslash, semicolon, comma and newline (RFC 5545 §3.3.11).
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line into pieces of at most 75 octets (the first) and 74 plus the leading
/// space (the others), breaking only between characters (RFC 5545 §3.1).
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3);
    let mut used = 0;
    for ch in line.chars() {
        let n = ch.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(ch);
        used += n;
    }
    out.push_str("\r\n");
    out
}

fn utc(t: OffsetDateTime) -> String {
    let f = format_description!("[year][month][day]T[hour][minute][second]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(f)
        .unwrap_or_default()
}

/// The calendar with the event; `url` links back to the meeting's page.
pub fn calendar(ev: &CalendarEvent, url: &str) -> String {
    // A meeting whose notice names no place has no LOCATION.
    let location =
        (!ev.location.is_empty()).then(|| format!("LOCATION:{}", escape_text(&ev.location)));
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//federa//governance//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}", ev.uid),
        format!("DTSTAMP:{}", utc(ev.stamp)),
        format!("DTSTART:{}", utc(ev.start)),
        format!("DTEND:{}", utc(ev.end)),
        format!("SUMMARY:{}", escape_text(&ev.summary)),
        format!("DESCRIPTION:{}", escape_text(&ev.description)),
        location.unwrap_or_default(),
        format!("STATUS:{}", ev.status),
        format!("SEQUENCE:{}", ev.sequence),
        format!("URL:{url}"),
        "END:VEVENT".into(),
        "END:VCALENDAR".into(),
    ];
    lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| fold(l))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape_text("a;b,c\\d\ne"),
            "a\\;b\\,c\\\\d\\ne",
            "RFC 5545 §3.3.11"
        );
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let line = format!("SUMMARY:{}", "第一届理事会第一次会议".repeat(5));
        let folded = fold(&line);
        assert!(folded.ends_with("\r\n"));
        let pieces: Vec<&str> = folded.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(pieces.len() > 1);
        for (i, p) in pieces.iter().enumerate() {
            assert!(p.len() <= 75, "{p:?} has {} octets", p.len());
            if i > 0 {
                assert!(p.starts_with(' '));
            }
        }
        // Unfolding (removing CRLF + one space) gives the line back.
        assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), line);
        assert_eq!(fold("SHORT:x"), "SHORT:x\r\n");
    }

    #[test]
    fn the_calendar_has_one_event_in_utc() {
        let ev = CalendarEvent {
            uid: "federa-meeting-1@h".into(),
            summary: "大会, 第一次; 会议".into(),
            description: "a\nb".into(),
            location: "人民大礼堂".into(),
            start: datetime!(2026-06-28 09:00 +08:00),
            end: datetime!(2026-06-28 12:00 +08:00),
            stamp: datetime!(2026-06-01 00:00 UTC),
            status: "CONFIRMED",
            sequence: 2,
        };
        let ics = calendar(&ev, "http://h/governance/meetings/1");
        assert!(ics.contains("DTSTART:20260628T010000Z\r\n"));
        assert!(ics.contains("SUMMARY:大会\\, 第一次\\; 会议\r\n"));
        assert!(ics.contains("DESCRIPTION:a\\nb\r\n"));
        assert!(ics.contains("LOCATION:人民大礼堂\r\n"));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    }
}
