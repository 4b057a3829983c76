//! (in progress)
/// Placeholder.
pub struct Connection;
/// Placeholder.
pub struct Handle;
/// Placeholder.
#[derive(Default)]
pub struct ConnectOptions;
/// Placeholder.
pub async fn connect(_r: &str, _o: &ConnectOptions) -> crate::Result<(Connection, Handle)> { Err(crate::Error::Closed(None)) }
