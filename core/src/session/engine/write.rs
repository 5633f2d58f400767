//! Writing sessions: the sealed cookie (or the server-side record and the cookie naming
//! it), and clearing them.

use super::*;
use crate::error::{Error, Result};
use crate::session::cookies::RequestCookies;
use crate::session::data::SessionData;
use crate::session::records::Held;
use crate::session::seal::Purpose;

impl SessionEngine {
    /// The name of the session cookie (chunks are `NAME.0`, `NAME.1`, ...): the
    /// configured name, with the `__Host-` prefix when cookies are `Secure`.
    pub fn session_cookie_name(&self) -> &str {
        &self.session_cookie
    }

    /// Saves a session where it is held and returns the `Set-Cookie` values: the cookie
    /// session itself, or for a server-side session the record, plus (when `new`) the
    /// cookie naming it.
    pub(super) async fn save_session(
        &self,
        data: &SessionData,
        held: &Held,
        cookies: &RequestCookies,
        now: i64,
        new: bool,
    ) -> Result<Vec<String>> {
        match held {
            Held::Cookie => self.write_session(data, cookies),
            Held::Server(id) => {
                self.records.save(id, data, now, new).await?;
                if !new {
                    return Ok(Vec::new());
                }
                self.write_cookie(data, &self.sealer.seal(Purpose::SessionId, id.as_bytes()), cookies)
            }
        }
    }

    /// Saves a session that begins now, for a request that carried no session cookie.
    #[cfg(feature = "testing")]
    pub(crate) async fn save_new_session(
        &self,
        data: &SessionData,
        held: &Held,
        now: i64,
    ) -> Result<Vec<String>> {
        self.save_session(data, held, &RequestCookies::default(), now, true).await
    }

    pub(super) fn write_session(&self, data: &SessionData, cookies: &RequestCookies) -> Result<Vec<String>> {
        self.write_cookie(data, &self.sealer.seal(Purpose::Session, &to_json(data)), cookies)
    }

    pub(super) fn write_cookie(
        &self,
        data: &SessionData,
        sealed: &str,
        cookies: &RequestCookies,
    ) -> Result<Vec<String>> {
        let lifetime = i64::try_from(self.config.absolute_lifetime.as_secs()).unwrap_or(i64::MAX);
        let max_age = (data.created.saturating_add(lifetime) - self.now()).max(0);
        let present = cookies.chunk_names(&self.session_cookie);
        self.attrs
            .write_chunked(&self.session_cookie, sealed, max_age, &present)
            .map_err(|e| Error::InvalidArgument(format!("cannot store the session: {e}")))
    }

    pub(super) fn clear_session(&self, cookies: &RequestCookies) -> Vec<String> {
        let mut names = cookies.chunk_names(&self.session_cookie);
        if names.is_empty() {
            names.push(self.session_cookie.clone());
        }
        names.iter().map(|n| self.attrs.clear(n)).collect()
    }
}
