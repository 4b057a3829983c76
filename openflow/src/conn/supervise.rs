//! A connection that comes back: reconnect with exponential backoff after the switch goes
//! away (or restarts), and a hook that runs on every new connection, typically to replay the
//! desired flows into the restarted switch's empty tables.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::{Config, Frame, Handle, Remote, connect};
use crate::error::{Error, Result};

/// Delays between connection attempts: `min`, doubling up to `max`; back to `min` after a
/// connection that lasted at least `max`.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    /// First delay.
    pub min: Duration,
    /// Largest delay.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            min: Duration::from_millis(100),
            max: Duration::from_secs(8),
        }
    }
}

/// What [`supervise`] calls on every new connection, before publishing its handle.
pub type OnConnect =
    Arc<dyn Fn(Handle) -> Pin<Box<dyn Future<Output = Result<()>> + Send>> + Send + Sync>;

/// The state of a supervised connection, as reported by [`Supervisor::status`].
#[derive(Clone, Debug)]
pub enum Status {
    /// Not connected yet, or reconnecting; the last error, if any.
    Connecting(Option<Arc<Error>>),
    /// Connected (and the hook succeeded); the connection's number, counting from 1.
    Connected(u64, Handle),
}

/// Keeps a connection to one switch; see [`supervise`]. Dropping it stops the supervision
/// and closes the connection.
#[derive(Debug)]
pub struct Supervisor {
    status: watch::Receiver<Status>,
    task: JoinHandle<()>,
}

impl Drop for Supervisor {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Supervisor {
    /// The current status.
    pub fn status(&self) -> Status {
        self.status.borrow().clone()
    }

    /// Waits for a connection whose hook has run; its handle and its number (1 for the first
    /// connection, 2 after one reconnect, ...). Call again after a request failed with
    /// [`Error::Closed`] to get the next connection.
    pub async fn connected(&self) -> (u64, Handle) {
        let mut rx = self.status.clone();
        loop {
            if let Status::Connected(n, h) = &*rx.borrow_and_update() {
                return (*n, h.clone());
            }
            if rx.changed().await.is_err() {
                // The task ended (it only does when aborted); wait forever like a dead
                // switch would.
                std::future::pending::<()>().await;
            }
        }
    }

    /// Waits for a connection numbered above `after`.
    pub async fn connected_after(&self, after: u64) -> (u64, Handle) {
        let mut rx = self.status.clone();
        loop {
            if let Status::Connected(n, h) = &*rx.borrow_and_update()
                && *n > after
            {
                return (*n, h.clone());
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Connects to `remote` and keeps reconnecting (with `backoff`) whenever the connection
/// ends. On each new connection `on_connect` runs first (replaying the flows a restarted
/// switch lost, for example); a failing hook drops the connection and counts as a failed
/// attempt. Asynchronous messages of every connection go to the returned receiver.
pub fn supervise(
    remote: Remote,
    config: Config,
    backoff: Backoff,
    on_connect: OnConnect,
) -> (Supervisor, mpsc::UnboundedReceiver<Frame>) {
    let (status_tx, status_rx) = watch::channel(Status::Connecting(None));
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let mut delay = backoff.min;
        let mut number = 0u64;
        loop {
            let started = tokio::time::Instant::now();
            let result = async {
                let (conn, handle, mut events) = connect(&remote, config.clone()).await?;
                let driver = tokio::spawn(conn);
                let forward = {
                    let tx = events_tx.clone();
                    tokio::spawn(async move {
                        while let Some(f) = events.recv().await {
                            let _ = tx.send(f);
                        }
                    })
                };
                let ended = async {
                    on_connect(handle.clone()).await?;
                    number += 1;
                    let _ = status_tx.send(Status::Connected(number, handle.clone()));
                    drop(handle);
                    match driver.await {
                        Ok(r) => r,
                        Err(e) => Err(Error::Closed(Some(format!("driver task failed: {e}")))),
                    }
                }
                .await;
                forward.abort();
                ended
            }
            .await;
            let err = match result {
                Ok(()) => Error::Closed(Some("the switch closed the connection".into())),
                Err(e) => e,
            };
            tracing::info!(%remote, error = %err, "OpenFlow connection ended; reconnecting");
            let _ = status_tx.send(Status::Connecting(Some(Arc::new(err))));
            if started.elapsed() >= backoff.max {
                delay = backoff.min;
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(backoff.max);
        }
    });
    (
        Supervisor {
            status: status_rx,
            task,
        },
        events_rx,
    )
}
