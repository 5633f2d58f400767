//! Where to send the user after login: only a path on this same site. Anything that a
//! browser could read as another origin (`//evil`, `/\evil`, `https://evil`, encoded or
//! with control characters) falls back to `/`.

/// The longest return-to path kept: it travels in a login cookie, and a browser holds
/// up to three of those.
const MAX_LEN: usize = 512;

/// `candidate`, normalised (dot segments resolved), if it is a safe same-origin
/// relative path of at most 512 bytes, else `/`.
///
/// ```
/// use scalekit_auth::safe_return_to;
/// assert_eq!(safe_return_to("/reports?year=2026#top"), "/reports?year=2026#top");
/// assert_eq!(safe_return_to("//evil.example"), "/");
/// assert_eq!(safe_return_to("https://evil.example/"), "/");
/// assert_eq!(safe_return_to("/a/../b"), "/b");
/// assert_eq!(safe_return_to("/..//evil.example"), "/");
/// ```
pub fn safe_return_to(candidate: &str) -> String {
    normalised(candidate).unwrap_or_else(|| "/".to_owned())
}

fn normalised(path: &str) -> Option<String> {
    if path.is_empty() || path.len() > MAX_LEN || !path.starts_with('/') {
        return None;
    }
    // Browsers drop tabs and newlines inside URLs and treat '\' as '/': either can turn
    // "/ /evil" or "/\evil" into a network-path reference.
    if path.chars().any(|c| c.is_control() || c == '\\' || c.is_whitespace()) {
        return None;
    }
    // Check the decoded form too: "/%2F%2Fevil" or "/%5Cevil" must not survive a decode
    // somewhere down the line.
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    for form in [path, decoded.as_ref()] {
        if form.starts_with("//") || form.contains('\\') || form.chars().any(char::is_control) {
            return None;
        }
    }
    // Resolved against a placeholder origin it must stay on that origin; the resolved
    // form is what is kept, so "/..//x" cannot become "//x" further down the line.
    let base = url::Url::parse("https://return-to.invalid/").ok()?;
    let resolved = base.join(path).ok().filter(|u| u.origin() == base.origin())?;
    let mut out = resolved.path().to_owned();
    if out.starts_with("//") || out.contains('\\') {
        return None;
    }
    if let Some(query) = resolved.query() {
        out.push('?');
        out.push_str(query);
    }
    if let Some(fragment) = resolved.fragment() {
        out.push('#');
        out.push_str(fragment);
    }
    (out.len() <= MAX_LEN).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_redirect_payloads_fall_back_to_root() {
        let payloads = [
            "//evil.example",
            "///evil.example",
            "////evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "\\\\evil.example",
            "https://evil.example",
            "http://evil.example/path",
            "HTTPS://evil.example",
            "//evil.example/%2F..",
            "/%2F%2Fevil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/\tevil.example",
            "/\n/evil.example",
            "/\r\n//evil.example",
            "/\u{0}//evil.example",
            " //evil.example",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(document.cookie)",
            "data:text/html,<script>alert(1)</script>",
            "evil.example",
            "//evil.example@good.example",
            "/%09/evil.example",
            "/%0d%0a//evil.example",
            "/ /evil.example",
            "/..//evil.example",
            "/a/../..//evil.example",
            "/.//evil.example",
            "/%2e%2e//evil.example",
            "",
            &format!("/{}", "a".repeat(600)),
        ];
        assert!(payloads.len() >= 20);
        for p in payloads {
            assert_eq!(safe_return_to(p), "/", "{p:?}");
        }
    }

    #[test]
    fn dot_segments_are_resolved() {
        assert_eq!(safe_return_to("/a/./b/../c?x=1#f"), "/a/c?x=1#f");
        assert_eq!(safe_return_to("/.."), "/");
    }

    #[test]
    fn ordinary_paths_are_kept() {
        for p in ["/", "/dashboard", "/a/b?c=d&e=%2F#frag", "/reports/2026/q1", "/search?q=a%20b", "/@me"] {
            assert_eq!(safe_return_to(p), p);
        }
    }
}
