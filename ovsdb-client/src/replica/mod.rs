//! A replica: a local, always-current copy of chosen tables, read through cheap snapshots.
//!
//! [`store`] is the pure core (applying updates, indexes, snapshots, the change stream). The
//! connection life around it (reconnect, resume with `monitor_cond_since`, cluster awareness)
//! builds on the [`crate::client`] driver.

pub mod live;
pub mod store;

pub use live::{Replica, ReplicaBuilder, ReplicaDriver, Status, wait_unchanged};
pub use store::{Change, ChangeKind, Hub, IndexSpec, Resync, Snapshot, Store, Subscription};
