//! Authentication for web apps on the Scalekit identity platform.
//!
//! [`ScalekitAuth`] validates access and ID tokens against the provider's published
//! keys, with every check on by default (signature, issuer, audience, expiry), and
//! returns typed [`Claims`] or an [`Error`] with a stable [`Error::code`].
//!
//! # I/O boundary
//! Network calls happen only inside the async methods of [`ScalekitAuth`] (discovery,
//! key fetches), through one `reqwest` client with the configured timeout. Building a
//! client makes no call. Time is read from the configured [`Clock`].
//!
//! ```no_run
//! # async fn run() -> Result<(), scalekit_auth::Error> {
//! let auth = scalekit_auth::ScalekitAuth::from_env()?;
//! let claims = auth.validate_access_token("eyJ...").await?;
//! println!("{} in organization {:?}", claims.sub, claims.oid);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod algorithm;
mod client;
mod clock;
mod config;
mod discovery;
mod error;
mod http;
mod jwks;
mod secret;
mod singleflight;
mod token;

#[cfg(feature = "testing")]
pub mod testing;

/// The README's examples compile as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

pub use algorithm::Algorithm;
pub use client::ScalekitAuth;
pub use clock::{Clock, SharedClock, SystemClock};
pub use config::{Config, ENV_CLIENT_ID, ENV_CLIENT_SECRET, ENV_ENVIRONMENT_URL};
pub use discovery::{DISCOVERY_PATH, ProviderMetadata};
pub use error::{Error, Result};
pub use jwks::cache::JwksStatus;
pub use jwks::{JwkSet, SkippedKey};
pub use secret::ClientSecret;
pub use token::claims::Claims;
