//! The provider's signing keys: parsing ([`JwkSet`]) and the shared cache that fetches
//! them ([`cache::JwksCache`]).

pub(crate) mod cache;
pub(crate) mod key;
mod set;

pub use set::{JwkSet, SkippedKey};
