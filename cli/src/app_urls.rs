//! The app's own URLs: the callback (`redirect_uri`), where logout returns
//! (`post_logout_redirect_uri`), and what the callback's scheme means for cookies.

use scalekit_auth::{ENV_POST_LOGOUT_REDIRECT_URI, ENV_REDIRECT_URI, is_loopback};
use url::Url;

use crate::core_rules;
use crate::report::Step;

/// Checks the callback URL: the core's rules (a URL, https unless loopback), then a
/// path for the app's callback route and no fragment. Returns the parsed URL when it
/// passed.
pub fn redirect_uri(raw: &str) -> (Step, Option<Url>) {
    const NAME: &str = "redirect_uri";
    let fix = format!(
        "set {ENV_REDIRECT_URI} to the app's callback URL as registered in the Scalekit dashboard, e.g. \
         https://app.example.com/auth/callback (http only on localhost)"
    );
    if let Some(problem) = core_rules::session(Some(raw), None, None, None) {
        return (Step::error(NAME, problem, fix), None);
    }
    let Ok(url) = Url::parse(raw) else {
        return (Step::error(NAME, format!("{ENV_REDIRECT_URI} {raw:?} is not a URL"), fix), None);
    };
    if url.host().is_none() {
        return (Step::error(NAME, format!("{ENV_REDIRECT_URI} {raw:?} has no host"), fix), None);
    }
    if url.path() == "/" || url.path().is_empty() {
        let message =
            format!("{ENV_REDIRECT_URI} {raw:?} has no path; the callback needs a route of its own");
        return (Step::error(NAME, message, fix), None);
    }
    if url.fragment().is_some() {
        let message =
            format!("{ENV_REDIRECT_URI} {raw:?} has a fragment, which OAuth forbids (RFC 6749 §3.1.2)");
        return (Step::error(NAME, message, fix), None);
    }
    (Step::ok(NAME, format!("{raw} (callback route {})", url.path())), Some(url))
}

/// Checks where logout returns: a URL (the core's rule), absolute, https unless
/// loopback, and on the callback's origin (another origin only warns).
pub fn post_logout_redirect_uri(raw: Option<&str>, redirect: Option<&Url>) -> Step {
    const NAME: &str = "post_logout_redirect_uri";
    let fix = format!(
        "set {ENV_POST_LOGOUT_REDIRECT_URI} to a page of the app registered in the Scalekit dashboard, e.g. \
         https://app.example.com/"
    );
    let Some(raw) = raw else {
        return Step::warning(
            NAME,
            format!(
                "{ENV_POST_LOGOUT_REDIRECT_URI} is not set; after logout users stay on the provider's page"
            ),
            fix,
        );
    };
    if let Some(problem) = core_rules::session(None, Some(raw), None, None) {
        return Step::error(NAME, problem, fix);
    }
    let url = match Url::parse(raw) {
        Ok(url) if url.host().is_some() && matches!(url.scheme(), "http" | "https") => url,
        _ => {
            let message = format!("{ENV_POST_LOGOUT_REDIRECT_URI} {raw:?} is not an absolute http(s) URL");
            return Step::error(NAME, message, fix);
        }
    };
    if url.scheme() == "http" && !is_loopback(&url) {
        let message =
            format!("{ENV_POST_LOGOUT_REDIRECT_URI} {raw:?} must use https (plain http only on localhost)");
        return Step::error(NAME, message, fix);
    }
    match redirect {
        Some(redirect) if redirect.origin() != url.origin() => Step::warning(
            NAME,
            format!(
                "{ENV_POST_LOGOUT_REDIRECT_URI} {raw:?} is on {}, another origin than {ENV_REDIRECT_URI} ({})",
                url.origin().ascii_serialization(),
                redirect.origin().ascii_serialization()
            ),
            format!(
                "use a page on {} unless the app really spans origins",
                redirect.origin().ascii_serialization()
            ),
        ),
        _ => Step::ok(NAME, raw.to_owned()),
    }
}

/// What the callback's scheme means for the session cookies (the core sets `Secure`
/// unless the callback is plain http on a loopback host).
pub fn cookies(redirect: Option<&Url>) -> Step {
    const NAME: &str = "cookies";
    match redirect {
        None => Step::skipped(NAME, format!("needs a valid {ENV_REDIRECT_URI}")),
        Some(url) if url.scheme() == "https" => {
            Step::ok(NAME, "session cookies are Secure, HttpOnly, SameSite=Lax, with the __Host- prefix")
        }
        Some(_) => Step::warning(
            NAME,
            "session cookies are not Secure (plain http on a loopback host): fine for development only",
            format!("use an https {ENV_REDIRECT_URI} in production"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    #[test]
    fn callbacks_need_https_off_loopback_and_a_path() {
        let status = |raw: &str| redirect_uri(raw).0.status;
        assert_eq!(status("https://app.example.com/auth/callback"), Status::Ok);
        assert_eq!(status("http://localhost:3000/auth/callback"), Status::Ok);
        assert_eq!(status("http://app.example.com/auth/callback"), Status::Error);
        assert_eq!(status("https://app.example.com"), Status::Error);
        assert_eq!(status("https://app.example.com/cb#x"), Status::Error);
        assert_eq!(status("/auth/callback"), Status::Error);
    }

    #[test]
    fn logout_on_another_origin_warns() {
        let redirect = Url::parse("https://app.example.com/auth/callback").unwrap();
        let status = |raw: Option<&str>| post_logout_redirect_uri(raw, Some(&redirect)).status;
        assert_eq!(status(Some("https://app.example.com/")), Status::Ok);
        assert_eq!(status(Some("https://www.example.com/")), Status::Warning);
        assert_eq!(status(Some("http://app.example.com/")), Status::Error);
        assert_eq!(status(Some("not a url")), Status::Error);
        assert_eq!(status(None), Status::Warning);
    }

    #[test]
    fn plain_http_loopback_cookies_are_for_development() {
        let local = Url::parse("http://127.0.0.1:3000/cb").unwrap();
        assert_eq!(cookies(Some(&local)).status, Status::Warning);
        let public = Url::parse("https://app.example.com/cb").unwrap();
        assert_eq!(cookies(Some(&public)).status, Status::Ok);
        assert_eq!(cookies(None).status, Status::Skipped);
    }
}
