//! The topology file: a whole [`Topology`] in one JSON document, as `ovn-apply` reads it.
//!
//! Every section is optional and every entity lists its children inline; field names are the
//! OVN_Northbound column names (`type`, `match`, ...). Unknown fields are errors (a typo must
//! not silently drop a setting), and errors give the line and column.
//!
//! ```json
//! {
//!   "routers": [
//!     { "name": "lr0",
//!       "ports": [ { "name": "lr0-ls0", "mac": "00:00:00:00:ff:01", "networks": ["10.0.0.1/24"] } ],
//!       "static_routes": [ { "ip_prefix": "0.0.0.0/0", "nexthop": "172.16.0.254" } ],
//!       "policies": [ { "priority": 31000, "match": "ip4.dst == 10.0.0.0/16", "action": "allow" } ],
//!       "nat": [ { "type": "snat", "logical_ip": "10.0.0.0/24", "external_ip": "172.16.0.1" } ] }
//!   ],
//!   "switches": [
//!     { "name": "ls0", "load_balancers": ["lb-web"],
//!       "ports": [
//!         { "name": "ls0-lr0", "type": "router", "addresses": ["router"],
//!           "options": { "router-port": "lr0-ls0" } },
//!         { "name": "pod1", "addresses": ["00:00:00:00:00:01 10.0.0.10"] } ],
//!       "acls": [ { "direction": "to-lport", "priority": 1000, "match": "ip", "action": "drop" } ] }
//!   ],
//!   "load_balancers": [
//!     { "name": "lb-web", "protocol": "tcp", "vips": { "10.96.0.10:80": "10.0.0.10:8080" } }
//!   ],
//!   "address_sets": [ { "name": "allowed", "addresses": ["10.0.0.0/24"] } ]
//! }
//! ```

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::topology::{
    Acl, AddressSet, LoadBalancer, Map, Nat, Router, RouterPolicy, RouterPort, StaticRoute, Switch,
    SwitchPort, Topology,
};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct FileTopology {
    routers: Vec<FileRouter>,
    switches: Vec<FileSwitch>,
    load_balancers: Vec<FileLoadBalancer>,
    address_sets: Vec<FileAddressSet>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct FileRouter {
    name: String,
    options: Map,
    external_ids: Map,
    load_balancers: BTreeSet<String>,
    ports: Vec<FileRouterPort>,
    static_routes: Vec<FileRoute>,
    policies: Vec<FilePolicy>,
    nat: Vec<FileNat>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct FileRouterPort {
    name: String,
    mac: String,
    networks: BTreeSet<String>,
    options: Map,
    external_ids: Map,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct FileRoute {
    ip_prefix: String,
    nexthop: String,
    policy: String,
    route_table: String,
    output_port: Option<String>,
    options: Map,
    external_ids: Map,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct FilePolicy {
    priority: i64,
    #[serde(rename = "match")]
    match_: String,
    action: String,
    nexthops: BTreeSet<String>,
    options: Map,
    external_ids: Map,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct FileNat {
    #[serde(rename = "type")]
    kind: String,
    logical_ip: String,
    external_ip: String,
    logical_port: Option<String>,
    external_mac: Option<String>,
    options: Map,
    external_ids: Map,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct FileSwitch {
    name: String,
    other_config: Map,
    external_ids: Map,
    load_balancers: BTreeSet<String>,
    ports: Vec<FileSwitchPort>,
    acls: Vec<FileAcl>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct FileSwitchPort {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    addresses: BTreeSet<String>,
    port_security: BTreeSet<String>,
    options: Map,
    external_ids: Map,
    tag: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct FileAcl {
    direction: String,
    priority: i64,
    #[serde(rename = "match")]
    match_: String,
    action: String,
    log: bool,
    name: Option<String>,
    severity: Option<String>,
    options: Map,
    external_ids: Map,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct FileLoadBalancer {
    name: String,
    vips: Map,
    protocol: Option<String>,
    selection_fields: BTreeSet<String>,
    options: Map,
    external_ids: Map,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct FileAddressSet {
    name: String,
    addresses: BTreeSet<String>,
    external_ids: Map,
}

impl Topology {
    /// Reads a topology file (see the [module documentation](self)) and validates it.
    pub fn from_json(text: &str) -> Result<Topology> {
        let file: FileTopology = serde_json::from_str(text).map_err(|e| Error::File {
            reason: e.to_string(),
        })?;
        let mut t = Topology::new();
        for r in file.routers {
            let mut router = Router::new(r.name);
            router.options = r.options;
            router.external_ids = r.external_ids;
            router.load_balancers = r.load_balancers;
            for p in r.ports {
                let mut port = RouterPort::new(p.name, p.mac, p.networks);
                port.options = p.options;
                port.external_ids = p.external_ids;
                router = router.with_port(port);
            }
            for x in r.static_routes {
                router = router.with_static_route(StaticRoute {
                    ip_prefix: x.ip_prefix,
                    nexthop: x.nexthop,
                    policy: x.policy,
                    route_table: x.route_table,
                    output_port: x.output_port,
                    options: x.options,
                    external_ids: x.external_ids,
                });
            }
            for x in r.policies {
                router = router.with_policy(RouterPolicy {
                    priority: x.priority,
                    match_: x.match_,
                    action: x.action,
                    nexthops: x.nexthops,
                    options: x.options,
                    external_ids: x.external_ids,
                });
            }
            for x in r.nat {
                router = router.with_nat(Nat {
                    kind: x.kind,
                    logical_ip: x.logical_ip,
                    external_ip: x.external_ip,
                    logical_port: x.logical_port,
                    external_mac: x.external_mac,
                    options: x.options,
                    external_ids: x.external_ids,
                });
            }
            if t.routers.contains_key(&router.name) {
                return Err(duplicate("router", &router.name));
            }
            t = t.with_router(router);
        }
        for s in file.switches {
            let mut switch = Switch::new(s.name);
            switch.other_config = s.other_config;
            switch.external_ids = s.external_ids;
            switch.load_balancers = s.load_balancers;
            for p in s.ports {
                if switch.ports.contains_key(&p.name) {
                    return Err(duplicate("switch port", &p.name));
                }
                switch = switch.with_port(SwitchPort {
                    name: p.name,
                    kind: p.kind,
                    addresses: p.addresses,
                    port_security: p.port_security,
                    options: p.options,
                    external_ids: p.external_ids,
                    tag: p.tag,
                });
            }
            for a in s.acls {
                switch = switch.with_acl(Acl {
                    direction: a.direction,
                    priority: a.priority,
                    match_: a.match_,
                    action: a.action,
                    log: a.log,
                    name: a.name,
                    severity: a.severity,
                    options: a.options,
                    external_ids: a.external_ids,
                });
            }
            if t.switches.contains_key(&switch.name) {
                return Err(duplicate("switch", &switch.name));
            }
            t = t.with_switch(switch);
        }
        for lb in file.load_balancers {
            if t.load_balancers.contains_key(&lb.name) {
                return Err(duplicate("load balancer", &lb.name));
            }
            t = t.with_load_balancer(LoadBalancer {
                name: lb.name,
                vips: lb.vips,
                protocol: lb.protocol,
                selection_fields: lb.selection_fields,
                options: lb.options,
                external_ids: lb.external_ids,
            });
        }
        for a in file.address_sets {
            if t.address_sets.contains_key(&a.name) {
                return Err(duplicate("address set", &a.name));
            }
            t = t.with_address_set(AddressSet {
                name: a.name,
                addresses: a.addresses,
                external_ids: a.external_ids,
            });
        }
        t.validate()?;
        Ok(t)
    }
}

fn duplicate(what: &str, name: &str) -> Error {
    Error::File {
        reason: format!("{what} {name:?} is given twice"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_reads() {
        let doc = include_str!("file.rs");
        let start = doc.find("//! ```json").expect("example") + "//! ```json".len();
        let end = start + doc[start..].find("//! ```").expect("end");
        let json: String = doc[start..end]
            .lines()
            .map(|l| l.trim_start_matches("//!"))
            .collect::<Vec<_>>()
            .join("\n");
        let t = Topology::from_json(&json).expect("example");
        assert_eq!(t.switches["ls0"].ports.len(), 2);
        assert_eq!(t.routers["lr0"].static_routes.len(), 1);
        assert!(t.load_balancers.contains_key("lb-web"));
    }

    #[test]
    fn errors_say_where() {
        let e = Topology::from_json(r#"{"switches": [{"name": "ls0", "prots": []}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("prots") && e.contains("line 1"), "{e}");
        let e = Topology::from_json(r#"{"switches": [{"name": "a"}, {"name": "a"}]}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("twice"), "{e}");
        let e = Topology::from_json(
            r#"{"routers": [{"name": "r", "ports": [{"name": "p", "mac": "x", "networks": ["10.0.0.1/24"]}]}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("mac"), "{e}");
    }
}
