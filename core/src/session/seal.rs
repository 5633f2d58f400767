//! Sealing cookie contents: AES-256-GCM with a key derived by HKDF-SHA256 from each
//! session secret. The first secret seals; every configured secret opens, so secrets
//! can be rotated without logging everyone out.
//!
//! Format (then base64url): `version (1 byte) || nonce (12 bytes) || ciphertext || tag`.
//! The additional data binds a sealed value to its purpose (session or login), so one
//! kind of cookie can never be replayed as the other.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::hkdf::{HKDF_SHA256, Salt};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const VERSION: u8 = 1;
const SALT: &[u8] = b"scalekit-auth cookie seal v1";

/// What a sealed value is for; part of the authenticated data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    Session,
    Login,
    /// A cookie that names a session kept in the store.
    SessionId,
    /// A refresh result shared with other instances through the store.
    SharedRefresh,
    /// A session kept in the store (never valid as a cookie).
    StoredSession,
}

impl Purpose {
    fn aad(self) -> &'static [u8] {
        match self {
            Purpose::Session => b"scalekit-auth/v1/session",
            Purpose::Login => b"scalekit-auth/v1/login",
            Purpose::SessionId => b"scalekit-auth/v1/session-id",
            Purpose::SharedRefresh => b"scalekit-auth/v1/shared-refresh",
            Purpose::StoredSession => b"scalekit-auth/v1/stored-session",
        }
    }
}

/// The keys of every configured secret, sealing key first.
pub(crate) struct Sealer {
    keys: Vec<LessSafeKey>,
    rng: SystemRandom,
}

impl Sealer {
    pub(crate) fn new(secrets: &[String]) -> Self {
        let salt = Salt::new(HKDF_SHA256, SALT);
        let keys = secrets
            .iter()
            .map(|secret| {
                let prk = salt.extract(secret.as_bytes());
                // expand() fails only for an output longer than 255 hash blocks; 32 bytes never is.
                let okm = prk.expand(&[b"cookie-aead"], &AES_256_GCM).expect("HKDF output of 32 bytes");
                LessSafeKey::new(UnboundKey::from(okm))
            })
            .collect();
        Sealer { keys, rng: SystemRandom::new() }
    }

    /// Seals `plaintext` with the first key.
    pub(crate) fn seal(&self, purpose: Purpose, plaintext: &[u8]) -> String {
        self.seal_bound(purpose, b"", plaintext)
    }

    /// Opens a sealed value with whichever configured key sealed it.
    pub(crate) fn open(&self, purpose: Purpose, sealed: &str) -> Result<Vec<u8>, &'static str> {
        self.open_bound(purpose, b"", sealed)
    }

    /// Seals `plaintext` bound to `context` too (the store key a value lives under), so
    /// that it opens only under that key: a value copied to another key is refused.
    pub(crate) fn seal_bound(&self, purpose: Purpose, context: &[u8], plaintext: &[u8]) -> String {
        let aad = [purpose.aad(), context].concat();
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).expect("the system random generator failed");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + 16);
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        let mut body = plaintext.to_vec();
        self.keys[0]
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_slice()),
                &mut body,
            )
            .expect("AES-GCM sealing of a cookie-sized value");
        out.extend_from_slice(&body);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// Opens a value sealed by [`Sealer::seal_bound`] with the same `context`.
    pub(crate) fn open_bound(
        &self,
        purpose: Purpose,
        context: &[u8],
        sealed: &str,
    ) -> Result<Vec<u8>, &'static str> {
        let aad = [purpose.aad(), context].concat();
        let bytes = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| "not base64url")?;
        let (&version, rest) = bytes.split_first().ok_or("empty")?;
        if version != VERSION {
            return Err("unknown format version");
        }
        if rest.len() < NONCE_LEN + 16 {
            return Err("too short");
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| "bad nonce")?;
        for key in &self.keys {
            let mut buffer = body.to_vec();
            if let Ok(plain) =
                key.open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad.as_slice()), &mut buffer)
            {
                return Ok(plain.to_vec());
            }
        }
        Err("does not authenticate under any configured secret")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(secrets: &[&str]) -> Sealer {
        Sealer::new(&secrets.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    const NEW: &str = "new-secret-new-secret-new-secret-!!";
    const OLD: &str = "old-secret-old-secret-old-secret-!!";

    #[test]
    fn round_trip_and_purpose_binding() {
        let s = sealer(&[NEW]);
        let sealed = s.seal(Purpose::Session, b"hello");
        assert_eq!(s.open(Purpose::Session, &sealed).unwrap(), b"hello");
        assert!(s.open(Purpose::Login, &sealed).is_err());
        assert_ne!(sealed, s.seal(Purpose::Session, b"hello"), "fresh nonce every time");
    }

    #[test]
    fn a_bound_value_opens_only_in_its_context() {
        let s = sealer(&[NEW]);
        let sealed = s.seal_bound(Purpose::StoredSession, b"key-1", b"v");
        assert_eq!(s.open_bound(Purpose::StoredSession, b"key-1", &sealed).unwrap(), b"v");
        assert!(s.open_bound(Purpose::StoredSession, b"key-2", &sealed).is_err());
        assert!(s.open(Purpose::Session, &sealed).is_err(), "a stored session is no cookie");
    }

    #[test]
    fn every_single_byte_flip_is_rejected() {
        let s = sealer(&[NEW]);
        let sealed = s.seal(Purpose::Session, b"{\"user\":\"jane\",\"tokens\":\"...\"}");
        let raw = URL_SAFE_NO_PAD.decode(&sealed).unwrap();
        for i in 0..raw.len() {
            for bit in [0x01u8, 0x80] {
                let mut flipped = raw.clone();
                flipped[i] ^= bit;
                assert!(s.open(Purpose::Session, &URL_SAFE_NO_PAD.encode(&flipped)).is_err(), "byte {i}");
            }
        }
        // Truncations too.
        for cut in 0..raw.len() {
            assert!(s.open(Purpose::Session, &URL_SAFE_NO_PAD.encode(&raw[..cut])).is_err());
        }
    }

    #[test]
    fn rotation_opens_old_cookies_and_seals_with_the_new_secret() {
        let before = sealer(&[OLD]);
        let after = sealer(&[NEW, OLD]);
        let old_cookie = before.seal(Purpose::Session, b"v");
        assert_eq!(after.open(Purpose::Session, &old_cookie).unwrap(), b"v");
        let new_cookie = after.seal(Purpose::Session, b"v");
        assert!(before.open(Purpose::Session, &new_cookie).is_err());
        assert!(
            sealer(&[NEW]).open(Purpose::Session, &old_cookie).is_err(),
            "a retired secret opens nothing"
        );
    }
}
