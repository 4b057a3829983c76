//! Matches against Debian's ovs-ofctl 3.1: text (parse-flows output) and wire bytes (the
//! ofp_match of the flow_mod it prints with -mmmmm), under OpenFlow 1.3 and 1.5.

mod common;

use std::process::Command;

use openflow::Version;
use openflow::matching::Match;
use openflow::wire::{Reader, Writer};

struct Oracle {
    text: String,
    match_bytes: Vec<u8>,
}

/// Runs `ovs-ofctl -O <version> -mmmmm parse-flows` on `lines` (each with `,actions=drop`)
/// and returns each flow_mod's printed match and its ofp_match bytes.
fn oracle(version: Version, lines: &[String]) -> Vec<Oracle> {
    let dir = std::env::temp_dir().join(format!(
        "match-oracle-{}-{}",
        std::process::id(),
        version.name()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("flows.txt");
    let body: String = lines
        .iter()
        .map(|l| {
            if l.is_empty() {
                "actions=drop\n".to_string()
            } else {
                format!("{l},actions=drop\n")
            }
        })
        .collect();
    std::fs::write(&file, body).unwrap();
    let out = Command::new("/usr/bin/ovs-ofctl")
        .args(["-O", version.name(), "-mmmmm", "parse-flows"])
        .arg(&file)
        .output()
        .expect(
            "ovs-ofctl (Debian openvswitch-common 3.1) must be installed at /usr/bin/ovs-ofctl",
        );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ovs-ofctl failed: {stderr}");
    assert!(
        !stderr.contains("normalization"),
        "ovs-ofctl normalized a corpus match: {stderr}"
    );
    let prefix = format!("OFPT_FLOW_MOD ({}) (xid=", version.short_name());
    let mut res: Vec<Oracle> = Vec::new();
    let mut hex: Vec<u8> = Vec::new();
    let flush = |res: &mut Vec<Oracle>, hex: &mut Vec<u8>| {
        if let Some(last) = res.last_mut() {
            last.match_bytes = hex.get(48..).unwrap_or_default().to_vec();
        }
        hex.clear();
    };
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix(&prefix) {
            flush(&mut res, &mut hex);
            let (_, after) = rest.split_once("): ").unwrap();
            let idx = res.len();
            assert!(!after.contains("decode error"), "{line}: `{}`", lines[idx]);
            let m = after.strip_prefix("ADD ").unwrap();
            let m = m.strip_suffix("actions=drop").unwrap().trim_end();
            res.push(Oracle {
                text: m.to_string(),
                match_bytes: Vec::new(),
            });
        } else if line.len() > 10
            && line.as_bytes()[8] == b' '
            && line.as_bytes()[..8].iter().all(u8::is_ascii_hexdigit)
        {
            let hexpart = &line[10..line.find('|').unwrap_or(line.len())];
            for tok in hexpart.split([' ', '-']).filter(|t| !t.is_empty()) {
                hex.push(u8::from_str_radix(tok, 16).unwrap());
            }
        }
    }
    flush(&mut res, &mut hex);
    assert_eq!(
        res.len(),
        lines.len(),
        "ovs-ofctl printed {} flows for {} lines",
        res.len(),
        lines.len()
    );
    res
}

fn round_trip(m: &Match, v: Version) -> (Vec<u8>, Match) {
    let mut w = Writer::new();
    m.encode(&mut w, v).unwrap();
    let bytes = w.into_vec();
    let mut r = Reader::new(&bytes, "test");
    let d = Match::decode(&mut r, v).unwrap();
    assert!(r.is_empty());
    (bytes, d)
}

#[test]
fn corpus_matches_ovs_ofctl_text_and_bytes() {
    let lines = common::matches();
    let mut failures = Vec::new();
    let mut checked = 0;
    for v in [Version::Of13, Version::Of15] {
        let want = oracle(v, &lines);
        for (line, o) in lines.iter().zip(&want) {
            let ours = match Match::parse(line) {
                Ok(m) => m,
                Err(e) => {
                    failures.push(format!("{v} `{line}`: parse error {e}"));
                    continue;
                }
            };
            let (bytes, d) = round_trip(&ours, v);
            if bytes != o.match_bytes {
                failures.push(format!(
                    "{v} `{line}`: bytes differ\n  ours   {:02x?}\n  theirs {:02x?}",
                    bytes, o.match_bytes
                ));
            }
            let text = d.to_text();
            if text != o.text {
                failures.push(format!(
                    "{v} `{line}`: text `{text}` != ovs-ofctl `{}`",
                    o.text
                ));
            }
            // ovs-ofctl's bytes decode to the same match.
            let mut r = Reader::new(&o.match_bytes, "ovs-ofctl match");
            match Match::decode(&mut r, v) {
                Ok(theirs) => {
                    if theirs != d {
                        failures.push(format!(
                            "{v} `{line}`: decoded ovs-ofctl bytes differ: {theirs:?} vs {d:?}"
                        ));
                    }
                }
                Err(e) => {
                    failures.push(format!("{v} `{line}`: cannot decode ovs-ofctl bytes: {e}"))
                }
            }
            // Printed text parses back to the same match.
            match Match::parse(&text) {
                Ok(back) => {
                    // (Text never shows the default `eth` packet type, so compare text.)
                    let (_, back_d) = round_trip(&back, v);
                    if back_d.to_text() != text {
                        failures.push(format!("{v} `{line}`: `{text}` reparses differently"));
                    }
                }
                Err(e) => failures.push(format!(
                    "{v} `{line}`: printed `{text}` does not parse: {e}"
                )),
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 2 * 300, "corpus too small: {checked}");
}

#[test]
fn spellings_are_equal() {
    let eq = |a: &str, b: &str| {
        assert_eq!(
            Match::parse(a).unwrap(),
            Match::parse(b).unwrap(),
            "{a} vs {b}"
        );
    };
    eq("tcp,tp_src=80", "tcp,tcp_src=80");
    eq("udp,tp_dst=53", "udp,udp_dst=53");
    eq("xreg0=0x100000002", "reg0=1,reg1=2");
    eq("xxreg1=0x1", "reg4=0,reg5=0,reg6=0,reg7=1");
    eq("xreg2=0x5/0xff", "reg5=0x5/0xff");
    eq("dl_vlan=5", "vlan_vid=0x1005");
    eq("ip,ip_dscp=3", "ip,nw_tos=12");
    eq("ip,nw_tos=12,nw_ecn=1", "ip,ip_dscp=3,ip_ecn=1");
    eq("dl_src=00:11:22:33:44:55", "eth_src=00:11:22:33:44:55");
    eq("arp,arp_spa=1.2.3.4", "arp,nw_src=1.2.3.4");
    eq("ip,nw_dst=10.1.2.3/8", "ip,nw_dst=10.0.0.0/255.0.0.0");
    eq("in_port=LOCAL", "in_port_oxm=4294967294");
    eq("tcp,tp_src=0x50/0xffff", "tcp,tp_src=80");
    eq("reg0=0/0", "");
    eq("icmp,icmp_type=3", "icmp,tp_src=3");
}

#[test]
fn invalid_matches_are_errors_as_in_ovs_ofctl() {
    // Rejected by ovs-ofctl's parser.
    for bad in [
        "vlan_pcp=1/1",
        "reg16=1",
        "tcp,tcp_flags=0x1000",
        "ct_state=0x100",
        "tun_flags=0x2",
        "in_port=70000",
        "in_port=foo",
        "ip,nw_dst=10.0.0.1/33",
        "ip,nw_dst=10.0.0",
        "tcp,tp_dst=65536",
        "ipv6,ipv6_src=fe80:::1",
        "dl_src=00:11:22:33:44",
        "ip,nw_frag=maybe",
        "reg0[0..40]=1",
        "reg0[0..3]=16",
        "ct_state=+trk+trk",
        "nw_ttl=1/1",
        "tun_metadata0=0x0102030405060708090a0b0c0d0e0f1011",
    ] {
        let ours = Match::parse(bad);
        assert!(ours.is_err(), "we accept `{bad}`");
        let out = Command::new("/usr/bin/ovs-ofctl")
            .args([
                "-O",
                "OpenFlow15",
                "parse-flow",
                &format!("{bad},actions=drop"),
            ])
            .output()
            .expect("ovs-ofctl must be installed");
        // ovs-ofctl rejects all but the >16-byte tun_metadata value (which it accepts and
        // we refuse by design).
        if !bad.starts_with("tun_metadata") {
            assert!(!out.status.success(), "ovs-ofctl accepts `{bad}`");
        }
    }
    // Missing prerequisites: ovs-ofctl drops the field ("normalization changed") or cannot
    // decode its own message; we refuse.
    for bad in [
        "tp_dst=80",
        "nw_dst=10.0.0.1",
        "ip,tcp_flags=+syn",
        "ipv6,nw_src=1.2.3.4",
        "ct_nw_proto=6",
        "ct_state=+trk,ct_nw_proto=6",
        "ct_state=+est,ct_nw_src=1.2.3.4",
        "icmp6,nd_target=::1",
        "mpls_label=5",
        "arp,ipv6_src=::1",
        "ip,ipv6_label=1",
        "tcp,nw_frag=later,tp_src=80",
    ] {
        let e = Match::parse(bad).expect_err(bad).to_string();
        assert!(e.contains("requires"), "{bad}: {e}");
        let out = Command::new("/usr/bin/ovs-ofctl")
            .args([
                "-O",
                "OpenFlow15",
                "parse-flow",
                &format!("{bad},actions=drop"),
            ])
            .output()
            .expect("ovs-ofctl must be installed");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = all
            .lines()
            .find_map(|l| {
                l.split_once("ADD ")
                    .map(|x| x.1.trim_end_matches(" actions=drop"))
            })
            .unwrap_or("");
        assert!(
            all.contains("normalization changed")
                || all.contains("BAD_PREREQ")
                || !out.status.success()
                || printed.len() < bad.len(),
            "ovs-ofctl took `{bad}` as is: {all}"
        );
    }
    // Errors name the token and its column.
    let e = Match::parse("ip,nw_dst=10.0.0.1,tcp,tp_dst=x").unwrap_err();
    match e {
        openflow::Error::Parse { column, .. } => assert_eq!(column, 31),
        e => panic!("{e:?}"),
    }
    let e = Match::parse("ip,tp_dst=80").unwrap_err();
    match e {
        openflow::Error::Parse { column, token, .. } => {
            assert_eq!((column, token.as_str()), (4, "tp_dst=80"))
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn ovs_ofctl_subfield_names() {
    use openflow::field::Subfield;
    let out = Command::new("/usr/bin/ovs-ofctl")
        .args([
            "-O",
            "OpenFlow13",
            "parse-flow",
            "tcp,actions=move:xreg3[]->xreg4[],move:reg0[5]->reg1[3],move:tun_metadata1[0..7]->reg0[0..7],move:dl_src[]->NXM_OF_ETH_DST_W[],move:tcp_flags[]->reg0[0..11],move:dp_hash[]->reg1[],move:ct_label[0..31]->reg2[]",
        ])
        .output()
        .expect("ovs-ofctl must be installed");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let actions = stdout
        .lines()
        .last()
        .unwrap()
        .split_once("actions=")
        .unwrap()
        .1;
    let ours: Vec<String> = [
        ("xreg3[]", "xreg4[]"),
        ("reg0[5]", "reg1[3]"),
        ("tun_metadata1[0..7]", "reg0[0..7]"),
        ("dl_src[]", "NXM_OF_ETH_DST_W[]"),
        ("tcp_flags[]", "reg0[0..11]"),
        ("dp_hash[]", "reg1[]"),
        ("ct_label[0..31]", "reg2[]"),
    ]
    .iter()
    .map(|(a, b)| {
        format!(
            "move:{}->{}",
            Subfield::parse(a).unwrap(),
            Subfield::parse(b).unwrap()
        )
    })
    .collect();
    assert_eq!(actions, ours.join(","));
}
