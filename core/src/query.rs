//! Query strings encoded the way the official Scalekit SDKs encode them (`qs` with
//! RFC 3986: everything but `A-Z a-z 0-9 - . _ ~` is percent-encoded, spaces as `%20`),
//! so that URLs built here match theirs byte for byte.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

const RFC3986_RESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Builds `base?name=value&...` from the pairs whose value is present and non-empty.
pub(crate) fn build_url<'a>(
    base: &str,
    pairs: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> String {
    let mut url = String::with_capacity(base.len() + 256);
    url.push_str(base);
    let mut separator = '?';
    for (name, value) in pairs {
        let Some(value) = value.filter(|v| !v.is_empty()) else { continue };
        url.push(separator);
        separator = '&';
        url.extend(utf8_percent_encode(name, RFC3986_RESERVED));
        url.push('=');
        url.extend(utf8_percent_encode(value, RFC3986_RESERVED));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_qs_rfc3986() {
        let url = build_url(
            "https://a.example/x",
            [
                ("a", Some("b c")),
                ("skip", None),
                ("empty", Some("")),
                ("u", Some("https://x/y?z=1&w=ü~*'()")),
            ],
        );
        assert_eq!(
            url,
            "https://a.example/x?a=b%20c&u=https%3A%2F%2Fx%2Fy%3Fz%3D1%26w%3D%C3%BC~%2A%27%28%29"
        );
        assert_eq!(build_url("https://a.example/x", [("a", None)]), "https://a.example/x");
    }
}
