//! A typed async client for OVSDB, the Open vSwitch database protocol (RFC 7047 plus the Open
//! vSwitch extensions: `monitor_cond`, `monitor_cond_since`, update2/update3, locks,
//! `set_db_change_aware`).
//!
//! The crate is split into a pure protocol core and a thin I/O driver:
//!
//! - [`value`]: atoms, data and rows with their JSON encoding.
//! - [`schema`]: `.ovsschema` parsing and datum checking.
//! - [`framing`]: the resumable JSON-RPC 1.0 stream framer.
//! - [`message`]: JSON-RPC 1.0 envelopes as ovsdb-server speaks them.
//! - [`transact`]: transaction operations, conditions, mutations and result checking.
//! - [`monitor`]: monitor requests and update/update2/update3 notifications.
//! - [`remote`]: OVS remote strings (`tcp:`, `unix:`, `ssl:`, lists) and transports.
//! - [`client`]: the [`Connection`] driver and its cloneable [`Handle`].
//! - [`replica`]: a local copy of chosen tables: indexes, snapshots, change streams.
//! - [`typed`]: typed table structs, the runtime of generated bindings.
//! - [`codegen`]: generates those bindings from an `.ovsschema`.
//! - `strategy` (feature `proptest`): proptest strategies for random rows that fit a schema.
//!
//! ```no_run
//! # async fn demo() -> ovsdb_client::Result<()> {
//! use ovsdb_client::{connect, ConnectOptions, transact::Transaction, value::Row};
//!
//! let (conn, handle) = connect("unix:/run/ovn/ovnnb_db.sock", &ConnectOptions::default()).await?;
//! tokio::spawn(conn);
//! let mut txn = Transaction::new("OVN_Northbound");
//! txn.insert("Logical_Switch", Row::new().with("name", "ls0"));
//! let results = handle.transact(txn).await?;
//! println!("{results:?}");
//! # Ok(()) }
//! ```

pub mod client;
pub mod codegen;
pub mod error;
pub mod framing;
pub mod message;
pub mod monitor;
pub mod remote;
pub mod replica;
pub mod schema;
#[cfg(any(test, feature = "proptest"))]
pub mod strategy;
pub mod transact;
pub mod typed;
pub mod value;

pub use client::{ConnectOptions, Connection, Handle, connect};
pub use error::{Error, Result};
pub use value::{Atom, Datum, Row, Uuid};
