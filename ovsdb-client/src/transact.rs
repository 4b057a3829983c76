//! (in progress)

/// Placeholder.
#[derive(Debug, thiserror::Error)]
#[error("transaction failed")]
pub struct TransactionError;
