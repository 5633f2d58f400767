//! Token validation: strict compact parsing, signature verification with a provider key,
//! then the claim rules.

pub(crate) mod cache;
pub(crate) mod claims;
pub(crate) mod compact;
pub(crate) mod read;
pub(crate) mod rules;
