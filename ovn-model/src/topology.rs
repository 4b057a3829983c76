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
    /// Load balancers by name.
    pub load_balancers: BTreeMap<String, LoadBalancer>,
    /// Address sets by name.
    pub address_sets: BTreeMap<String, AddressSet>,
}

/// A `Load_Balancer`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadBalancer {
    /// `name`, the key.
    pub name: String,
    /// `vips`: `IP[:PORT]` (IPv6 in brackets with a port) to comma-separated backends.
    pub vips: Map,
    /// `protocol`: `tcp`, `udp` or `sctp`; `None` for the default, tcp.
    pub protocol: Option<String>,
    /// `selection_fields`, such as `ip_src` for client-IP affinity.
    pub selection_fields: BTreeSet<String>,
    /// `options`.
    pub options: Map,
    /// `external_ids`.
    pub external_ids: Map,
}

/// An `Address_Set`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressSet {
    /// `name`, the key (match expressions refer to it as `$name`).
    pub name: String,
    /// `addresses`: addresses or CIDRs.
    pub addresses: BTreeSet<String>,
    /// `external_ids`.
    pub external_ids: Map,
}

impl LoadBalancer {
    /// A load balancer with no VIPs.
    pub fn new(name: impl Into<String>) -> LoadBalancer {
        LoadBalancer {
            name: name.into(),
            ..LoadBalancer::default()
        }
    }

    /// Adds (or replaces) a VIP and its comma-separated backends.
    pub fn with_vip(mut self, vip: impl Into<String>, backends: impl Into<String>) -> LoadBalancer {
        self.vips.insert(vip.into(), backends.into());
        self
    }

    /// Sets the protocol.
    pub fn with_protocol(mut self, protocol: impl Into<String>) -> LoadBalancer {
        self.protocol = Some(protocol.into());
        self
    }
}

impl AddressSet {
    /// An address set with its addresses.
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        addresses: impl IntoIterator<Item = S>,
    ) -> AddressSet {
        AddressSet {
            name: name.into(),
            addresses: addresses.into_iter().map(Into::into).collect(),
            ..AddressSet::default()
        }
    }
}

/// Parses `IP`, `IP:PORT` or `[IPv6]:PORT` (a VIP or a backend); the address and port.
fn parse_endpoint(s: &str) -> Option<(std::net::IpAddr, Option<u16>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (addr, port) = rest.split_once("]:")?;
        let addr: std::net::Ipv6Addr = addr.parse().ok()?;
        return Some((addr.into(), Some(port.parse().ok()?)));
    }
    if let Ok(addr) = s.parse::<std::net::IpAddr>() {
        return Some((addr, None));
    }
    let (addr, port) = s.rsplit_once(':')?;
    let addr: std::net::Ipv4Addr = addr.parse().ok()?;
    Some((addr.into(), Some(port.parse().ok()?)))
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
    /// `acls`, by (direction, priority, match).
    pub acls: BTreeMap<(String, i64, String), Acl>,
    /// `load_balancer`: the names of load balancers (of this topology or existing ones).
    pub load_balancers: BTreeSet<String>,
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

/// A `Logical_Router` and its ports, routes, policies and NAT rules.
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
    /// `static_routes`, by [`StaticRoute::key`].
    pub static_routes: BTreeMap<(String, String, String, String), StaticRoute>,
    /// `policies`, by (priority, match).
    pub policies: BTreeMap<(i64, String), RouterPolicy>,
    /// `nat`, by (type, logical_ip, external_ip).
    pub nat: BTreeMap<(String, String, String), Nat>,
    /// `load_balancer`: the names of load balancers (of this topology or existing ones).
    pub load_balancers: BTreeSet<String>,
}

/// A `Logical_Router_Static_Route`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StaticRoute {
    /// `ip_prefix`: `0.0.0.0/0`, `10.1.0.0/16`, an address.
    pub ip_prefix: String,
    /// `nexthop`: an address, or `discard`.
    pub nexthop: String,
    /// `policy`: `dst-ip` (empty means the default, dst-ip) or `src-ip`.
    pub policy: String,
    /// `route_table`: empty for the main table.
    pub route_table: String,
    /// `output_port`.
    pub output_port: Option<String>,
    /// `options`.
    pub options: Map,
    /// `external_ids`.
    pub external_ids: Map,
}

/// A `Logical_Router_Policy`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouterPolicy {
    /// `priority`, 0 to 32767.
    pub priority: i64,
    /// `match`, an OVN match expression.
    pub match_: String,
    /// `action`: `allow`, `drop` or `reroute`.
    pub action: String,
    /// `nexthops` (for `reroute`).
    pub nexthops: BTreeSet<String>,
    /// `options`.
    pub options: Map,
    /// `external_ids`.
    pub external_ids: Map,
}

/// A `NAT` rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Nat {
    /// `type`: `snat`, `dnat` or `dnat_and_snat`.
    pub kind: String,
    /// `logical_ip`: an address, or a CIDR for `snat`.
    pub logical_ip: String,
    /// `external_ip`.
    pub external_ip: String,
    /// `logical_port` (distributed `dnat_and_snat`).
    pub logical_port: Option<String>,
    /// `external_mac` (distributed `dnat_and_snat`).
    pub external_mac: Option<String>,
    /// `options`.
    pub options: Map,
    /// `external_ids`.
    pub external_ids: Map,
}

/// An `ACL` of a switch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Acl {
    /// `direction`: `from-lport` or `to-lport`.
    pub direction: String,
    /// `priority`, 0 to 32767.
    pub priority: i64,
    /// `match`.
    pub match_: String,
    /// `action`: `allow`, `allow-related`, `allow-stateless`, `drop`, `reject`, `pass`.
    pub action: String,
    /// `log`.
    pub log: bool,
    /// `name` (the log name).
    pub name: Option<String>,
    /// `severity` of log messages.
    pub severity: Option<String>,
    /// `options`.
    pub options: Map,
    /// `external_ids`.
    pub external_ids: Map,
}

impl StaticRoute {
    /// A route to `ip_prefix` via `nexthop` in the main table, by destination.
    pub fn new(ip_prefix: impl Into<String>, nexthop: impl Into<String>) -> StaticRoute {
        StaticRoute {
            ip_prefix: ip_prefix.into(),
            nexthop: nexthop.into(),
            ..StaticRoute::default()
        }
    }

    /// The key: (ip_prefix, nexthop, policy, route_table), with an empty policy spelled
    /// `dst-ip` (what OVN takes it to mean: two routes differing only there are one route).
    pub fn key(&self) -> (String, String, String, String) {
        let policy = if self.policy.is_empty() {
            "dst-ip"
        } else {
            self.policy.as_str()
        };
        (
            self.ip_prefix.clone(),
            self.nexthop.clone(),
            policy.to_owned(),
            self.route_table.clone(),
        )
    }
}

impl RouterPolicy {
    /// A policy with its priority, match and action.
    pub fn new(
        priority: i64,
        match_: impl Into<String>,
        action: impl Into<String>,
    ) -> RouterPolicy {
        RouterPolicy {
            priority,
            match_: match_.into(),
            action: action.into(),
            ..RouterPolicy::default()
        }
    }

    /// A `reroute` policy to `nexthops`.
    pub fn reroute<S: Into<String>>(
        priority: i64,
        match_: impl Into<String>,
        nexthops: impl IntoIterator<Item = S>,
    ) -> RouterPolicy {
        let mut p = RouterPolicy::new(priority, match_, "reroute");
        p.nexthops = nexthops.into_iter().map(Into::into).collect();
        p
    }

    /// The key: (priority, match).
    pub fn key(&self) -> (i64, String) {
        (self.priority, self.match_.clone())
    }
}

impl Nat {
    /// A rule of `kind` between `logical_ip` and `external_ip`.
    pub fn new(
        kind: impl Into<String>,
        logical_ip: impl Into<String>,
        external_ip: impl Into<String>,
    ) -> Nat {
        Nat {
            kind: kind.into(),
            logical_ip: logical_ip.into(),
            external_ip: external_ip.into(),
            ..Nat::default()
        }
    }

    /// The key: (type, logical_ip, external_ip).
    pub fn key(&self) -> (String, String, String) {
        (
            self.kind.clone(),
            self.logical_ip.clone(),
            self.external_ip.clone(),
        )
    }
}

impl Acl {
    /// An ACL with its direction, priority, match and action.
    pub fn new(
        direction: impl Into<String>,
        priority: i64,
        match_: impl Into<String>,
        action: impl Into<String>,
    ) -> Acl {
        Acl {
            direction: direction.into(),
            priority,
            match_: match_.into(),
            action: action.into(),
            ..Acl::default()
        }
    }

    /// The key: (direction, priority, match).
    pub fn key(&self) -> (String, i64, String) {
        (self.direction.clone(), self.priority, self.match_.clone())
    }
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

    /// Adds (or replaces) a load balancer.
    pub fn with_load_balancer(mut self, lb: LoadBalancer) -> Topology {
        self.load_balancers.insert(lb.name.clone(), lb);
        self
    }

    /// Adds (or replaces) an address set.
    pub fn with_address_set(mut self, set: AddressSet) -> Topology {
        self.address_sets.insert(set.name.clone(), set);
        self
    }

    /// Checks every entity before anything is written: names present and unique where the
    /// database needs them unique, MACs and CIDRs well formed, tags in range, router-type
    /// switch ports pointing at a router port of this topology. Errors name the entity and
    /// the field.
    pub fn validate(&self) -> Result<()> {
        for (name, lb) in &self.load_balancers {
            check_key("Load_Balancer", name, &lb.name)?;
            if let Some(p) = &lb.protocol
                && !matches!(p.as_str(), "tcp" | "udp" | "sctp")
            {
                return Err(invalid(
                    "Load_Balancer",
                    name,
                    "protocol",
                    format!("{p:?} is not tcp, udp or sctp"),
                ));
            }
            for (vip, backends) in &lb.vips {
                let Some((addr, port)) = parse_endpoint(vip) else {
                    return Err(invalid(
                        "Load_Balancer",
                        name,
                        "vips",
                        format!("{vip:?} is not IP, IP:PORT or [IPv6]:PORT"),
                    ));
                };
                for b in backends.split(',').filter(|b| !b.is_empty()) {
                    let ok = parse_endpoint(b).is_some_and(|(a, p)| {
                        a.is_ipv4() == addr.is_ipv4() && p.is_some() == port.is_some()
                    });
                    if !ok {
                        return Err(invalid(
                            "Load_Balancer",
                            name,
                            "vips",
                            format!(
                                "backend {b:?} of {vip:?} is not an endpoint of the same kind as the VIP"
                            ),
                        ));
                    }
                }
            }
        }
        for (name, set) in &self.address_sets {
            check_key("Address_Set", name, &set.name)?;
            for a in &set.addresses {
                let addr = a.split('/').next().unwrap_or(a);
                if addr.parse::<std::net::IpAddr>().is_err() || (a.contains('/') && !is_cidr(a)) {
                    return Err(invalid(
                        "Address_Set",
                        name,
                        "addresses",
                        format!("{a:?} is not an address or CIDR"),
                    ));
                }
            }
        }
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
        for (name, r) in &self.routers {
            for (key, route) in &r.static_routes {
                let entity = format!("{name} route {} via {}", route.ip_prefix, route.nexthop);
                if *key != route.key() {
                    return Err(invalid(
                        "Logical_Router_Static_Route",
                        &entity,
                        "key",
                        "does not match the route",
                    ));
                }
                let prefix_ok = is_cidr(&route.ip_prefix)
                    || route.ip_prefix.parse::<std::net::IpAddr>().is_ok();
                if !prefix_ok {
                    return Err(invalid(
                        "Logical_Router_Static_Route",
                        &entity,
                        "ip_prefix",
                        "is not an address or CIDR",
                    ));
                }
                if route.nexthop != "discard" && route.nexthop.parse::<std::net::IpAddr>().is_err()
                {
                    return Err(invalid(
                        "Logical_Router_Static_Route",
                        &entity,
                        "nexthop",
                        "is not an address or \"discard\"",
                    ));
                }
                if !matches!(route.policy.as_str(), "" | "dst-ip" | "src-ip") {
                    return Err(invalid(
                        "Logical_Router_Static_Route",
                        &entity,
                        "policy",
                        format!("{:?} is not dst-ip or src-ip", route.policy),
                    ));
                }
            }
            for (key, p) in &r.policies {
                let entity = format!("{name} policy {} {:?}", p.priority, p.match_);
                if *key != p.key() {
                    return Err(invalid(
                        "Logical_Router_Policy",
                        &entity,
                        "key",
                        "does not match the policy",
                    ));
                }
                check_priority("Logical_Router_Policy", &entity, p.priority)?;
                check_match("Logical_Router_Policy", &entity, &p.match_)?;
                match p.action.as_str() {
                    "allow" | "drop" => {}
                    "reroute" => {
                        if p.nexthops.is_empty()
                            || p.nexthops
                                .iter()
                                .any(|n| n.parse::<std::net::IpAddr>().is_err())
                        {
                            return Err(invalid(
                                "Logical_Router_Policy",
                                &entity,
                                "nexthops",
                                "a reroute needs next hop addresses",
                            ));
                        }
                    }
                    other => {
                        return Err(invalid(
                            "Logical_Router_Policy",
                            &entity,
                            "action",
                            format!("{other:?} is not allow, drop or reroute"),
                        ));
                    }
                }
            }
            for (key, n) in &r.nat {
                let entity = format!("{name} {} {} {}", n.kind, n.logical_ip, n.external_ip);
                if *key != n.key() {
                    return Err(invalid("NAT", &entity, "key", "does not match the rule"));
                }
                if !matches!(n.kind.as_str(), "snat" | "dnat" | "dnat_and_snat") {
                    return Err(invalid(
                        "NAT",
                        &entity,
                        "type",
                        "is not snat, dnat or dnat_and_snat",
                    ));
                }
                if n.external_ip.parse::<std::net::IpAddr>().is_err() {
                    return Err(invalid("NAT", &entity, "external_ip", "is not an address"));
                }
                let logical_ok = n.logical_ip.parse::<std::net::IpAddr>().is_ok()
                    || (n.kind == "snat" && is_cidr(&n.logical_ip));
                if !logical_ok {
                    return Err(invalid(
                        "NAT",
                        &entity,
                        "logical_ip",
                        "is not an address (or, for snat, a CIDR)",
                    ));
                }
                if let Some(mac) = &n.external_mac
                    && !is_mac(mac)
                {
                    return Err(invalid(
                        "NAT",
                        &entity,
                        "external_mac",
                        "is not a MAC address",
                    ));
                }
            }
        }
        for (name, s) in &self.switches {
            check_key("Logical_Switch", name, &s.name)?;
            for (key, acl) in &s.acls {
                let entity = format!("{name} {} {} {:?}", acl.direction, acl.priority, acl.match_);
                if *key != acl.key() {
                    return Err(invalid("ACL", &entity, "key", "does not match the ACL"));
                }
                check_priority("ACL", &entity, acl.priority)?;
                check_match("ACL", &entity, &acl.match_)?;
                if !matches!(acl.direction.as_str(), "from-lport" | "to-lport") {
                    return Err(invalid(
                        "ACL",
                        &entity,
                        "direction",
                        "is not from-lport or to-lport",
                    ));
                }
                if !matches!(
                    acl.action.as_str(),
                    "allow" | "allow-related" | "allow-stateless" | "drop" | "reject" | "pass"
                ) {
                    return Err(invalid(
                        "ACL",
                        &entity,
                        "action",
                        format!("{:?} is not an ACL action", acl.action),
                    ));
                }
            }
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

    /// Adds (or replaces) an ACL.
    pub fn with_acl(mut self, acl: Acl) -> Switch {
        self.acls.insert(acl.key(), acl);
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

    /// Adds (or replaces) a static route.
    pub fn with_static_route(mut self, route: StaticRoute) -> Router {
        self.static_routes.insert(route.key(), route);
        self
    }

    /// Adds (or replaces) a policy.
    pub fn with_policy(mut self, policy: RouterPolicy) -> Router {
        self.policies.insert(policy.key(), policy);
        self
    }

    /// Adds (or replaces) a NAT rule.
    pub fn with_nat(mut self, nat: Nat) -> Router {
        self.nat.insert(nat.key(), nat);
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

fn check_priority(table: &str, entity: &str, priority: i64) -> Result<()> {
    if (0..=32767).contains(&priority) {
        Ok(())
    } else {
        Err(invalid(
            table,
            entity,
            "priority",
            format!("{priority} is not within 0 to 32767"),
        ))
    }
}

fn check_match(table: &str, entity: &str, m: &str) -> Result<()> {
    if m.trim().is_empty() {
        Err(invalid(table, entity, "match", "is empty"))
    } else {
        Ok(())
    }
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
        // VIPs: IPv4 with or without a port, IPv6 in brackets with a port; backends alike.
        let ok = Topology::new().with_load_balancer(
            LoadBalancer::new("lb")
                .with_vip("10.96.0.1:80", "10.0.0.2:8080,10.0.0.3:8080")
                .with_vip("10.96.0.2", "10.0.0.2")
                .with_vip("[fd00::1]:443", "[fd00::2]:8443"),
        );
        ok.validate().unwrap();
        for (vip, backends) in [
            ("fd00::1:443", "[fd00::2]:8443"),
            ("10.96.0.1:80", "10.0.0.2"),
            ("10.96.0.1:80", "[fd00::2]:8443"),
            ("10.96.0.1:99999", "10.0.0.2:1"),
        ] {
            let e =
                bad(Topology::new()
                    .with_load_balancer(LoadBalancer::new("lb").with_vip(vip, backends)));
            assert!(
                e.contains("Load_Balancer \"lb\"") && e.contains("vips"),
                "{vip}: {e}"
            );
        }
        let e = bad(Topology::new()
            .with_router(Router::new("lr").with_policy(RouterPolicy::new(40000, "ip", "allow"))));
        assert!(e.contains("priority"), "{e}");
        let e = bad(Topology::new()
            .with_switch(Switch::new("ls").with_acl(Acl::new("to-lport", 1, " ", "drop"))));
        assert!(e.contains("match") && e.contains("empty"), "{e}");
    }
}
