//! A request and a route's requirements, as JavaScript hands them over, converted for
//! the core (`RequestInfo`, `Requirements`): shared by the client's bearer checks and the
//! session engine, so neither imports the other.

use napi_derive::napi;
use scalekit_auth::{RequestInfo, Requirements};

/// The parts of a request the engine reads: the method, path and query, and the
/// headers of the same names.
#[napi(object)]
#[derive(Clone, Default)]
pub struct RequestParts {
    /// `GET` when absent.
    pub method: Option<String>,
    pub path_and_query: String,
    pub cookie: Option<String>,
    pub authorization: Option<String>,
    pub accept: Option<String>,
    /// `Sec-Fetch-Mode` (`navigate` for a page load): with `accept` it tells a person's
    /// browser loading a page, sent to log in, from a script or API client, given 401.
    pub sec_fetch_mode: Option<String>,
    /// `Sec-Fetch-Site` (`same-origin`, `same-site`, `cross-site`, `none`).
    pub sec_fetch_site: Option<String>,
    /// `Sec-Purpose` (or the older `Purpose`): `prefetch` for a page fetched ahead of a
    /// navigation, which never starts a login.
    pub purpose: Option<String>,
}

impl RequestParts {
    pub(crate) fn info(&self) -> RequestInfo<'_> {
        RequestInfo {
            method: self.method.as_deref().unwrap_or("GET"),
            path_and_query: &self.path_and_query,
            cookie: self.cookie.as_deref(),
            authorization: self.authorization.as_deref(),
            accept: self.accept.as_deref(),
            sec_fetch_mode: self.sec_fetch_mode.as_deref(),
            sec_fetch_site: self.sec_fetch_site.as_deref(),
            purpose: self.purpose.as_deref(),
        }
    }
}

#[napi(object)]
#[derive(Clone, Default)]
pub struct RouteRequirements {
    pub roles: Option<Vec<String>>,
    pub permissions: Option<Vec<String>>,
    pub scopes: Option<Vec<String>>,
}

pub(crate) fn to_requirements(r: Option<RouteRequirements>) -> Requirements {
    let r = r.unwrap_or_default();
    Requirements {
        roles: r.roles.unwrap_or_default(),
        permissions: r.permissions.unwrap_or_default(),
        scopes: r.scopes.unwrap_or_default(),
    }
}
