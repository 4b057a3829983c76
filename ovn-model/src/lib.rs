//! Typed bindings for the OVN and Open vSwitch databases, generated from the schemas vendored in
//! `schemas/` by [`ovsdb_client::codegen`]:
//!
//! | module | database | schema |
//! |---|---|---|
//! | [`nb`] | `OVN_Northbound` 7.0.0 | `schemas/ovn-nb.ovsschema` |
//! | [`sb`] | `OVN_Southbound` 20.27.0 | `schemas/ovn-sb.ovsschema` |
//! | [`vswitch`] | `Open_vSwitch` 8.3.1 | `schemas/vswitch.ovsschema` |
//!
//! Each table is a struct implementing [`ovsdb_client::typed::Table`], which converts to and
//! from the rows of `select` results, monitor updates and `insert`/`update` operations:
//!
//! ```
//! use ovn_model::nb::{Acl, AclDirection};
//! use ovsdb_client::typed::Table;
//! use ovsdb_client::{Row, Uuid};
//!
//! let row = Row::new().with("direction", "to-lport").with("priority", 1001i64);
//! let acl = Acl::from_row(Uuid(1), &row).unwrap();
//! assert_eq!(acl.direction, AclDirection::ToLport);
//! assert_eq!(acl.to_row().get_integer("priority"), Some(1001));
//! ```
//!
//! The modules are checked in and must not be edited by hand. After changing a schema or the
//! generator, regenerate them with
//!
//! ```sh
//! UPDATE_GENERATED=1 cargo test -p ovn-model --test generated_fresh
//! ```
//!
//! Without `UPDATE_GENERATED`, that test fails when a checked-in module is stale.
//!
//! On top of the bindings, a desired-state model of the northbound database and its diff
//! engine (in progress, see `DESIGN.md`): [`topology`] describes what should exist,
//! [`diff::diff`] turns it and a replica snapshot into the smallest transaction that gets there,
//! touching only the rows that carry the owner mark, and [`diff::observe`] reads the owned part
//! back as a topology.

pub mod apply;
pub mod diff;
pub mod error;
pub mod file;
mod observe;
pub mod topology;

pub use error::{Error, Result};

/// `OVN_Northbound`: the desired state of the logical network, written by CMSes.
#[rustfmt::skip]
pub mod nb;

/// `OVN_Southbound`: the logical flows, bindings and chassis, written by `ovn-northd` and
/// `ovn-controller`.
#[rustfmt::skip]
pub mod sb;

/// `Open_vSwitch`: bridges, ports and interfaces of one switch, read by `ovs-vswitchd`.
#[rustfmt::skip]
pub mod vswitch;
