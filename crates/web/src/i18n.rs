//! The UI's two languages: checked catalogue files per locale and area (`i18n/en/app.txt`,
//! `i18n/zh-CN/app.txt`, ...: `key = text` lines), embedded in the binary.
//!
//! A plain catalogue rather than Fluent or gettext: the UI needs no plurals or gender yet, the
//! files stay readable for translators, and a test checks both catalogues hold the same keys.
//! Placeholders are `{name}`, filled by [`Locale::fill`].

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::http::HeaderMap;
use axum_extra::extract::CookieJar;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    ZhCn,
    En,
}

pub const LOCALE_COOKIE: &str = "federa_lang";

/// One catalogue file per area of the UI, so that each area's strings sit together.
macro_rules! catalogue_files {
    ($locale:literal) => {
        [
            include_str!(concat!("../i18n/", $locale, "/app.txt")),
            include_str!(concat!("../i18n/", $locale, "/registry.txt")),
            include_str!(concat!("../i18n/", $locale, "/engagement.txt")),
            include_str!(concat!("../i18n/", $locale, "/governance.txt")),
        ]
    };
}

static EN_FILES: [&str; 4] = catalogue_files!("en");
static ZH_FILES: [&str; 4] = catalogue_files!("zh-CN");

static EN: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| EN_FILES.iter().flat_map(|&f| parse(f)).collect());
static ZH: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| ZH_FILES.iter().flat_map(|&f| parse(f)).collect());

/// `key = text` per line; `#` starts a comment line.
pub fn parse(src: &'static str) -> HashMap<&'static str, &'static str> {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

/// Keys of a catalogue, for the test that both hold the same.
pub fn keys(locale: Locale) -> Vec<&'static str> {
    let mut k: Vec<_> = catalogue(locale).keys().copied().collect();
    k.sort_unstable();
    k
}

fn catalogue(locale: Locale) -> &'static HashMap<&'static str, &'static str> {
    match locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Locale> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Locale::ZhCn)
        } else if s.starts_with("en") {
            Some(Locale::En)
        } else {
            None
        }
    }

    /// The visible switch's cookie, then the first language of Accept-Language we speak,
    /// then Chinese.
    pub fn from_request(headers: &HeaderMap) -> Locale {
        let jar = CookieJar::from_headers(headers);
        if let Some(l) = jar
            .get(LOCALE_COOKIE)
            .and_then(|c| Locale::parse(c.value()))
        {
            return l;
        }
        let accept = headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut langs: Vec<(f32, &str)> = accept
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        langs.sort_by(|a, b| b.0.total_cmp(&a.0));
        langs
            .into_iter()
            .find_map(|(_, tag)| Locale::parse(tag))
            .unwrap_or(Locale::ZhCn)
    }

    /// The text for `key`; when this catalogue lacks it (a test forbids that), the English
    /// text, else `?`, and a warning in the log.
    pub fn t(self, key: &str) -> &'static str {
        match catalogue(self).get(key) {
            Some(v) => v,
            None => {
                tracing::warn!(key, locale = self.code(), "missing translation");
                EN.get(key).copied().unwrap_or("?")
            }
        }
    }

    /// Whether this catalogue has `key` (a lookup, for optional area-specific texts).
    pub fn has(self, key: &str) -> bool {
        catalogue(self).contains_key(key)
    }

    /// The text for `key` with `{name}` placeholders filled.
    pub fn fill(self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.t(key).to_string();
        for (k, v) in args {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }

    /// The translated message of an error code (`error.CODE`).
    pub fn error(self, code: &str) -> String {
        self.t(&format!("error.{code}")).to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::type_complexity)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_have_the_same_keys() {
        assert_eq!(keys(Locale::En), keys(Locale::ZhCn));
        assert!(keys(Locale::En).len() > 50);
    }

    #[test]
    fn no_key_is_defined_twice() {
        for files in [&EN_FILES, &ZH_FILES] {
            let mut seen = std::collections::HashSet::new();
            for f in files.iter() {
                for (k, _) in f
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .filter_map(|l| l.split_once('='))
                {
                    assert!(seen.insert(k.trim()), "{} is defined twice", k.trim());
                }
            }
        }
    }

    #[test]
    fn accept_language_picks_the_preferred_known_language() {
        let mut h = HeaderMap::new();
        h.insert(
            "accept-language",
            "fr;q=0.9, en-GB;q=0.8, zh;q=0.5".parse().unwrap(),
        );
        assert_eq!(Locale::from_request(&h), Locale::En);
        h.insert("cookie", "federa_lang=zh-CN".parse().unwrap());
        assert_eq!(Locale::from_request(&h), Locale::ZhCn);
    }
}
