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
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Topology {
    /// Logical switches by name.
    #[serde(deserialize_with = "crate::file::list")]
    pub switches: BTreeMap<String, Switch>,
    /// Logical routers by name.
    #[serde(deserialize_with = "crate::file::list")]
    pub routers: BTreeMap<String, Router>,
    /// Load balancers by name.
    #[serde(deserialize_with = "crate::file::list")]
    pub load_balancers: BTreeMap<String, LoadBalancer>,
    /// Address sets by name.
    #[serde(deserialize_with = "crate::file::list")]
    pub address_sets: BTreeMap<String, AddressSet>,
    /// Load balancer groups by name.
    #[serde(deserialize_with = "crate::file::list")]
    pub load_balancer_groups: BTreeMap<String, LoadBalancerGroup>,
    /// Port groups by name.
    #[serde(deserialize_with = "crate::file::list")]
    pub port_groups: BTreeMap<String, PortGroup>,
    /// DHCP options by key.
    #[serde(deserialize_with = "crate::file::list")]
    pub dhcp_options: BTreeMap<String, DhcpOptions>,
    /// DNS rows by key.
    #[serde(deserialize_with = "crate::file::list")]
    pub dns: BTreeMap<String, Dns>,
    /// HA chassis groups by name.
    #[serde(deserialize_with = "crate::file::list")]
    pub ha_chassis_groups: BTreeMap<String, HaChassisGroup>,
    /// The `NB_Global` options to set.
    pub nb_global: NbGlobal,
}

/// A `Load_Balancer`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Switch {
    /// `name`, the key.
    pub name: String,
    /// `other_config`.
    pub other_config: Map,
    /// `external_ids` (the owner mark is added by the diff).
    pub external_ids: Map,
    /// The ports, by name.
    #[serde(deserialize_with = "crate::file::list")]
    pub ports: BTreeMap<String, SwitchPort>,
    /// `acls`, by (direction, priority, match).
    #[serde(deserialize_with = "crate::file::list")]
    pub acls: BTreeMap<(String, i64, String), Acl>,
    /// `load_balancer`: the names of load balancers (of this topology or existing ones).
    pub load_balancers: BTreeSet<String>,
    /// `load_balancer_group`: the names of load balancer groups (of this topology or
    /// existing ones).
    pub load_balancer_groups: BTreeSet<String>,
    /// `dns_records`: the keys of [`Dns`] rows of this topology.
    pub dns_records: BTreeSet<String>,
}

/// A `Logical_Switch_Port`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SwitchPort {
    /// `name`, the key (unique across switches).
    pub name: String,
    /// `type`: empty for a VIF, `router`, `localnet`, `virtual`, ...
    #[serde(rename = "type")]
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
    /// `dhcpv4_options`: the key of a [`DhcpOptions`] of this topology.
    pub dhcpv4_options: Option<String>,
    /// `dhcpv6_options`: the key of a [`DhcpOptions`] of this topology.
    pub dhcpv6_options: Option<String>,
    /// `ha_chassis_group`: the name of an [`HaChassisGroup`] of this topology.
    pub ha_chassis_group: Option<String>,
}

/// A `Logical_Router` and its ports, routes, policies and NAT rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Router {
    /// `name`, the key.
    pub name: String,
    /// `options`.
    pub options: Map,
    /// `external_ids`.
    pub external_ids: Map,
    /// The ports, by name.
    #[serde(deserialize_with = "crate::file::list")]
    pub ports: BTreeMap<String, RouterPort>,
    /// `static_routes`, by [`StaticRoute::key`].
    #[serde(deserialize_with = "crate::file::list")]
    pub static_routes: BTreeMap<(String, String, String, String), StaticRoute>,
    /// `policies`, by (priority, match).
    #[serde(deserialize_with = "crate::file::list")]
    pub policies: BTreeMap<(i64, String), RouterPolicy>,
    /// `nat`, by (type, logical_ip, external_ip).
    #[serde(deserialize_with = "crate::file::list")]
    pub nat: BTreeMap<(String, String, String), Nat>,
    /// `load_balancer`: the names of load balancers (of this topology or existing ones).
    pub load_balancers: BTreeSet<String>,
    /// `load_balancer_group`: the names of load balancer groups (of this topology or
    /// existing ones).
    pub load_balancer_groups: BTreeSet<String>,
}

/// A `Logical_Router_Static_Route`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouterPolicy {
    /// `priority`, 0 to 32767.
    pub priority: i64,
    /// `match`, an OVN match expression.
    #[serde(rename = "match")]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Nat {
    /// `type`: `snat`, `dnat` or `dnat_and_snat`.
    #[serde(rename = "type")]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Acl {
    /// `direction`: `from-lport` or `to-lport`.
    pub direction: String,
    /// `priority`, 0 to 32767.
    pub priority: i64,
    /// `match`.
    #[serde(rename = "match")]
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
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouterPort {
    /// `name`, the key (unique across routers).
    pub name: String,
    /// `mac`: `xx:xx:xx:xx:xx:xx`.
    pub mac: String,
    /// `networks`: addresses with prefix lengths, `10.0.0.1/24`.
    pub networks: BTreeSet<String>,
    /// `peer`: the router port at the other end of a router-to-router link.
    pub peer: Option<String>,
    /// `gateway_chassis`, by chassis name: a distributed gateway port is bound to the
    /// chassis of highest priority that is up.
    #[serde(deserialize_with = "crate::file::list")]
    pub gateway_chassis: BTreeMap<String, GatewayChassis>,
    /// `ha_chassis_group`: the name of an [`HaChassisGroup`] of this topology (the other way
    /// of making a distributed gateway port).
    pub ha_chassis_group: Option<String>,
    /// `options`.
    pub options: Map,
    /// `external_ids`.
    pub external_ids: Map,
}

/// A `Gateway_Chassis` of a router port.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GatewayChassis {
    /// `name`, unique in the database: `<router port>-<chassis>`, as `ovn-nbctl
    /// lrp-set-gateway-chassis` names it.
    pub name: String,
    /// `chassis_name`: the chassis (its `system-id`), the key within the port.
    pub chassis_name: String,
    /// `priority`, 0 to 32767: the highest live one is active.
    pub priority: i64,
    /// `options`.
    pub options: Map,
    /// `external_ids`.
    pub external_ids: Map,
}

/// A `Load_Balancer_Group`: load balancers applied together to switches and routers.
///
/// The table has no `external_ids`, so a group cannot carry the owner mark: the diff creates
/// and updates the groups of the topology (their `load_balancer` set exactly) but never
/// deletes a group, since it cannot tell whose it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LoadBalancerGroup {
    /// `name`, the key.
    pub name: String,
    /// `load_balancer`: names of load balancers (of this topology or existing ones).
    pub load_balancers: BTreeSet<String>,
}

/// A `Port_Group`: switch ports that ACLs and match expressions (`@name`) refer to together.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PortGroup {
    /// `name`, the key.
    pub name: String,
    /// `ports`: names of switch ports (of this topology or existing ones).
    pub ports: BTreeSet<String>,
    /// `acls`, by (direction, priority, match).
    #[serde(deserialize_with = "crate::file::list")]
    pub acls: BTreeMap<(String, i64, String), Acl>,
    /// `external_ids`.
    pub external_ids: Map,
}

/// A `DHCP_Options` row, which switch ports refer to for their DHCPv4 or DHCPv6 settings.
///
/// The table has no name column: the entity's `key` is kept in `external_ids` under
/// [`crate::diff::KEY_ID`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DhcpOptions {
    /// The key, chosen by the caller (Kube-OVN's are per subnet and family).
    pub key: String,
    /// `cidr`: the subnet served.
    pub cidr: String,
    /// `options`: `router`, `server_id`, `server_mac`, `lease_time`, ... (DHCPv6:
    /// `server_id`, `dns_server`, ...).
    pub options: Map,
    /// `external_ids`.
    pub external_ids: Map,
}

/// A `DNS` row: host records that switches answer for.
///
/// Keyed like [`DhcpOptions`], by `key` in `external_ids` under [`crate::diff::KEY_ID`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Dns {
    /// The key, chosen by the caller.
    pub key: String,
    /// `records`: host name to space-separated addresses.
    pub records: Map,
    /// `external_ids`.
    pub external_ids: Map,
}

/// An `HA_Chassis_Group` and its `HA_Chassis` members.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HaChassisGroup {
    /// `name`, the key.
    pub name: String,
    /// `ha_chassis`, by chassis name.
    #[serde(deserialize_with = "crate::file::list")]
    #[serde(rename = "ha_chassis")]
    pub chassis: BTreeMap<String, HaChassis>,
    /// `external_ids`.
    pub external_ids: Map,
}

/// An `HA_Chassis`: one member of an [`HaChassisGroup`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HaChassis {
    /// `chassis_name`, the key within the group.
    pub chassis_name: String,
    /// `priority`, 0 to 32767: the highest live one is active.
    pub priority: i64,
    /// `external_ids`.
    pub external_ids: Map,
}

/// The options of the `NB_Global` singleton that the topology sets. `NB_Global` belongs to
/// everyone (ovn-northd writes options of its own there), so only the keys listed here are
/// touched: a value sets the key, `None` removes it; other keys are left alone.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NbGlobal {
    /// `options` to set (`Some`) or remove (`None`), such as `use_ct_inv_match=false`.
    pub options: BTreeMap<String, Option<String>>,
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

    /// Adds (or replaces) a load balancer group.
    pub fn with_load_balancer_group(mut self, group: LoadBalancerGroup) -> Topology {
        self.load_balancer_groups.insert(group.name.clone(), group);
        self
    }

    /// Adds (or replaces) a port group.
    pub fn with_port_group(mut self, group: PortGroup) -> Topology {
        self.port_groups.insert(group.name.clone(), group);
        self
    }

    /// Adds (or replaces) a DHCP options row.
    pub fn with_dhcp_options(mut self, options: DhcpOptions) -> Topology {
        self.dhcp_options.insert(options.key.clone(), options);
        self
    }

    /// Adds (or replaces) a DNS row.
    pub fn with_dns(mut self, dns: Dns) -> Topology {
        self.dns.insert(dns.key.clone(), dns);
        self
    }

    /// Adds (or replaces) an HA chassis group.
    pub fn with_ha_chassis_group(mut self, group: HaChassisGroup) -> Topology {
        self.ha_chassis_groups.insert(group.name.clone(), group);
        self
    }

    /// Sets an `NB_Global` option.
    pub fn with_nb_global_option(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Topology {
        self.nb_global
            .options
            .insert(key.into(), Some(value.into()));
        self
    }

    /// Checks every entity before anything is written: names present and unique where the
    /// database needs them unique, MACs and CIDRs well formed, priorities and tags in range,
    /// references (to load balancers, router ports, DHCP options, DNS rows, HA chassis
    /// groups, switch ports) resolving within this topology. Errors name the entity and the
    /// field.
    ///
    /// [`crate::diff::diff`] checks each entity it writes the same way, and the references
    /// it writes against the database as well; this checks the whole topology at once (the
    /// topology file does, for instance).
    pub fn validate(&self) -> Result<()> {
        for (name, lb) in &self.load_balancers {
            check_key("Load_Balancer", name, &lb.name)?;
            lb.check()?;
        }
        for (name, g) in &self.load_balancer_groups {
            check_key("Load_Balancer_Group", name, &g.name)?;
            for lb in &g.load_balancers {
                self.check_ref("Load_Balancer_Group", name, "load_balancer", lb)?;
            }
        }
        for (name, set) in &self.address_sets {
            check_key("Address_Set", name, &set.name)?;
            set.check()?;
        }
        for (key, d) in &self.dhcp_options {
            check_key("DHCP_Options", key, &d.key)?;
            d.check()?;
        }
        for (key, d) in &self.dns {
            check_key("DNS", key, &d.key)?;
        }
        for (name, g) in &self.ha_chassis_groups {
            check_key("HA_Chassis_Group", name, &g.name)?;
            g.check()?;
        }
        let mut router_ports: BTreeMap<&str, &str> = BTreeMap::new();
        let mut gateway_chassis: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, r) in &self.routers {
            check_key("Logical_Router", name, &r.name)?;
            for lb in &r.load_balancers {
                self.check_ref("Logical_Router", name, "load_balancer", lb)?;
            }
            for g in &r.load_balancer_groups {
                self.check_ref("Logical_Router", name, "load_balancer_group", g)?;
            }
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
                p.check(self)?;
                for gc in p.gateway_chassis.values() {
                    if let Some(other) = gateway_chassis.insert(&gc.name, pname) {
                        return Err(invalid(
                            "Gateway_Chassis",
                            &gc.name,
                            "name",
                            format!("is used by both router port {other} and {pname}"),
                        ));
                    }
                }
            }
            for (key, route) in &r.static_routes {
                if *key != route.key() {
                    return Err(invalid(
                        "Logical_Router_Static_Route",
                        &route.describe(name),
                        "key",
                        "does not match the route",
                    ));
                }
                route.check(name)?;
            }
            for (key, p) in &r.policies {
                if *key != p.key() {
                    return Err(invalid(
                        "Logical_Router_Policy",
                        &p.describe(name),
                        "key",
                        "does not match the policy",
                    ));
                }
                p.check(name)?;
            }
            for (key, n) in &r.nat {
                if *key != n.key() {
                    return Err(invalid(
                        "NAT",
                        &n.describe(name),
                        "key",
                        "does not match the rule",
                    ));
                }
                n.check(name)?;
            }
        }
        let mut switch_ports: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, s) in &self.switches {
            check_key("Logical_Switch", name, &s.name)?;
            for lb in &s.load_balancers {
                self.check_ref("Logical_Switch", name, "load_balancer", lb)?;
            }
            for g in &s.load_balancer_groups {
                self.check_ref("Logical_Switch", name, "load_balancer_group", g)?;
            }
            for d in &s.dns_records {
                self.check_ref("Logical_Switch", name, "dns_records", d)?;
            }
            for (key, acl) in &s.acls {
                if *key != acl.key() {
                    return Err(invalid(
                        "ACL",
                        &acl.describe(name),
                        "key",
                        "does not match the ACL",
                    ));
                }
                acl.check(name)?;
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
                p.check(self)?;
            }
        }
        for (name, g) in &self.port_groups {
            check_key("Port_Group", name, &g.name)?;
            for port in &g.ports {
                if !switch_ports.contains_key(port.as_str()) {
                    return Err(invalid(
                        "Port_Group",
                        name,
                        "ports",
                        format!("{port:?} is not a switch port of this topology"),
                    ));
                }
            }
            for (key, acl) in &g.acls {
                if *key != acl.key() {
                    return Err(invalid(
                        "ACL",
                        &acl.describe(name),
                        "key",
                        "does not match the ACL",
                    ));
                }
                acl.check(name)?;
            }
        }
        for (key, value) in &self.nb_global.options {
            if key.is_empty() || value.as_deref() == Some("") {
                return Err(invalid(
                    "NB_Global",
                    ".",
                    "options",
                    format!("{key:?}: keys and values must not be empty"),
                ));
            }
        }
        Ok(())
    }

    /// A reference from `table` `name`'s `field` to an entity of this topology.
    fn check_ref(&self, table: &str, name: &str, field: &str, target: &str) -> Result<()> {
        let (exists, what) = match field {
            "load_balancer" => (self.load_balancers.contains_key(target), "a load balancer"),
            "load_balancer_group" => (
                self.load_balancer_groups.contains_key(target),
                "a load balancer group",
            ),
            "dns_records" => (self.dns.contains_key(target), "a DNS row"),
            "dhcpv4_options" | "dhcpv6_options" => {
                (self.dhcp_options.contains_key(target), "a DHCP options row")
            }
            "ha_chassis_group" => (
                self.ha_chassis_groups.contains_key(target),
                "an HA chassis group",
            ),
            _ => (false, "known"),
        };
        if exists {
            Ok(())
        } else {
            Err(invalid(
                table,
                name,
                field,
                format!("{target:?} is not {what} of this topology"),
            ))
        }
    }

    /// Whether `name` is a router port of this topology.
    pub(crate) fn has_router_port(&self, name: &str) -> bool {
        self.routers.values().any(|r| r.ports.contains_key(name))
    }
}

impl LoadBalancer {
    pub(crate) fn check(&self) -> Result<()> {
        let name = &self.name;
        if let Some(p) = &self.protocol
            && !matches!(p.as_str(), "tcp" | "udp" | "sctp")
        {
            return Err(invalid(
                "Load_Balancer",
                name,
                "protocol",
                format!("{p:?} is not tcp, udp or sctp"),
            ));
        }
        for f in &self.selection_fields {
            if !matches!(
                f.as_str(),
                "eth_src" | "eth_dst" | "ip_src" | "ip_dst" | "tp_src" | "tp_dst"
            ) {
                return Err(invalid(
                    "Load_Balancer",
                    name,
                    "selection_fields",
                    format!("{f:?} is not one of eth_src, eth_dst, ip_src, ip_dst, tp_src, tp_dst"),
                ));
            }
        }
        for (vip, backends) in &self.vips {
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
        Ok(())
    }
}

impl AddressSet {
    pub(crate) fn check(&self) -> Result<()> {
        for a in &self.addresses {
            let addr = a.split('/').next().unwrap_or(a);
            if addr.parse::<std::net::IpAddr>().is_err() || (a.contains('/') && !is_cidr(a)) {
                return Err(invalid(
                    "Address_Set",
                    &self.name,
                    "addresses",
                    format!("{a:?} is not an address or CIDR"),
                ));
            }
        }
        Ok(())
    }
}

impl DhcpOptions {
    pub(crate) fn check(&self) -> Result<()> {
        if !is_cidr(&self.cidr) {
            return Err(invalid(
                "DHCP_Options",
                &self.key,
                "cidr",
                format!("{:?} is not a CIDR", self.cidr),
            ));
        }
        Ok(())
    }
}

impl HaChassisGroup {
    pub(crate) fn check(&self) -> Result<()> {
        for (chassis, member) in &self.chassis {
            let priority = &member.priority;
            if chassis.is_empty() || *chassis != member.chassis_name {
                return Err(invalid(
                    "HA_Chassis_Group",
                    &self.name,
                    "ha_chassis",
                    format!("member {chassis:?} has an empty or different chassis_name"),
                ));
            }
            check_priority("HA_Chassis_Group", &self.name, *priority)?;
        }
        Ok(())
    }
}

impl RouterPort {
    pub(crate) fn check(&self, topo: &Topology) -> Result<()> {
        let pname = &self.name;
        if !is_mac(&self.mac) {
            return Err(invalid(
                "Logical_Router_Port",
                pname,
                "mac",
                format!("{:?} is not a MAC address", self.mac),
            ));
        }
        if self.networks.is_empty() {
            return Err(invalid(
                "Logical_Router_Port",
                pname,
                "networks",
                "needs at least one network",
            ));
        }
        for n in &self.networks {
            if !is_cidr(n) {
                return Err(invalid(
                    "Logical_Router_Port",
                    pname,
                    "networks",
                    format!("{n:?} is not an address with a prefix length"),
                ));
            }
        }
        if let Some(peer) = &self.peer
            && !topo.has_router_port(peer)
        {
            return Err(invalid(
                "Logical_Router_Port",
                pname,
                "peer",
                format!("{peer:?} is not a router port of this topology"),
            ));
        }
        if let Some(g) = &self.ha_chassis_group {
            topo.check_ref("Logical_Router_Port", pname, "ha_chassis_group", g)?;
            if !self.gateway_chassis.is_empty() {
                return Err(invalid(
                    "Logical_Router_Port",
                    pname,
                    "gateway_chassis",
                    "and ha_chassis_group are exclusive",
                ));
            }
        }
        for (chassis, gc) in &self.gateway_chassis {
            if *chassis != gc.chassis_name || chassis.is_empty() || gc.name.is_empty() {
                return Err(invalid(
                    "Logical_Router_Port",
                    pname,
                    "gateway_chassis",
                    format!("{chassis:?} does not match its chassis_name, or a name is empty"),
                ));
            }
            check_priority("Gateway_Chassis", &gc.name, gc.priority)?;
        }
        Ok(())
    }
}

impl StaticRoute {
    pub(crate) fn describe(&self, router: &str) -> String {
        format!("{router} route {} via {}", self.ip_prefix, self.nexthop)
    }

    pub(crate) fn check(&self, router: &str) -> Result<()> {
        let entity = self.describe(router);
        let prefix_ok =
            is_cidr(&self.ip_prefix) || self.ip_prefix.parse::<std::net::IpAddr>().is_ok();
        if !prefix_ok {
            return Err(invalid(
                "Logical_Router_Static_Route",
                &entity,
                "ip_prefix",
                "is not an address or CIDR",
            ));
        }
        if self.nexthop != "discard" && self.nexthop.parse::<std::net::IpAddr>().is_err() {
            return Err(invalid(
                "Logical_Router_Static_Route",
                &entity,
                "nexthop",
                "is not an address or \"discard\"",
            ));
        }
        if !matches!(self.policy.as_str(), "" | "dst-ip" | "src-ip") {
            return Err(invalid(
                "Logical_Router_Static_Route",
                &entity,
                "policy",
                format!("{:?} is not dst-ip or src-ip", self.policy),
            ));
        }
        Ok(())
    }
}

impl RouterPolicy {
    pub(crate) fn describe(&self, router: &str) -> String {
        format!("{router} policy {} {:?}", self.priority, self.match_)
    }

    pub(crate) fn check(&self, router: &str) -> Result<()> {
        let entity = self.describe(router);
        check_priority("Logical_Router_Policy", &entity, self.priority)?;
        check_match("Logical_Router_Policy", &entity, &self.match_)?;
        match self.action.as_str() {
            "allow" | "drop" => Ok(()),
            "reroute" => {
                if self.nexthops.is_empty()
                    || self
                        .nexthops
                        .iter()
                        .any(|n| n.parse::<std::net::IpAddr>().is_err())
                {
                    Err(invalid(
                        "Logical_Router_Policy",
                        &entity,
                        "nexthops",
                        "a reroute needs next hop addresses",
                    ))
                } else {
                    Ok(())
                }
            }
            other => Err(invalid(
                "Logical_Router_Policy",
                &entity,
                "action",
                format!("{other:?} is not allow, drop or reroute"),
            )),
        }
    }
}

impl Nat {
    pub(crate) fn describe(&self, router: &str) -> String {
        format!(
            "{router} {} {} {}",
            self.kind, self.logical_ip, self.external_ip
        )
    }

    pub(crate) fn check(&self, router: &str) -> Result<()> {
        let entity = self.describe(router);
        if !matches!(self.kind.as_str(), "snat" | "dnat" | "dnat_and_snat") {
            return Err(invalid(
                "NAT",
                &entity,
                "type",
                "is not snat, dnat or dnat_and_snat",
            ));
        }
        if self.external_ip.parse::<std::net::IpAddr>().is_err() {
            return Err(invalid("NAT", &entity, "external_ip", "is not an address"));
        }
        let logical_ok = self.logical_ip.parse::<std::net::IpAddr>().is_ok()
            || (self.kind == "snat" && is_cidr(&self.logical_ip));
        if !logical_ok {
            return Err(invalid(
                "NAT",
                &entity,
                "logical_ip",
                "is not an address (or, for snat, a CIDR)",
            ));
        }
        if let Some(mac) = &self.external_mac
            && !is_mac(mac)
        {
            return Err(invalid(
                "NAT",
                &entity,
                "external_mac",
                "is not a MAC address",
            ));
        }
        Ok(())
    }
}

impl Acl {
    pub(crate) fn describe(&self, holder: &str) -> String {
        format!(
            "{holder} {} {} {:?}",
            self.direction, self.priority, self.match_
        )
    }

    pub(crate) fn check(&self, holder: &str) -> Result<()> {
        let entity = self.describe(holder);
        check_priority("ACL", &entity, self.priority)?;
        check_match("ACL", &entity, &self.match_)?;
        if !matches!(self.direction.as_str(), "from-lport" | "to-lport") {
            return Err(invalid(
                "ACL",
                &entity,
                "direction",
                "is not from-lport or to-lport",
            ));
        }
        if !matches!(
            self.action.as_str(),
            "allow" | "allow-related" | "allow-stateless" | "drop" | "reject" | "pass"
        ) {
            return Err(invalid(
                "ACL",
                &entity,
                "action",
                format!("{:?} is not an ACL action", self.action),
            ));
        }
        Ok(())
    }
}

impl SwitchPort {
    pub(crate) fn check(&self, topo: &Topology) -> Result<()> {
        let pname = &self.name;
        if let Some(tag) = self.tag
            && !(1..=4095).contains(&tag)
        {
            return Err(invalid(
                "Logical_Switch_Port",
                pname,
                "tag",
                format!("{tag} is not a VLAN id (1 to 4095)"),
            ));
        }
        for a in &self.addresses {
            check_addresses(pname, "addresses", a)?;
        }
        for a in &self.port_security {
            check_addresses(pname, "port_security", a)?;
        }
        if let Some(d) = &self.dhcpv4_options {
            topo.check_ref("Logical_Switch_Port", pname, "dhcpv4_options", d)?;
        }
        if let Some(d) = &self.dhcpv6_options {
            topo.check_ref("Logical_Switch_Port", pname, "dhcpv6_options", d)?;
        }
        if let Some(g) = &self.ha_chassis_group {
            topo.check_ref("Logical_Switch_Port", pname, "ha_chassis_group", g)?;
        }
        match self.kind.as_str() {
            "router" => {
                let peer = self.options.get("router-port").ok_or_else(|| {
                    invalid(
                        "Logical_Switch_Port",
                        pname,
                        "options:router-port",
                        "a router port needs its peer",
                    )
                })?;
                if !topo.has_router_port(peer) {
                    return Err(invalid(
                        "Logical_Switch_Port",
                        pname,
                        "options:router-port",
                        format!("{peer:?} is not a router port of this topology"),
                    ));
                }
            }
            "virtual" => {
                let ip = self.options.get("virtual-ip").map(String::as_str);
                if ip.is_none_or(|ip| ip.parse::<std::net::IpAddr>().is_err()) {
                    return Err(invalid(
                        "Logical_Switch_Port",
                        pname,
                        "options:virtual-ip",
                        "a virtual port needs its IP address",
                    ));
                }
                if self
                    .options
                    .get("virtual-parents")
                    .is_none_or(|p| p.split(',').all(str::is_empty))
                {
                    return Err(invalid(
                        "Logical_Switch_Port",
                        pname,
                        "options:virtual-parents",
                        "a virtual port needs its parent ports",
                    ));
                }
            }
            _ => {}
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

    /// A virtual port: `type=virtual`, owning `virtual_ip` on behalf of whichever of
    /// `parents` (switch port names) claims it.
    pub fn virtual_port<S: AsRef<str>>(
        name: impl Into<String>,
        virtual_ip: impl Into<String>,
        parents: impl IntoIterator<Item = S>,
    ) -> SwitchPort {
        let mut p = SwitchPort::new(name);
        p.kind = "virtual".into();
        p.options.insert("virtual-ip".into(), virtual_ip.into());
        let parents: Vec<String> = parents.into_iter().map(|s| s.as_ref().to_owned()).collect();
        p.options
            .insert("virtual-parents".into(), parents.join(","));
        p
    }

    /// Sets `dhcpv4_options` to the [`DhcpOptions`] with key `key`.
    pub fn with_dhcpv4_options(mut self, key: impl Into<String>) -> SwitchPort {
        self.dhcpv4_options = Some(key.into());
        self
    }

    /// Sets `dhcpv6_options` to the [`DhcpOptions`] with key `key`.
    pub fn with_dhcpv6_options(mut self, key: impl Into<String>) -> SwitchPort {
        self.dhcpv6_options = Some(key.into());
        self
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

    /// Adds a gateway chassis (named `<port>-<chassis>`) with its priority.
    pub fn with_gateway_chassis(mut self, chassis: impl Into<String>, priority: i64) -> RouterPort {
        let chassis = chassis.into();
        let gc = GatewayChassis {
            name: format!("{}-{chassis}", self.name),
            chassis_name: chassis.clone(),
            priority,
            ..GatewayChassis::default()
        };
        self.gateway_chassis.insert(chassis, gc);
        self
    }

    /// Sets `ha_chassis_group` to the [`HaChassisGroup`] named `group`.
    pub fn with_ha_chassis_group(mut self, group: impl Into<String>) -> RouterPort {
        self.ha_chassis_group = Some(group.into());
        self
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

impl LoadBalancerGroup {
    /// A group of the named load balancers.
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        load_balancers: impl IntoIterator<Item = S>,
    ) -> LoadBalancerGroup {
        LoadBalancerGroup {
            name: name.into(),
            load_balancers: load_balancers.into_iter().map(Into::into).collect(),
        }
    }
}

impl PortGroup {
    /// A group of the named switch ports.
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        ports: impl IntoIterator<Item = S>,
    ) -> PortGroup {
        PortGroup {
            name: name.into(),
            ports: ports.into_iter().map(Into::into).collect(),
            ..PortGroup::default()
        }
    }

    /// Adds (or replaces) an ACL.
    pub fn with_acl(mut self, acl: Acl) -> PortGroup {
        self.acls.insert(acl.key(), acl);
        self
    }

    /// Sets an `external_ids` key.
    pub fn with_external_id(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> PortGroup {
        self.external_ids.insert(key.into(), value.into());
        self
    }
}

impl DhcpOptions {
    /// DHCP options for `cidr`, under the caller's `key`.
    pub fn new(key: impl Into<String>, cidr: impl Into<String>) -> DhcpOptions {
        DhcpOptions {
            key: key.into(),
            cidr: cidr.into(),
            ..DhcpOptions::default()
        }
    }

    /// Sets an `options` key.
    pub fn with_option(mut self, key: impl Into<String>, value: impl Into<String>) -> DhcpOptions {
        self.options.insert(key.into(), value.into());
        self
    }
}

impl Dns {
    /// An empty DNS row under the caller's `key`.
    pub fn new(key: impl Into<String>) -> Dns {
        Dns {
            key: key.into(),
            ..Dns::default()
        }
    }

    /// Adds (or replaces) a record: host name to space-separated addresses.
    pub fn with_record(mut self, host: impl Into<String>, addresses: impl Into<String>) -> Dns {
        self.records.insert(host.into(), addresses.into());
        self
    }
}

impl HaChassisGroup {
    /// An empty group.
    pub fn new(name: impl Into<String>) -> HaChassisGroup {
        HaChassisGroup {
            name: name.into(),
            ..HaChassisGroup::default()
        }
    }

    /// Adds (or replaces) a member chassis with its priority.
    pub fn with_chassis(mut self, chassis: impl Into<String>, priority: i64) -> HaChassisGroup {
        let chassis = chassis.into();
        self.chassis.insert(
            chassis.clone(),
            HaChassis {
                chassis_name: chassis,
                priority,
                external_ids: Map::new(),
            },
        );
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
