//! The crate's one error type.

use std::fmt;
use std::io;

/// Everything that can go wrong in this crate.
///
/// Decode errors name what was being decoded and the byte offset (from the start of the
/// message) where it went wrong; parse errors name the offending token and its column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Wire bytes that do not decode: a length that disagrees with its container, a value
    /// outside its mask, an unknown type where only known ones are allowed, nesting too deep.
    #[error("cannot decode {context} at byte {offset}: {reason}")]
    Decode {
        /// What was being decoded, e.g. `"OXM match field"` or `"NXAST_LEARN spec"`.
        context: &'static str,
        /// Offset from the start of the outermost buffer handed to the decoder.
        offset: usize,
        /// What was wrong.
        reason: String,
    },

    /// A value that cannot be put on the wire: a message over 65,535 bytes, a field the
    /// chosen OpenFlow version cannot express, a value wider than its field.
    #[error("cannot encode {what}: {reason}")]
    Encode {
        /// What was being encoded.
        what: String,
        /// Why it failed.
        reason: String,
    },

    /// Flow text (ovs-ofctl syntax) that does not parse. `column` is the 1-based character
    /// position of `token` in the input line.
    #[error("{reason} (at column {column}: `{token}`)")]
    Parse {
        /// The offending token, as written.
        token: String,
        /// Its 1-based column in the input.
        column: usize,
        /// What was wrong.
        reason: String,
    },

    /// An I/O error on the connection to a switch. Its text is the error's own; it is not also the error's
    /// `source()`, so that a chain of errors (anyhow's `{:#}`) names it once.
    #[error("I/O error: {0}")]
    Io(io::Error),

    /// The switch answered a request with an OpenFlow error message.
    #[error("switch replied with error {kind}")]
    Switch {
        /// The error's type and code (named where OpenFlow or Nicira names them).
        kind: crate::ErrorKind,
        /// The first bytes of the request that caused it, as the switch echoed them.
        data: Vec<u8>,
    },

    /// The switch rejected message `index` of a batch or bundle (counting from 0 in the
    /// order sent); in a bundle nothing was applied.
    #[error("message {index} failed: switch replied with error {kind}")]
    Failed {
        /// Which message.
        index: usize,
        /// The error's type and code.
        kind: crate::ErrorKind,
        /// The first bytes of the failed message, as the switch echoed them.
        data: Vec<u8>,
    },

    /// The connection is closed (or was closed before a reply came).
    #[error("connection closed{}", reason_suffix(.0))]
    Closed(Option<String>),

    /// The peer does not speak any OpenFlow version we were asked to use.
    #[error("version negotiation failed: {0}")]
    Version(String),

    /// A remote address (`unix:PATH`, `tcp:HOST:PORT`, `ptcp:PORT`) that does not parse.
    #[error("bad remote {remote:?}: {reason}")]
    Remote {
        /// The remote as given.
        remote: String,
        /// Why it is not understood.
        reason: String,
    },

    /// An operation did not complete in time (a probe, a barrier, a bundle commit).
    #[error("timed out: {0}")]
    Timeout(String),
}

fn reason_suffix(reason: &Option<String>) -> String {
    match reason {
        Some(r) => format!(": {r}"),
        None => String::new(),
    }
}

impl Error {
    /// A decode error; see [`Error::Decode`].
    pub fn decode(context: &'static str, offset: usize, reason: impl fmt::Display) -> Error {
        Error::Decode {
            context,
            offset,
            reason: reason.to_string(),
        }
    }

    /// An encode error; see [`Error::Encode`].
    pub fn encode(what: impl fmt::Display, reason: impl fmt::Display) -> Error {
        Error::Encode {
            what: what.to_string(),
            reason: reason.to_string(),
        }
    }

    /// A parse error; see [`Error::Parse`].
    pub fn parse(token: impl Into<String>, column: usize, reason: impl fmt::Display) -> Error {
        Error::Parse {
            token: token.into(),
            column,
            reason: reason.to_string(),
        }
    }
}

/// This crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(e)
    }
}
