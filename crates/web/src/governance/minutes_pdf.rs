//! The minutes as a PDF, laid out by hand with krilla: a title, then lines of text wrapped to
//! the page, in a CJK font read at run time.
//!
//! The font comes from `FEDERA_CJK_FONT` (`PATH` or `PATH#INDEX` for a collection), else from
//! the first that exists of Debian's Noto Sans CJK (fonts-noto-cjk, Simplified Chinese face)
//! and Droid Sans Fallback (fonts-droid-fallback). krilla embeds only the glyphs used (a
//! subset) with a ToUnicode map, so the text can be searched and copied.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{LazyLock, Mutex};

use krilla::Document;
use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};

/// The environment variable naming the font file.
pub const FONT_ENV: &str = "FEDERA_CJK_FONT";

/// Where a font is looked for when `FEDERA_CJK_FONT` is not set: path and face index.
pub const DEFAULT_FONTS: [(&str, u32); 2] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    (
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        0,
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("no CJK font for the PDF: {tried} not found; install fonts-noto-cjk or set {FONT_ENV}")]
    NoFont { tried: String },
    #[error("the font {path} (face {index}) cannot be read: {why}")]
    BadFont {
        path: String,
        index: u32,
        why: String,
    },
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// One line of the minutes before wrapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    pub size: f32,
    /// Left indent in points.
    pub indent: f32,
    /// Space above, in points.
    pub above: f32,
}

impl Line {
    pub fn heading(text: impl Into<String>, size: f32) -> Line {
        Line {
            text: text.into(),
            size,
            indent: 0.0,
            above: size * 0.8,
        }
    }

    pub fn text(text: impl Into<String>, indent: f32) -> Line {
        Line {
            text: text.into(),
            size: 10.5,
            indent,
            above: 0.0,
        }
    }
}

/// The configured font file and face: `FEDERA_CJK_FONT`, else the first default that exists.
pub fn font_location() -> Result<(PathBuf, u32), PdfError> {
    if let Ok(v) = std::env::var(FONT_ENV)
        && !v.trim().is_empty()
    {
        let (path, index) = match v.rsplit_once('#') {
            Some((p, i)) if i.parse::<u32>().is_ok() => (p.to_string(), i.parse().unwrap_or(0)),
            _ => (v.clone(), 0),
        };
        let path = PathBuf::from(path);
        if !path.exists() {
            return Err(PdfError::NoFont {
                tried: format!("{} (from {FONT_ENV})", path.display()),
            });
        }
        return Ok((path, index));
    }
    DEFAULT_FONTS
        .iter()
        .map(|(p, i)| (PathBuf::from(p), *i))
        .find(|(p, _)| p.exists())
        .ok_or_else(|| PdfError::NoFont {
            tried: DEFAULT_FONTS
                .iter()
                .map(|(p, _)| *p)
                .collect::<Vec<_>>()
                .join(" and "),
        })
}

static FONTS: LazyLock<Mutex<HashMap<(PathBuf, u32), Font>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn load_font() -> Result<Font, PdfError> {
    let key = font_location()?;
    if let Ok(cache) = FONTS.lock()
        && let Some(f) = cache.get(&key)
    {
        return Ok(f.clone());
    }
    let (path, index) = &key;
    let bad = |why: String| PdfError::BadFont {
        path: path.display().to_string(),
        index: *index,
        why,
    };
    let data = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let font = Font::new(data.into(), *index).ok_or_else(|| bad("not a font".into()))?;
    if let Ok(mut cache) = FONTS.lock() {
        cache.insert(key, font.clone());
    }
    Ok(font)
}

/// The width of `ch` in ems, from the character class: wide (CJK, full-width) 1, else 0.6.
/// An upper bound for Latin text, so wrapped lines never run off the page.
fn em_width(ch: char) -> f32 {
    let c = ch as u32;
    let wide = (0x1100..=0x115F).contains(&c)
        || (0x2E80..=0xA4CF).contains(&c)
        || (0xAC00..=0xD7A3).contains(&c)
        || (0xF900..=0xFAFF).contains(&c)
        || (0xFE30..=0xFE4F).contains(&c)
        || (0xFF00..=0xFF60).contains(&c)
        || (0xFFE0..=0xFFE6).contains(&c)
        || (0x20000..=0x3FFFD).contains(&c);
    if wide { 1.0 } else { 0.6 }
}

/// Wraps `text` to `width` points at `size`: breaks at spaces where it can, anywhere between
/// CJK characters.
pub fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut w = 0.0;
    let mut last_space: Option<usize> = None;
    for ch in text.chars() {
        let cw = em_width(ch) * size;
        if w + cw > width && !cur.is_empty() {
            match last_space.filter(|&i| i > 0 && em_width(ch) < 1.0) {
                Some(i) => {
                    let rest = cur[i + 1..].to_string();
                    cur.truncate(i);
                    lines.push(std::mem::take(&mut cur));
                    w = rest.chars().map(|c| em_width(c) * size).sum();
                    cur = rest;
                }
                None => {
                    lines.push(std::mem::take(&mut cur));
                    w = 0.0;
                }
            }
            last_space = None;
        }
        if ch == ' ' {
            last_space = Some(cur.len());
        }
        cur.push(ch);
        w += cw;
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;

/// Lays out `lines` on A4 pages and returns the PDF.
pub fn render(title: &str, lang: &str, lines: &[Line]) -> Result<Vec<u8>, PdfError> {
    let font = load_font()?;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .language(lang.to_string())
            .creator("federa".to_string()),
    );
    let settings = || PageSettings::from_wh(PAGE_W, PAGE_H);
    let mut placed: Vec<Vec<(f32, f32, f32, String)>> = vec![Vec::new()];
    let mut y = MARGIN;
    for line in lines {
        let width = PAGE_W - 2.0 * MARGIN - line.indent;
        for (k, piece) in wrap(&line.text, line.size, width).into_iter().enumerate() {
            let step = line.size * 1.5 + if k == 0 { line.above } else { 0.0 };
            if y + step > PAGE_H - MARGIN {
                placed.push(Vec::new());
                y = MARGIN;
            }
            y += step;
            if let Some(page) = placed.last_mut() {
                page.push((MARGIN + line.indent, y, line.size, piece));
            }
        }
    }
    let total = placed.len();
    for (n, items) in placed.into_iter().enumerate() {
        let s = settings().ok_or_else(|| PdfError::Write("page size".into()))?;
        let mut page = doc.start_page_with(s);
        let mut surface = page.surface();
        for (x, y, size, text) in items {
            surface.draw_text(
                Point::from_xy(x, y),
                font.clone(),
                size,
                &text,
                false,
                TextDirection::Auto,
            );
        }
        surface.draw_text(
            Point::from_xy(PAGE_W / 2.0 - 12.0, PAGE_H - MARGIN / 2.0),
            font.clone(),
            9.0,
            &format!("{} / {total}", n + 1),
            false,
            TextDirection::Auto,
        );
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_character_and_fits_the_width() {
        let text = "第二条 会员代表大会每四年召开一次。".repeat(6);
        let lines = wrap(&text, 10.0, 200.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), text);
        for l in &lines {
            let w: f32 = l.chars().map(|c| em_width(c) * 10.0).sum();
            assert!(w <= 200.0, "{l} is {w} wide");
        }
        let en = wrap("the quick brown fox jumps over the lazy dog", 10.0, 60.0);
        assert!(en.iter().all(|l| !l.starts_with(' ')), "{en:?}");
        assert_eq!(wrap("", 10.0, 100.0), vec![String::new()]);
    }

    #[test]
    fn the_error_for_a_missing_font_names_the_path_and_the_package() {
        let e = PdfError::NoFont {
            tried: "/nowhere/font.ttc (from FEDERA_CJK_FONT)".into(),
        };
        let msg = e.to_string();
        assert!(
            msg.contains("/nowhere/font.ttc") && msg.contains("fonts-noto-cjk"),
            "{msg}"
        );
    }
}
