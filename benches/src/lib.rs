//! Deterministic inputs for the benchmarks in `benches/`.

use std::fmt::Write;

/// A deterministic UUID for row `i` of table number `t`.
pub fn uuid(t: u32, i: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        t,
        (i >> 48) & 0xffff,
        (i >> 36) & 0xfff,
        (i >> 24) & 0xfff,
        i & 0xffff_ffff_ffff
    )
}

/// The JSON text of a `monitor_cond` reply holding `ports` Logical_Switch_Port rows spread over
/// `ports / 1000` switches (at least one), shaped like the rows Kube-OVN writes: a name, two
/// addresses, port security, external_ids and options.
pub fn monitor_reply(ports: u64) -> String {
    let switches = (ports / 1000).max(1);
    let mut s = String::with_capacity(ports as usize * 420);
    s.push_str(r#"{"id":1,"result":{"Logical_Switch_Port":{"#);
    for i in 0..ports {
        if i > 0 {
            s.push(',');
        }
        let mac = format!(
            "00:00:{:02x}:{:02x}:{:02x}:{:02x}",
            (i >> 24) & 0xff,
            (i >> 16) & 0xff,
            (i >> 8) & 0xff,
            i & 0xff
        );
        let ip = format!("10.{}.{}.{}", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
        let _ = write!(
            s,
            r#""{}":{{"initial":{{"name":"pod-{i}.default","addresses":"{mac} {ip}","port_security":"{mac} {ip}","type":"","enabled":true,"tag":["set",[]],"dynamic_addresses":["set",[]],"external_ids":["map",[["ls","subnet-{sw}"],["pod","default/pod-{i}"],["vendor","kube-ovn"]]],"options":["map",[["requested-chassis","node-{node}"]]],"up":false}}}}"#,
            uuid(1, i),
            sw = i % switches,
            node = i % 50,
        );
    }
    s.push_str(r#"},"Logical_Switch":{"#);
    for sw in 0..switches {
        if sw > 0 {
            s.push(',');
        }
        let ports: Vec<String> = (0..ports)
            .filter(|i| i % switches == sw)
            .map(|i| format!(r#"["uuid","{}"]"#, uuid(1, i)))
            .collect();
        let _ = write!(
            s,
            r#""{}":{{"initial":{{"name":"subnet-{sw}","ports":["set",[{}]],"other_config":["map",[["subnet","10.{sw}.0.0/16"]]],"external_ids":["map",[["vendor","kube-ovn"]]]}}}}"#,
            uuid(2, sw),
            ports.join(",")
        );
    }
    s.push_str(r#"}},"error":null}"#);
    s
}
