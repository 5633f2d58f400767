//! What `Debug` output may show of the engine's values: cookie names without their
//! sealed values, URLs without the query that carries tokens and state.

/// The names of the cookies that `Set-Cookie` values set.
pub(crate) fn cookie_names(set_cookies: &[String]) -> Vec<&str> {
    set_cookies.iter().map(|c| c.split(['=', ';']).next().unwrap_or("").trim()).collect()
}

/// A URL with its query replaced by `?[redacted]`.
pub(crate) fn url_without_query(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?[redacted]"),
        None => url.to_owned(),
    }
}
