//! Secret values that must not leak through logs, `Debug` output or error messages.

use std::fmt;

/// A client secret (or any credential) that prints as `[redacted]` and compares in
/// constant time. Reach the value only through [`ClientSecret::secret`].
///
/// ```
/// let s = scalekit_auth::ClientSecret::new("sk_live_123");
/// assert_eq!(format!("{s:?}"), "ClientSecret([redacted])");
/// assert_eq!(s.secret(), "sk_live_123");
/// ```
#[derive(Clone)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        ClientSecret(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// Whether no secret was given.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret([redacted])")
    }
}

impl PartialEq for ClientSecret {
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for ClientSecret {}

/// Compares two byte strings in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = ClientSecret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn equality_is_by_value() {
        assert_eq!(ClientSecret::new("a"), ClientSecret::new("a"));
        assert_ne!(ClientSecret::new("a"), ClientSecret::new("b"));
        assert_ne!(ClientSecret::new("a"), ClientSecret::new("ab"));
    }
}
