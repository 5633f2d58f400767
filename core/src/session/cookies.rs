//! Reading the `Cookie` header and writing `Set-Cookie` values, including sessions too
//! large for one cookie: they are split into `NAME.0`, `NAME.1`, ... so that no
//! `Set-Cookie` line exceeds 4096 bytes, and chunks a smaller session no longer needs
//! are cleared.

use cookie::{Cookie, SameSite};

/// Browsers keep at least 4096 bytes per cookie, name and attributes included.
pub(crate) const MAX_SET_COOKIE_BYTES: usize = 4096;
/// More chunks than this are never written nor read (a 20 KB session needs 6).
pub(crate) const MAX_CHUNKS: usize = 16;

/// The cookies of a request, from one or more `Cookie` header values.
#[derive(Debug, Default, Clone)]
pub(crate) struct RequestCookies {
    pairs: Vec<(String, String)>,
}

impl RequestCookies {
    /// Parses `Cookie` headers leniently: a malformed pair is skipped, never an error.
    pub(crate) fn parse<'a>(headers: impl IntoIterator<Item = &'a str>) -> Self {
        let mut pairs = Vec::new();
        for header in headers {
            for cookie in Cookie::split_parse(header).flatten() {
                pairs.push((cookie.name().to_owned(), cookie.value().to_owned()));
            }
        }
        RequestCookies { pairs }
    }

    /// The first cookie called `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Names of the cookies that start with `prefix`.
    pub(crate) fn names_with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs.iter().map(|(n, _)| n.as_str()).filter(move |n| n.starts_with(prefix))
    }

    /// A value stored whole under `base` or in chunks `base.0`, `base.1`, ...
    pub(crate) fn read_chunked(&self, base: &str) -> Option<String> {
        if let Some(whole) = self.get(base) {
            return Some(whole.to_owned());
        }
        let mut joined = String::new();
        for i in 0..MAX_CHUNKS {
            match self.get(&chunk_name(base, i)) {
                Some(part) => joined.push_str(part),
                None => break,
            }
        }
        (!joined.is_empty()).then_some(joined)
    }

    /// Every cookie name under which a chunked value `base` may be stored.
    pub(crate) fn chunk_names(&self, base: &str) -> Vec<String> {
        let dotted = format!("{base}.");
        let mut names: Vec<String> = self
            .pairs
            .iter()
            .map(|(n, _)| n)
            .filter(|n| *n == base || n.strip_prefix(&dotted).is_some_and(|i| i.parse::<usize>().is_ok()))
            .cloned()
            .collect();
        names.dedup();
        names
    }
}

pub(crate) fn chunk_name(base: &str, index: usize) -> String {
    format!("{base}.{index}")
}

/// The `SameSite` attribute of the session cookie.
///
/// `Lax` (the default) sends the session with top-level navigations from other sites (a
/// link to the app opens it signed in) but not with their forms, images or scripts.
/// `Strict` sends it only with requests started on the app itself: a link from another
/// site, or the redirect back from the provider, arrives signed out until the next
/// navigation. `None` sends it with every cross-site request (an app embedded in another
/// site's frame); it requires `Secure` and leaves cross-site request forgery to the app.
///
/// ```
/// use scalekit_auth::CookieSameSite;
/// assert_eq!(CookieSameSite::from_name("strict"), Some(CookieSameSite::Strict));
/// assert_eq!(CookieSameSite::Lax.name(), "Lax");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CookieSameSite {
    /// Sent with same-site requests and top-level cross-site navigations.
    #[default]
    Lax,
    /// Sent with same-site requests only.
    Strict,
    /// Sent with every request (needs `Secure`).
    None,
}

impl CookieSameSite {
    /// Reads `lax`, `strict` or `none` (any case).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "lax" => Some(CookieSameSite::Lax),
            "strict" => Some(CookieSameSite::Strict),
            "none" => Some(CookieSameSite::None),
            _ => None,
        }
    }

    /// The attribute value: `Lax`, `Strict` or `None`.
    pub fn name(self) -> &'static str {
        match self {
            CookieSameSite::Lax => "Lax",
            CookieSameSite::Strict => "Strict",
            CookieSameSite::None => "None",
        }
    }
}

/// Attributes shared by every cookie of one kind the engine writes.
#[derive(Debug, Clone, Default)]
pub(crate) struct CookieAttributes {
    pub(crate) secure: bool,
    pub(crate) same_site: CookieSameSite,
    /// `Domain`: absent for host-only cookies (the default).
    pub(crate) domain: Option<String>,
}

impl CookieAttributes {
    /// `NAME=VALUE; HttpOnly; SameSite=Lax; Path=/; [Secure;] [Domain=...;] Max-Age=...`
    pub(crate) fn set(&self, name: &str, value: &str, max_age_seconds: i64) -> String {
        let same_site = match self.same_site {
            CookieSameSite::Lax => SameSite::Lax,
            CookieSameSite::Strict => SameSite::Strict,
            CookieSameSite::None => SameSite::None,
        };
        let mut cookie = Cookie::build((name.to_owned(), value.to_owned()))
            .http_only(true)
            .same_site(same_site)
            .path("/")
            .secure(self.secure)
            .max_age(cookie::time::Duration::seconds(max_age_seconds.max(0)));
        if let Some(domain) = &self.domain {
            cookie = cookie.domain(domain.clone());
        }
        cookie.build().to_string()
    }

    /// A `Set-Cookie` that deletes `name`.
    pub(crate) fn clear(&self, name: &str) -> String {
        self.set(name, "", 0)
    }

    /// Writes `value` under `base`, whole or in chunks, and clears whatever the request
    /// held under `base` that this write does not overwrite.
    pub(crate) fn write_chunked(
        &self,
        base: &str,
        value: &str,
        max_age_seconds: i64,
        present: &[String],
    ) -> Result<Vec<String>, String> {
        if !value.is_ascii() {
            return Err("cookie values written here are sealed base64url, never other text".into());
        }
        let whole = self.set(base, value, max_age_seconds);
        let mut written: Vec<String> = Vec::new();
        let mut out = Vec::new();
        if whole.len() <= MAX_SET_COOKIE_BYTES {
            written.push(base.to_owned());
            out.push(whole);
        } else {
            // The room a chunk has: the limit less the longest name and the attributes.
            let overhead = self.set(&chunk_name(base, MAX_CHUNKS), "", max_age_seconds).len();
            let room = MAX_SET_COOKIE_BYTES - overhead;
            let chunks: Vec<&str> =
                value.as_bytes().chunks(room).filter_map(|c| std::str::from_utf8(c).ok()).collect();
            if chunks.len() > MAX_CHUNKS {
                return Err(format!(
                    "a session of {} bytes needs more than {MAX_CHUNKS} cookies",
                    value.len()
                ));
            }
            for (i, chunk) in chunks.iter().enumerate() {
                let name = chunk_name(base, i);
                out.push(self.set(&name, chunk, max_age_seconds));
                written.push(name);
            }
        }
        for stale in present.iter().filter(|n| !written.contains(n)) {
            out.push(self.clear(stale));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ATTRS: CookieAttributes =
        CookieAttributes { secure: true, same_site: CookieSameSite::Lax, domain: None };

    /// What a browser would send back after applying `set_cookies` to `jar`.
    fn apply(jar: &mut Vec<(String, String)>, set_cookies: &[String]) {
        for line in set_cookies {
            let c = Cookie::parse(line.as_str()).unwrap();
            jar.retain(|(n, _)| n != c.name());
            if c.max_age() != Some(cookie::time::Duration::ZERO) {
                jar.push((c.name().to_owned(), c.value().to_owned()));
            }
        }
    }

    fn header(jar: &[(String, String)]) -> String {
        jar.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    #[test]
    fn sessions_of_2_6_and_20_kb_round_trip_within_the_size_limit() {
        let mut jar = Vec::new();
        for size in [2_000, 6_000, 20_000, 2_000] {
            let value: String = (0..size).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            let present = RequestCookies::parse([header(&jar).as_str()]).chunk_names("s");
            let lines = ATTRS.write_chunked("s", &value, 60, &present).unwrap();
            assert!(lines.iter().all(|l| l.len() <= MAX_SET_COOKIE_BYTES), "{size}");
            apply(&mut jar, &lines);
            let read = RequestCookies::parse([header(&jar).as_str()]).read_chunked("s");
            assert_eq!(read.as_deref(), Some(value.as_str()), "{size}");
        }
        // After shrinking back to 2 KB, no chunk is left behind.
        assert_eq!(jar.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["s"]);
    }

    #[test]
    fn a_missing_chunk_truncates_the_value() {
        let value = "x".repeat(10_000);
        let mut jar = Vec::new();
        apply(&mut jar, &ATTRS.write_chunked("s", &value, 60, &[]).unwrap());
        jar.retain(|(n, _)| n != "s.1");
        let read = RequestCookies::parse([header(&jar).as_str()]).read_chunked("s").unwrap();
        assert!(read.len() < value.len());
    }

    #[test]
    fn attributes() {
        let line = ATTRS.set("n", "v", 600);
        for part in ["n=v", "HttpOnly", "SameSite=Lax", "Path=/", "Secure", "Max-Age=600"] {
            assert!(line.contains(part), "{line}");
        }
        assert!(!CookieAttributes::default().set("n", "v", 1).contains("Secure"));
        assert!(ATTRS.clear("n").contains("Max-Age=0"));
        let shared = CookieAttributes {
            secure: true,
            same_site: CookieSameSite::Strict,
            domain: Some("example.com".into()),
        };
        let line = shared.set("n", "v", 1);
        assert!(line.contains("SameSite=Strict") && line.contains("Domain=example.com"), "{line}");
        assert!(shared.clear("n").contains("Domain=example.com"), "a clearing reaches the same cookie");
    }

    proptest! {
        #[test]
        fn parsing_any_header_never_panics(header in ".{0,300}") {
            let cookies = RequestCookies::parse([header.as_str()]);
            let _ = cookies.read_chunked("s");
            let _ = cookies.chunk_names("s");
        }

        #[test]
        fn written_values_read_back(value in "[A-Za-z0-9_-]{1,12000}", name in "[a-z][a-z0-9_]{0,15}") {
            let mut jar = vec![("other".to_string(), "1".to_string())];
            apply(&mut jar, &ATTRS.write_chunked(&name, &value, 60, &[]).unwrap());
            let cookies = RequestCookies::parse([header(&jar).as_str()]);
            prop_assert_eq!(cookies.read_chunked(&name), Some(value));
            prop_assert_eq!(cookies.get("other"), Some("1"));
        }
    }
}
