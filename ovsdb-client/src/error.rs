//! The crate's one error type.

use std::io;

/// Everything that can go wrong in this crate.
///
/// Messages name what was wrong and where: the table and column for schema errors, the operation
/// index for transaction errors, the byte offset for framing errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error on the transport. Its text is the error's own; it is not also the error's
    /// `source()`, so that a chain of errors (anyhow's `{:#}`) names it once.
    #[error("I/O error: {0}")]
    Io(io::Error),

    /// The byte stream is not a sequence of JSON objects, or a message exceeds the size limit.
    #[error("framing error at byte {offset} of the stream: {reason}")]
    Framing {
        /// Offset from the start of the connection's input.
        offset: u64,
        /// What was wrong.
        reason: String,
    },

    /// A message or value could not be decoded.
    #[error("cannot decode {what}: {reason}")]
    Decode {
        /// What was being decoded, e.g. `"transact reply"` or `"update2 notification"`.
        what: String,
        /// The decoder's explanation, with its line and column where known.
        reason: String,
    },

    /// A message could not be encoded (for example a NaN real).
    #[error("cannot encode {what}: {reason}")]
    Encode {
        /// What was being encoded.
        what: String,
        /// Why it failed.
        reason: String,
    },

    /// An `.ovsschema` is malformed, or a datum does not match its column's type.
    #[error("schema error{}: {message}", location(table, column))]
    Schema {
        /// The table, when the error concerns one.
        table: Option<String>,
        /// The column, when the error concerns one.
        column: Option<String>,
        /// What was wrong.
        message: String,
    },

    /// A row or datum does not convert to or from a typed table struct (see [`crate::typed`]):
    /// a column holds a set where one value belongs, or an atom of the wrong type.
    #[error("cannot convert {table}.{column}: {reason}")]
    Conversion {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What was wrong.
        reason: String,
    },

    /// The server answered a request with an error.
    #[error("{method} failed: {error}{}", details.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Rpc {
        /// The method of the request.
        method: String,
        /// The error string, e.g. `"unknown method"` or `"unknown database"`.
        error: String,
        /// The `details` member, when the server sent one.
        details: Option<String>,
    },

    /// A transaction operation, or the commit, failed. See [`crate::transact`].
    #[error("{0}")]
    Transaction(#[from] crate::transact::TransactionError),

    /// A remote string such as `tcp:127.0.0.1:6641` is malformed.
    #[error("bad remote {remote:?}: {reason}")]
    Remote {
        /// The remote as given.
        remote: String,
        /// What was wrong.
        reason: String,
    },

    /// TLS configuration (key, certificate or CA files) or handshake failure.
    #[error("TLS: {0}")]
    Tls(String),

    /// A request or a connection attempt timed out, or the server stopped answering probes.
    #[error("timed out: {0}")]
    Timeout(String),

    /// The connection is closed; the request may or may not have reached the server.
    #[error("connection closed{}", .0.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    Closed(Option<String>),

    /// The connection ended before the request was written out in full, so the server never
    /// executed it: sending it again (on a new connection) is safe.
    #[error("request not sent: {0}")]
    NotSent(String),

    /// The connection failed after a transaction was sent and before its reply arrived: it may
    /// or may not have been committed. It is never resent automatically.
    #[error("transaction in doubt: {0}")]
    InDoubt(String),

    /// A protocol rule was broken by the peer (for example a reply to an unknown id).
    #[error("protocol error: {0}")]
    Protocol(String),
}

fn location(table: &Option<String>, column: &Option<String>) -> String {
    match (table, column) {
        (Some(t), Some(c)) => format!(" in {t}.{c}"),
        (Some(t), None) => format!(" in table {t}"),
        (None, Some(c)) => format!(" in column {c}"),
        (None, None) => String::new(),
    }
}

impl Error {
    pub(crate) fn decode(what: impl Into<String>, reason: impl std::fmt::Display) -> Error {
        Error::Decode {
            what: what.into(),
            reason: reason.to_string(),
        }
    }

    pub(crate) fn schema(
        table: Option<&str>,
        column: Option<&str>,
        message: impl Into<String>,
    ) -> Error {
        Error::Schema {
            table: table.map(str::to_owned),
            column: column.map(str::to_owned),
            message: message.into(),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(e)
    }
}
