//! The names of everything the session engine keeps in its store. Keys carry hashes,
//! never the identifiers themselves: a session id is a bearer credential, and `sid`/`sub`
//! values need not be readable by whoever reads Redis. The prefixes of the marks that end
//! sessions are the store's [`crate::store::MARK_PREFIXES`].

use aws_lc_rs::digest;

pub(crate) fn hashed(kind: &str, value: &str) -> String {
    let hash = digest::digest(&digest::SHA256, value.as_bytes());
    format!("skauth:{kind}:{}", hex(hash.as_ref()))
}

/// Lower-case hex. Store keys are hashed on every request of a session (the
/// back-channel logout check), so this writes into one buffer, not a string per byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

pub(crate) fn session_key(id: &str) -> String {
    hashed("session", id)
}

pub(crate) fn ended_sid_key(sid: &str) -> String {
    hashed("ended-sid", sid)
}

pub(crate) fn ended_sub_key(sub: &str) -> String {
    hashed("ended-sub", sub)
}

/// The app's own end of a user's sessions (`end_sessions_for`): milliseconds of this
/// app's clock, apart from the provider-clock mark of a back-channel logout.
pub(crate) fn ended_by_app_key(sub: &str) -> String {
    hashed("ended-by-app", sub)
}

pub(crate) fn logged_out_key(session_id: &str) -> String {
    hashed("logged-out", session_id)
}

pub(crate) fn owner_key(sub: &str) -> String {
    hashed("user-sessions", sub)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_is_lower_case_two_digits_a_byte() {
        assert_eq!(super::hex(&[0x00, 0x0f, 0xab, 0xff]), "000fabff");
        assert_eq!(super::hex(&[]), "");
    }
}
