//! OpenFlow 1.3/1.5 with the Nicira extensions Open vSwitch and OVN use.
//!
//! - [`wire`]: bounds-checked readers and writers every codec is built on. Decoders never
//!   panic: every length at every TLV layer is checked, and errors name what was being
//!   decoded and the byte offset.
//! - [`version`]: versions and hello negotiation.
//! - [`field`]: the match and set-field registry (OXM and NXM headers, names, widths,
//!   prerequisites).
//!
//! The crate does no I/O outside the connection module: codecs and the text syntax are pure
//! functions, unit-tested with byte fixtures and checked against `ovs-ofctl`.

#![deny(missing_docs)]

pub mod action;
pub mod conn;
pub mod error;
pub mod field;
pub mod flow;
pub mod matching;
pub mod message;
mod numfmt;
#[cfg(any(test, feature = "proptest"))]
pub mod strategy;
pub mod sync;
pub mod text;
pub mod version;
pub mod wire;

pub use error::{Error, Result};
pub use version::Version;

/// An OpenFlow error message's type and code (and experimenter, for experimenter errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ErrorKind {
    /// The error type (`OFPET_*`), or `0xffff` for an experimenter error.
    pub type_: u16,
    /// The error code within its type (`OFPxxC_*`), or the experimenter's exp_type.
    pub code: u16,
    /// The experimenter id of an experimenter error.
    pub experimenter: Option<u32>,
}

impl std::fmt::Display for ErrorKind {
    /// `OFPBAC_BAD_OUT_PORT (type 2 code 4)`: the name Open vSwitch gives it, when it has
    /// one, then the numbers.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(name) = self.name() {
            write!(f, "{name} (")?;
        }
        match self.experimenter {
            Some(e) => write!(
                f,
                "experimenter {e:#x} type {} code {}",
                self.type_, self.code
            ),
            None => write!(f, "type {} code {}", self.type_, self.code),
        }?;
        if self.name().is_some() {
            f.write_str(")")?;
        }
        Ok(())
    }
}
