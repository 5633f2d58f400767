//! The parts of a request the engine reads, and what they say about it (a page load, a
//! same-site request, a prefetch): read once here for every framework adapter.

/// The parts of a request the engine reads.
///
/// ```
/// use scalekit_auth::RequestInfo;
/// let headers = [("accept", "text/html"), ("sec-fetch-mode", "navigate"), ("sec-fetch-site", "none")];
/// let info = RequestInfo::from_headers("GET", "/dashboard", |name| {
///     headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
/// });
/// assert!(info.is_navigation());
/// assert!(info.is_same_site_or_typed());
/// ```
#[derive(Clone, Copy, Default)]
pub struct RequestInfo<'a> {
    /// The HTTP method (`GET` when empty).
    pub method: &'a str,
    /// Path and query of the request (`/dashboard?tab=1`), for the return-to.
    pub path_and_query: &'a str,
    /// The `Cookie` header.
    pub cookie: Option<&'a str>,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The `Accept` header.
    pub accept: Option<&'a str>,
    /// The `Sec-Fetch-Mode` header (`navigate` for a page load).
    pub sec_fetch_mode: Option<&'a str>,
    /// The `Sec-Fetch-Site` header (`same-origin`, `same-site`, `cross-site`, `none`).
    pub sec_fetch_site: Option<&'a str>,
    /// The `Sec-Purpose` header, or the older `Purpose` (`prefetch`,
    /// `prefetch;prerender`): a browser fetching a page ahead of a navigation.
    pub purpose: Option<&'a str>,
}

impl std::fmt::Debug for RequestInfo<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The cookie holds the sealed session and the header a bearer token.
        f.debug_struct("RequestInfo")
            .field("method", &self.method)
            .field("path_and_query", &self.path_and_query)
            .field("cookie", &self.cookie.map(|_| "[redacted]"))
            .field("authorization", &self.authorization.map(|_| "[redacted]"))
            .field("accept", &self.accept)
            .field("sec_fetch_mode", &self.sec_fetch_mode)
            .field("sec_fetch_site", &self.sec_fetch_site)
            .field("purpose", &self.purpose)
            .finish()
    }
}

/// The request headers the engine reads, lower-case.
pub const REQUEST_HEADERS: &[&str] =
    &["cookie", "authorization", "accept", "sec-fetch-mode", "sec-fetch-site", "sec-purpose", "purpose"];

impl<'a> RequestInfo<'a> {
    /// A request with no headers.
    pub fn new(method: &'a str, path_and_query: &'a str) -> Self {
        RequestInfo { method, path_and_query, ..Default::default() }
    }

    /// Reads every header the engine uses through `header`, called with each lower-case
    /// name of [`REQUEST_HEADERS`]: adapters need not know which ones matter.
    pub fn from_headers(
        method: &'a str,
        path_and_query: &'a str,
        header: impl Fn(&str) -> Option<&'a str>,
    ) -> Self {
        RequestInfo {
            method,
            path_and_query,
            cookie: header("cookie"),
            authorization: header("authorization"),
            accept: header("accept"),
            sec_fetch_mode: header("sec-fetch-mode"),
            sec_fetch_site: header("sec-fetch-site"),
            purpose: header("sec-purpose").or_else(|| header("purpose")),
        }
    }

    /// Sets the `Cookie` header.
    pub fn cookie(mut self, cookie: Option<&'a str>) -> Self {
        self.cookie = cookie;
        self
    }

    /// Whether a person's browser is loading a page, the only kind of request that is
    /// sent to log in: `Sec-Fetch-Mode: navigate`, or, from a browser without Fetch
    /// Metadata, an `Accept` that names `text/html`. `fetch()` sends `Accept: */*`, and a
    /// bearer token marks an API client.
    pub fn is_navigation(&self) -> bool {
        if self.authorization.is_some_and(|a| a.trim_start().to_ascii_lowercase().starts_with("bearer")) {
            return false;
        }
        match self.sec_fetch_mode {
            Some(mode) => mode.trim().eq_ignore_ascii_case("navigate"),
            None => self.accept.is_some_and(|a| a.to_ascii_lowercase().contains("text/html")),
        }
    }

    /// Whether the request came from this site itself or was typed in the address bar
    /// (`Sec-Fetch-Site` `same-origin` or `none`); a browser that sends no Fetch Metadata
    /// cannot tell, and counts as such.
    pub fn is_same_site_or_typed(&self) -> bool {
        match self.sec_fetch_site.map(str::trim) {
            None => true,
            Some(site) => site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none"),
        }
    }

    /// Whether the browser is fetching the page ahead of time (a prefetch or prerender):
    /// such a request never starts a login, since the person may never go there.
    ///
    /// ```
    /// let info = scalekit_auth::RequestInfo { purpose: Some("prefetch;prerender"), ..Default::default() };
    /// assert!(info.is_prefetch());
    /// ```
    pub fn is_prefetch(&self) -> bool {
        self.purpose.is_some_and(|p| p.to_ascii_lowercase().contains("prefetch"))
    }

    pub(crate) fn query(&self) -> &str {
        self.path_and_query.split_once('?').map_or("", |(_, q)| q)
    }

    pub(crate) fn path(&self) -> &str {
        self.path_and_query.split(['?', '#']).next().unwrap_or("/")
    }
}
