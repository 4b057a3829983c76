//! The crate's error type.

/// What can go wrong building or applying a desired state.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An entity of the desired state is malformed.
    #[error("{entity}: {field} {reason}")]
    Invalid {
        /// The entity, as `Table "key"`.
        entity: String,
        /// The field at fault.
        field: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A desired entity's key matches a row the model does not own (it lacks the owner mark):
    /// such rows are never modified.
    #[error(
        "{entity} clashes with row {row} of {table}, which is not ours (no {mark} in external_ids)"
    )]
    Foreign {
        /// The desired entity, as `Table "key"`.
        entity: String,
        /// The table of the existing row.
        table: String,
        /// The existing row's UUID.
        row: ovsdb_client::Uuid,
        /// The owner mark, `key=value`.
        mark: String,
    },

    /// An owned row that is no longer desired cannot go: deleting it would take a row that is
    /// not ours (a foreign port in our switch) with it.
    #[error("{entity} cannot be removed: it holds {held}, which is not ours")]
    HoldsForeign {
        /// The owned row, as `Table "key"`.
        entity: String,
        /// The foreign row it holds, as `Table "key"`.
        held: String,
    },

    /// A topology file is not valid JSON or does not fit the format.
    #[error("topology file: {reason}")]
    File {
        /// What is wrong, and where.
        reason: String,
    },

    /// The database or the connection failed.
    #[error(transparent)]
    Ovsdb(#[from] ovsdb_client::Error),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
