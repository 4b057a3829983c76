//! The desired state of the logical network: entities by natural key, children inside their
//! parents (see `DESIGN.md`). Build one with the `with_*` methods, check it with
//! [`Topology::validate`], and turn it into a transaction with [`crate::diff::diff`].
//!
//! ```
//! use ovn_model::topology::{Router, RouterPort, Switch, SwitchPort, Topology};
//!
//! let topo = Topology::new()
//!     .with_router(Router::new("lr0").with_port(RouterPort::new(
//!         "lr0-ls0",
//!         "00:00:00:00:ff:01",
//!         ["10.0.0.1/24"],
//!     )))
//!     .with_switch(
//!         Switch::new("ls0")
//!             .with_port(SwitchPort::router("ls0-lr0", "lr0-ls0"))
//!             .with_port(SwitchPort::new("pod1").with_addresses(["00:00:00:00:00:01 10.0.0.2"])),
//!     );
//! topo.validate().unwrap();
//! ```

use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Error, Result};

/// String-to-string map columns (`external_ids`, `options`, `other_config`).
pub type Map = BTreeMap<String, String>;

/// The whole desired state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Topology {
    /// Logical switches by name.
    pub switches: BTreeMap<String, Switch>,
    /// Logical routers by name.
    pub routers: BTreeMap<String, Router>,
}

/// A `Logical_Switch` and its ports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Switch {
    /// `name`, the key.
    pub name: String,
    /// `other_config`.
    pub other_config: Map,
    /// `external_ids` (the owner mark is added by the diff).
    pub external_ids: Map,
    /// The ports, by name.
    pub ports: BTreeMap<String, SwitchPort>,
}

/// A `Logical_Switch_Port`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SwitchPort {
    /// `name`, the key (unique across switches).
    pub name: String,
    /// `type`: empty for a VIF, `router`, `localnet`, `virtual`, ...
    pub kind: String,
    /// `addresses`.
    pub addresses: BTreeSet<String>,
    /// `port_security`.
    pub port_security: BTreeSet<String>,
    /// `options`.
    pub options: Map,
    /// `external_ids`.
    pub external_ids: Map,
    /// `tag` (a VLAN for localnet ports), 1 to 4095.
    pub tag: Option<i64>,
}

/// A `Logical_Router` and its ports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Router {
    /// `name`, the key.
    pub name: String,
    /// `options`.
    pub options: Map,
    /// `external_ids`.
    pub external_ids: Map,
    /// The ports, by name.
    pub ports: BTreeMap<String, RouterPort>,
}

/// A `Logical_Router_Port`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouterPort {
    /// `name`, the key (unique across routers).
    pub name: String,
    /// `mac`: `xx:xx:xx:xx:xx:xx`.
    pub mac: String,
    /// `networks`: addresses with prefix lengths, `10.0.0.1/24`.
    pub networks: BTreeSet<String>,
    /// `options`.
    pub options: Map,
    /// `external_ids`.
    pub external_ids: Map,
}

impl Topology {
    /// An empty topology.
    pub fn new() -> Topology {
        Topology::default()
    }

    /// Adds (or replaces) a switch.
    pub fn with_switch(mut self, switch: Switch) -> Topology {
        self.switches.insert(switch.name.clone(), switch);
        self
    }

    /// Adds (or replaces) a router.
    pub fn with_router(mut self, router: Router) -> Topology {
        self.routers.insert(router.name.clone(), router);
        self
    }

    /// Checks every entity before anything is written: names present and unique where the
    /// database needs them unique, MACs and CIDRs well formed, tags in range, router-type
    /// switch ports pointing at a router port of this topology. Errors name the entity and
    /// the field.
    pub fn validate(&self) -> Result<()> {
        let mut switch_ports: BTreeMap<&str, &str> = BTreeMap::new();
        let mut router_ports: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, r) in &self.routers {
            check_key("Logical_Router", name, &r.name)?;
            for (pname, p) in &r.ports {
                check_key("Logical_Router_Port", pname, &p.name)?;
                if let Some(other) = router_ports.insert(pname, name) {
                    return Err(invalid(
                        "Logical_Router_Port",
                        pname,
                        "name",
                        format!("is a port of both router {other} and router {name}"),
                    ));
                }
                if !is_mac(&p.mac) {
                    return Err(invalid(
                        "Logical_Router_Port",
                        pname,
                        "mac",
                        format!("{:?} is not a MAC address", p.mac),
                    ));
                }
                if p.networks.is_empty() {
                    return Err(invalid(
                        "Logical_Router_Port",
                        pname,
                        "networks",
                        "needs at least one network",
                    ));
                }
                for n in &p.networks {
                    if !is_cidr(n) {
                        return Err(invalid(
                            "Logical_Router_Port",
                            pname,
                            "networks",
                            format!("{n:?} is not an address with a prefix length"),
                        ));
                    }
                }
            }
        }
        for (name, s) in &self.switches {
            check_key("Logical_Switch", name, &s.name)?;
            for (pname, p) in &s.ports {
                check_key("Logical_Switch_Port", pname, &p.name)?;
                if let Some(other) = switch_ports.insert(pname, name) {
                    return Err(invalid(
                        "Logical_Switch_Port",
                        pname,
                        "name",
                        format!("is a port of both switch {other} and switch {name}"),
                    ));
                }
                if let Some(tag) = p.tag
                    && !(1..=4095).contains(&tag)
                {
                    return Err(invalid(
                        "Logical_Switch_Port",
                        pname,
                        "tag",
                        format!("{tag} is not a VLAN id (1 to 4095)"),
                    ));
                }
                for a in &p.addresses {
                    check_addresses(pname, "addresses", a)?;
                }
                for a in &p.port_security {
                    check_addresses(pname, "port_security", a)?;
                }
                if p.kind == "router" {
                    let peer = p.options.get("router-port").ok_or_else(|| {
                        invalid(
                            "Logical_Switch_Port",
                            pname,
                            "options:router-port",
                            "a router port needs its peer",
                        )
                    })?;
                    if !router_ports.contains_key(peer.as_str()) {
                        return Err(invalid(
                            "Logical_Switch_Port",
                            pname,
                            "options:router-port",
                            format!("{peer:?} is not a router port of this topology"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

impl Switch {
    /// A switch with no ports.
    pub fn new(name: impl Into<String>) -> Switch {
        Switch {
            name: name.into(),
            ..Switch::default()
        }
    }

    /// Adds (or replaces) a port.
    pub fn with_port(mut self, port: SwitchPort) -> Switch {
        self.ports.insert(port.name.clone(), port);
        self
    }

    /// Sets an `other_config` key.
    pub fn with_other_config(mut self, key: impl Into<String>, value: impl Into<String>) -> Switch {
        self.other_config.insert(key.into(), value.into());
        self
    }

    /// Sets an `external_ids` key.
    pub fn with_external_id(mut self, key: impl Into<String>, value: impl Into<String>) -> Switch {
        self.external_ids.insert(key.into(), value.into());
        self
    }
}

impl SwitchPort {
    /// A plain (VIF) port.
    pub fn new(name: impl Into<String>) -> SwitchPort {
        SwitchPort {
            name: name.into(),
            ..SwitchPort::default()
        }
    }

    /// The switch side of a router attachment: `type=router`, `addresses=router`,
    /// `options:router-port=<router_port>`.
    pub fn router(name: impl Into<String>, router_port: impl Into<String>) -> SwitchPort {
        let mut p = SwitchPort::new(name);
        p.kind = "router".into();
        p.addresses = BTreeSet::from(["router".into()]);
        p.options.insert("router-port".into(), router_port.into());
        p
    }

    /// A localnet port onto provider network `network`, on VLAN `tag` if given.
    pub fn localnet(
        name: impl Into<String>,
        network: impl Into<String>,
        tag: Option<i64>,
    ) -> SwitchPort {
        let mut p = SwitchPort::new(name);
        p.kind = "localnet".into();
        p.addresses = BTreeSet::from(["unknown".into()]);
        p.options.insert("network_name".into(), network.into());
        p.tag = tag;
        p
    }

    /// Sets `addresses`.
    pub fn with_addresses<S: Into<String>>(
        mut self,
        addresses: impl IntoIterator<Item = S>,
    ) -> SwitchPort {
        self.addresses = addresses.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `port_security`.
    pub fn with_port_security<S: Into<String>>(
        mut self,
        addresses: impl IntoIterator<Item = S>,
    ) -> SwitchPort {
        self.port_security = addresses.into_iter().map(Into::into).collect();
        self
    }

    /// Sets an `options` key.
    pub fn with_option(mut self, key: impl Into<String>, value: impl Into<String>) -> SwitchPort {
        self.options.insert(key.into(), value.into());
        self
    }

    /// Sets an `external_ids` key.
    pub fn with_external_id(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> SwitchPort {
        self.external_ids.insert(key.into(), value.into());
        self
    }
}

impl Router {
    /// A router with no ports.
    pub fn new(name: impl Into<String>) -> Router {
        Router {
            name: name.into(),
            ..Router::default()
        }
    }

    /// Adds (or replaces) a port.
    pub fn with_port(mut self, port: RouterPort) -> Router {
        self.ports.insert(port.name.clone(), port);
        self
    }

    /// Sets an `options` key.
    pub fn with_option(mut self, key: impl Into<String>, value: impl Into<String>) -> Router {
        self.options.insert(key.into(), value.into());
        self
    }

    /// Sets an `external_ids` key.
    pub fn with_external_id(mut self, key: impl Into<String>, value: impl Into<String>) -> Router {
        self.external_ids.insert(key.into(), value.into());
        self
    }
}

impl RouterPort {
    /// A router port with its MAC and networks.
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        mac: impl Into<String>,
        networks: impl IntoIterator<Item = S>,
    ) -> RouterPort {
        RouterPort {
            name: name.into(),
            mac: mac.into(),
            networks: networks.into_iter().map(Into::into).collect(),
            ..RouterPort::default()
        }
    }

    /// Sets an `options` key.
    pub fn with_option(mut self, key: impl Into<String>, value: impl Into<String>) -> RouterPort {
        self.options.insert(key.into(), value.into());
        self
    }

    /// Sets an `external_ids` key.
    pub fn with_external_id(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> RouterPort {
        self.external_ids.insert(key.into(), value.into());
        self
    }
}

fn invalid(table: &str, key: &str, field: &str, reason: impl Into<String>) -> Error {
    Error::Invalid {
        entity: format!("{table} {key:?}"),
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// The map key and the entity's own name agree, and the name is usable.
fn check_key(table: &str, key: &str, name: &str) -> Result<()> {
    if key != name {
        return Err(invalid(
            table,
            key,
            "name",
            format!("is {name:?} inside the entity"),
        ));
    }
    if name.is_empty() {
        return Err(invalid(table, key, "name", "is empty"));
    }
    Ok(())
}

/// One `addresses`/`port_security` entry: `router`, `unknown`, `dynamic`, or a MAC followed
/// by IP addresses.
fn check_addresses(port: &str, field: &str, entry: &str) -> Result<()> {
    if matches!(entry, "router" | "unknown" | "dynamic") {
        return Ok(());
    }
    let mut words = entry.split_whitespace();
    let mac = words.next().unwrap_or("");
    if !is_mac(mac) {
        return Err(invalid(
            "Logical_Switch_Port",
            port,
            field,
            format!("{entry:?} does not start with a MAC address"),
        ));
    }
    for w in words {
        let addr = w.split('/').next().unwrap_or(w);
        if addr.parse::<std::net::IpAddr>().is_err() {
            return Err(invalid(
                "Logical_Switch_Port",
                port,
                field,
                format!("{w:?} in {entry:?} is not an IP address"),
            ));
        }
    }
    Ok(())
}

/// `xx:xx:xx:xx:xx:xx` with hexadecimal digits.
pub fn is_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// An IPv4 or IPv6 address with a prefix length in range: `10.0.0.1/24`, `fd00::1/64`.
pub fn is_cidr(s: &str) -> bool {
    let Some((addr, len)) = s.split_once('/') else {
        return false;
    };
    let Ok(len) = len.parse::<u8>() else {
        return false;
    };
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => len <= 32,
        Ok(std::net::IpAddr::V6(_)) => len <= 128,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_checks() {
        assert!(is_mac("00:00:00:ab:CD:ef"));
        assert!(!is_mac("00:00:00:ab:CD"));
        assert!(!is_mac("00:00:00:ab:CD:eg"));
        assert!(is_cidr("10.0.0.1/24"));
        assert!(is_cidr("fd00::1/128"));
        assert!(!is_cidr("10.0.0.1/33"));
        assert!(!is_cidr("10.0.0.1"));
        assert!(!is_cidr("10.0.0/24"));
    }

    #[test]
    fn validation_names_the_entity_and_field() {
        let bad = |t: Topology| t.validate().unwrap_err().to_string();
        let e = bad(
            Topology::new().with_router(Router::new("lr").with_port(RouterPort::new(
                "p",
                "zz",
                ["10.0.0.1/24"],
            ))),
        );
        assert!(
            e.contains("Logical_Router_Port \"p\"") && e.contains("mac"),
            "{e}"
        );
        let e = bad(Topology::new().with_switch(
            Switch::new("ls")
                .with_port(SwitchPort::new("p").with_addresses(["00:00:00:00:00:01 10.0.0.300"])),
        ));
        assert!(e.contains("addresses") && e.contains("10.0.0.300"), "{e}");
        let e = bad(Topology::new()
            .with_switch(Switch::new("ls").with_port(SwitchPort::router("p", "nope"))));
        assert!(e.contains("router-port") && e.contains("nope"), "{e}");
        let e = bad(Topology::new()
            .with_switch(Switch::new("a").with_port(SwitchPort::new("p")))
            .with_switch(Switch::new("b").with_port(SwitchPort::new("p"))));
        assert!(e.contains("both switch a and switch b"), "{e}");
        let e = bad(Topology::new().with_switch(
            Switch::new("ls").with_port(SwitchPort::localnet("ln", "physnet", Some(5000))),
        ));
        assert!(e.contains("tag"), "{e}");
    }
}
