//! The topology file: a whole [`Topology`] in one JSON document, as `ovn-apply` reads it.
//!
//! Every section is optional and every entity lists its children inline; field names are the
//! OVN_Northbound column names (`type`, `match`, `ha_chassis`, ...), and entities refer to
//! each other by name (a switch's `load_balancers`, a port's `dhcpv4_options`, a port
//! group's `ports`). Unknown fields are errors (a typo must not silently drop a setting),
//! and errors give the line and column. A gateway chassis without a `name` is named
//! `<router port>-<chassis>`, as `ovn-nbctl lrp-set-gateway-chassis` names it. In
//! `nb_global.options`, `null` removes a key.
//!
//! ```json
//! {
//!   "routers": [
//!     { "name": "lr0",
//!       "ports": [
//!         { "name": "lr0-ls0", "mac": "00:00:00:00:ff:01", "networks": ["10.0.0.1/24"] },
//!         { "name": "lr0-ext", "mac": "00:00:00:00:ff:03", "networks": ["172.16.0.1/24"],
//!           "gateway_chassis": [ { "chassis_name": "gw1", "priority": 20 } ] } ],
//!       "static_routes": [ { "ip_prefix": "0.0.0.0/0", "nexthop": "172.16.0.254" } ],
//!       "policies": [ { "priority": 31000, "match": "ip4.dst == 10.0.0.0/16", "action": "allow" } ],
//!       "nat": [ { "type": "snat", "logical_ip": "10.0.0.0/24", "external_ip": "172.16.0.1" } ] }
//!   ],
//!   "switches": [
//!     { "name": "ls0", "load_balancer_groups": ["cluster-lbs"],
//!       "ports": [
//!         { "name": "ls0-lr0", "type": "router", "addresses": ["router"],
//!           "options": { "router-port": "lr0-ls0" } },
//!         { "name": "pod1", "addresses": ["00:00:00:00:00:01 10.0.0.10"],
//!           "dhcpv4_options": "ls0-v4" } ],
//!       "acls": [ { "direction": "to-lport", "priority": 1000, "match": "ip", "action": "drop" } ] }
//!   ],
//!   "load_balancers": [
//!     { "name": "lb-web", "protocol": "tcp", "vips": { "10.96.0.10:80": "10.0.0.10:8080" } }
//!   ],
//!   "load_balancer_groups": [ { "name": "cluster-lbs", "load_balancers": ["lb-web"] } ],
//!   "port_groups": [
//!     { "name": "web", "ports": ["pod1"],
//!       "acls": [ { "direction": "to-lport", "priority": 2001,
//!                   "match": "outport == @web && tcp.dst == 80", "action": "allow-related" } ] }
//!   ],
//!   "dhcp_options": [
//!     { "key": "ls0-v4", "cidr": "10.0.0.0/24",
//!       "options": { "router": "10.0.0.1", "server_id": "10.0.0.1",
//!                    "server_mac": "00:00:00:00:ff:01", "lease_time": "3600" } }
//!   ],
//!   "address_sets": [ { "name": "allowed", "addresses": ["10.0.0.0/24"] } ],
//!   "nb_global": { "options": { "use_ct_inv_match": "false" } }
//! }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

use crate::error::{Error, Result};
use crate::topology::{
    Acl, AddressSet, DhcpOptions, Dns, GatewayChassis, HaChassis, HaChassisGroup, LoadBalancer,
    LoadBalancerGroup, Nat, PortGroup, Router, RouterPolicy, RouterPort, StaticRoute, Switch,
    SwitchPort, Topology,
};

/// An entity listed in the file, and the key it is stored under in its map.
pub(crate) trait Keyed {
    /// The key's type.
    type Key: Ord;
    /// What the file calls the entity, for errors.
    const WHAT: &'static str;
    /// The key.
    fn file_key(&self) -> Self::Key;
}

macro_rules! keyed {
    ($ty:ty, $what:literal, $key:ty, |$e:ident| $body:expr) => {
        impl Keyed for $ty {
            type Key = $key;
            const WHAT: &'static str = $what;
            fn file_key(&self) -> $key {
                let $e = self;
                $body
            }
        }
    };
}

keyed!(Switch, "switch", String, |e| e.name.clone());
keyed!(SwitchPort, "switch port", String, |e| e.name.clone());
keyed!(Router, "router", String, |e| e.name.clone());
keyed!(RouterPort, "router port", String, |e| e.name.clone());
keyed!(LoadBalancer, "load balancer", String, |e| e.name.clone());
keyed!(LoadBalancerGroup, "load balancer group", String, |e| e
    .name
    .clone());
keyed!(AddressSet, "address set", String, |e| e.name.clone());
keyed!(PortGroup, "port group", String, |e| e.name.clone());
keyed!(DhcpOptions, "DHCP options", String, |e| e.key.clone());
keyed!(Dns, "DNS row", String, |e| e.key.clone());
keyed!(HaChassisGroup, "HA chassis group", String, |e| e
    .name
    .clone());
keyed!(HaChassis, "HA chassis", String, |e| e.chassis_name.clone());
keyed!(GatewayChassis, "gateway chassis", String, |e| e
    .chassis_name
    .clone());
keyed!(Acl, "ACL", (String, i64, String), |e| e.key());
keyed!(
    StaticRoute,
    "static route",
    (String, String, String, String),
    |e| e.key()
);
keyed!(RouterPolicy, "policy", (i64, String), |e| e.key());
keyed!(Nat, "NAT rule", (String, String, String), |e| e.key());

/// Reads a JSON list of entities into a map by key; a key given twice is an error.
pub(crate) fn list<'de, D, V>(d: D) -> std::result::Result<BTreeMap<V::Key, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de> + Keyed,
{
    struct ListVisitor<V>(PhantomData<V>);

    impl<'de, V: Deserialize<'de> + Keyed> Visitor<'de> for ListVisitor<V> {
        type Value = BTreeMap<V::Key, V>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a list of {} entries", V::WHAT)
        }

        fn visit_seq<A: SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(v) = seq.next_element::<V>()? {
                if out.insert(v.file_key(), v).is_some() {
                    return Err(de::Error::custom(format!("a {} is given twice", V::WHAT)));
                }
            }
            Ok(out)
        }
    }

    d.deserialize_seq(ListVisitor(PhantomData))
}

impl Topology {
    /// Reads a topology file (see the [module documentation](self)) and validates it.
    pub fn from_json(text: &str) -> Result<Topology> {
        let mut t: Topology = serde_json::from_str(text).map_err(|e| Error::File {
            reason: e.to_string(),
        })?;
        // Gateway chassis are named after their port unless the file names them.
        for r in t.routers.values_mut() {
            for p in r.ports.values_mut() {
                for g in p.gateway_chassis.values_mut() {
                    if g.name.is_empty() {
                        g.name = format!("{}-{}", p.name, g.chassis_name);
                    }
                }
            }
        }
        t.validate()?;
        Ok(t)
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
        assert_eq!(
            t.routers["lr0"].ports["lr0-ext"].gateway_chassis["gw1"].name,
            "lr0-ext-gw1"
        );
        assert_eq!(t.port_groups["web"].acls.len(), 1);
        assert_eq!(
            t.nb_global.options["use_ct_inv_match"].as_deref(),
            Some("false")
        );
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
