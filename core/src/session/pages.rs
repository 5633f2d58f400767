//! The two small HTML pages the engine answers browsers with: a failed login (what
//! happened, and a link to try again) and the confirmation of a logout that came from
//! another site. Every value is escaped, and none comes from the request but a path.

use crate::error::Error;

/// A page for a browser whose request was refused, with an optional link to sign in
/// again. It shows the error's public message and code, never its details.
pub(crate) fn error_page(err: &Error, retry: Option<&str>) -> String {
    let link =
        retry.map(|href| format!(r#"<p><a href="{}">Try again</a></p>"#, escape(href))).unwrap_or_default();
    // A signed-in user without the role or permission a page needs is not a sign-in
    // problem: say what it is.
    let title = if err.http_status() == 403 { "Access denied" } else { "Sign-in problem" };
    // The app's own reason for refusing a login is written for its users.
    let reason = match err {
        Error::LoginDenied(reason) if !reason.trim().is_empty() => format!("<p>{}</p>", escape(reason)),
        _ => String::new(),
    };
    page(
        title,
        &format!(
            "<h1>{}</h1>{reason}<p><code>{}</code></p>{link}",
            escape(err.public_message()),
            escape(err.code())
        ),
    )
}

/// A page that sends the browser on to `path` (a same-site path) by itself, with a link
/// for a browser that does not follow `refresh`.
pub(crate) fn continue_to(path: &str) -> String {
    let href = escape(path);
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"robots\" content=\"noindex\">\
         <meta name=\"referrer\" content=\"no-referrer\"><meta http-equiv=\"refresh\" content=\"0;url={href}\"><title>Signed in</title></head>\
         <body><p>Signed in. <a href=\"{href}\">Continue</a></p></body></html>"
    )
}

/// A page that asks the user to confirm a logout that another site started: its button
/// posts to `action` (the logout route's path) from this site.
pub(crate) fn logout_confirmation(action: &str) -> String {
    page(
        "Sign out?",
        &format!(
            r#"<h1>Sign out?</h1><p>Another site sent you here to sign out.</p><form method="post" action="{}"><button type="submit">Sign out</button></form>"#,
            escape(action)
        ),
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width\"><meta name=\"robots\" content=\"noindex\"><title>{}</title></head>\
         <body>{body}</body></html>",
        escape(title)
    )
}

/// Escapes text for HTML content and double-quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_is_escaped() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        let page = logout_confirmation(r#"/auth/logout"><script>alert(1)</script>"#);
        assert!(!page.contains("<script>"), "{page}");
        let err = Error::AuthorizationDenied {
            error: "access_denied".into(),
            description: Some("<script>alert(1)</script>".into()),
        };
        let page = error_page(&err, Some("/auth/login?return_to=%2F\"><x>"));
        assert!(!page.contains("<script>") && !page.contains("<x>") && !page.contains("alert"), "{page}");
        assert!(page.contains("Try again"));
    }
}
