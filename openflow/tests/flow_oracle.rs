//! Whole flows against Debian's ovs-ofctl 3.1 and a userspace vswitchd:
//!
//! - our `parse -> flow_mod -> text` equals `ovs-ofctl parse-flows`, line for line, and our
//!   flow_mod bytes equal the ones it prints with `-mmmmm`;
//! - our encoding, written to a file, reads back in `ovs-ofctl ofp-parse` as the same text;
//! - flows installed by ovs-ofctl and dumped by us print as `ovs-ofctl --no-stats
//!   dump-flows` prints them;
//! - flows installed by us in one bundle dump (by ovs-ofctl) exactly as the same flows
//!   installed by ovs-ofctl.
//!
//! A missing ovs-ofctl is a failure, not a skip.

use std::process::Command;

use openflow::Version;
use openflow::conn::{self, Config};
use openflow::flow::{self, Flow};
use openflow::message::{
    FlowStatsRequest, Message, MultipartReplyBody, MultipartRequest, MultipartRequestBody,
};
use openflow::sync;
use testkit::Vswitch;

mod common;

const OVS_OFCTL: &str = "/usr/bin/ovs-ofctl";

/// OVN-like flows (the shapes of benches/compare/gen_flows.py) and lines exercising every
/// flow-level keyword.
fn corpus() -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for i in 0..64u32 {
        let (a, b, c) = ((i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
        let dp = i / 16 + 1;
        let port = 1 + i % 4096;
        v.push(match i % 4 {
            0 => format!(
                "table=14,priority=120,ct_state=+new-est+trk,tcp,reg14=0x{port:x},metadata=0x{dp:x},nw_dst=10.{a}.{b}.{c},tp_dst=80,actions=ct(commit,zone=NXM_NX_REG13[0..15],nat(dst=172.16.{b}.{c}:8080),exec(load:0x1->NXM_NX_CT_MARK[1])),load:0x1->NXM_NX_REG10[3],resubmit(,15)"
            ),
            1 => format!(
                "table=44,priority=2002,ct_state=-new+est-rpl+trk,ct_mark=0x1/0x1,ip,reg15=0x{port:x},metadata=0x{dp:x},nw_src=10.{a}.{b}.{c},actions=load:0x1->NXM_NX_XXREG0[97],load:0x{port:x}->NXM_NX_REG15[],ct(commit,zone=NXM_NX_REG11[0..15],exec(load:0x0->NXM_NX_CT_MARK[0])),resubmit(,45)"
            ),
            2 => format!(
                "table=21,priority=100,ip,reg0=0x{port:x}/0xffff,metadata=0x{dp:x},nw_dst=10.{a}.{b}.0/24,actions=dec_ttl(),load:0xa{a:02x}{b:02x}01->NXM_NX_XXREG0[96..127],load:0x{port:x}->NXM_NX_REG15[],mod_dl_src:0a:00:{a:02x}:{b:02x}:{c:02x}:01,load:0x1->NXM_NX_REG10[0],resubmit(,22)"
            ),
            _ => format!(
                "table=12,priority=110,ct_state=+new+trk,udp,reg14=0x{port:x},metadata=0x{dp:x},nw_src=10.{a}.{b}.{c},tp_dst=53,actions=ct(commit,zone=NXM_NX_REG12[0..15],table=13,nat(src=192.168.{b}.{c}:1024-65535,random),exec(load:0x{port:x}->NXM_NX_CT_LABEL[0..31]))"
            ),
        });
    }
    for l in [
        "actions=drop",
        "priority=0,actions=drop",
        "table=0,priority=65535,arp,actions=NORMAL",
        "cookie=0x1234,table=7,priority=5,ip,actions=output:3",
        "cookie=0xffffffffffffffff,priority=1,actions=drop",
        "idle_timeout=10,hard_timeout=20,priority=9,in_port=5,actions=LOCAL",
        "send_flow_rem,check_overlap,reset_counts,no_packet_counts,no_byte_counts,table=3,actions=drop",
        "table=2,priority=7,tcp6,ipv6_dst=fd00::/64,tp_src=1000/0xff00,actions=controller(userdata=01.02.03,pause),resubmit(,3)",
        "table=9,conj_id=7,ip,actions=load:0x5->NXM_NX_REG0[0..15],goto_table:10",
        "table=9,priority=10,ip,nw_src=10.0.0.1,actions=conjunction(7,1/2)",
        "table=11,priority=1,dl_vlan=5,actions=strip_vlan,output:2",
        "table=13,priority=3,icmp,icmp_type=8,actions=move:NXM_OF_IP_SRC[]->NXM_OF_IP_DST[],load:0->NXM_OF_ICMP_TYPE[],in_port",
        "table=15,priority=4,metadata=0x1,actions=write_metadata:0x2/0xff,goto_table:16",
        "table=16,priority=4,actions=clone(ct_clear,resubmit(,17)),note:de.ad.be.ef",
        "table=17,priority=4,ip,actions=check_pkt_larger(1500)->NXM_NX_REG0[0],resubmit(,18)",
        "table=18,priority=4,actions=learn(table=20,idle_timeout=30,priority=8,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG1[0..15]),resubmit(,19)",
        "priority=100,in_port=1,dl_src=00:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff/01:00:00:00:00:00,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:4",
        "table=30,priority=50,tun_id=0x5,tun_src=192.168.0.1,actions=set_field:0x6->tun_id,output:1",
        "table=31,priority=5,pkt_mark=0x10/0xf0,actions=set_queue:3,output:1",
        "table=32,priority=5,ct_state=+trk+inv,ip,actions=drop",
        "table=33,priority=5,tcp,tcp_flags=+syn-ack,actions=group:5",
    ] {
        v.push(l.to_string());
    }
    v
}

struct Ofctl {
    text: String,
    bytes: Vec<u8>,
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("flow-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// `ovs-ofctl -O V -mmmmm parse-flows`: each flow_mod's line (after the prefix) and bytes.
fn parse_flows(version: Version, lines: &[String]) -> Vec<Ofctl> {
    let file = tmp(&format!("flows-{}.txt", version.name()));
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let out = Command::new(OVS_OFCTL)
        .args(["-O", version.name(), "-mmmmm", "parse-flows"])
        .arg(&file)
        .output()
        .expect("ovs-ofctl (Debian openvswitch-common 3.1) must be installed");
    assert!(
        out.status.success(),
        "ovs-ofctl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut res: Vec<Ofctl> = Vec::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        if line.starts_with("OFPT_FLOW_MOD") {
            res.push(Ofctl {
                text: line.to_string(),
                bytes: Vec::new(),
            });
        } else if line.len() > 10
            && line.as_bytes()[8] == b' '
            && line.as_bytes()[..8].iter().all(u8::is_ascii_hexdigit)
            && let Some(last) = res.last_mut()
        {
            let hexpart = &line[10..line.find('|').unwrap_or(line.len())];
            for tok in hexpart.split([' ', '-']).filter(|t| !t.is_empty()) {
                last.bytes.push(u8::from_str_radix(tok, 16).unwrap());
            }
        }
    }
    assert_eq!(res.len(), lines.len(), "one flow_mod per line");
    res
}

#[test]
fn parse_flows_text_and_bytes_match_ovs_ofctl() {
    let lines = corpus();
    for v in [Version::Of13, Version::Of15] {
        let oracle = parse_flows(v, &lines);
        let mut encoded = Vec::new();
        for (i, (line, o)) in lines.iter().zip(&oracle).enumerate() {
            let xid = i as u32 + 1;
            let f = Flow::parse(line, v).unwrap_or_else(|e| panic!("{line}: {e}"));
            let fm = f
                .to_flow_mod(flow::Command::Add, v)
                .unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(
                flow::flow_mod_line(&fm, v, xid),
                o.text,
                "{v} text of `{line}`"
            );
            let bytes = Message::FlowMod(fm).encode(v, xid).unwrap();
            assert_eq!(bytes, o.bytes, "{v} bytes of `{line}`");
            encoded.extend(bytes);
        }
        // Our bytes, read back by ovs-ofctl ofp-parse, print the same lines.
        let file = tmp(&format!("flows-{}.bin", v.name()));
        std::fs::write(&file, &encoded).unwrap();
        let out = Command::new(OVS_OFCTL)
            .arg("ofp-parse")
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let got: Vec<&str> = text.lines().collect();
        let want: Vec<&str> = oracle.iter().map(|o| o.text.as_str()).collect();
        assert_eq!(got, want, "{v}: ofp-parse of our encoding");
    }
}

/// A connection to `remote` speaking only `v`, its driver spawned.
async fn connect(remote: &str, v: Version) -> conn::Handle {
    let config = Config {
        versions: openflow::version::VersionSet::of(&[v]),
        ..Config::default()
    };
    let (c, h, _ev) = conn::connect(&remote.parse().unwrap(), config)
        .await
        .unwrap();
    tokio::spawn(c);
    h
}

/// Our dump of `remote` (flow stats), each flow printed as dump-flows --no-stats does.
async fn our_dump(remote: &str, v: Version) -> Vec<String> {
    let h = connect(remote, v).await;
    let replies = h
        .transact(&Message::MultipartRequest(MultipartRequest {
            flags: 0,
            body: MultipartRequestBody::Flow(FlowStatsRequest::default()),
        }))
        .await
        .unwrap();
    let mut out = Vec::new();
    for r in replies {
        let Message::MultipartReply(r) = r else {
            panic!("not a multipart reply: {r:?}")
        };
        let MultipartReplyBody::Flow(stats) = r.body else {
            panic!("not flow stats")
        };
        for s in stats {
            let mut line = String::from(" ");
            openflow::flow::format_flow_stats(&s, v, false, &mut line);
            assert_eq!(
                line,
                format!(" {}", Flow::from_stats(&s).to_dump_text(v)),
                "direct and reference printers"
            );
            out.push(line);
        }
    }
    out
}

/// Sync against a switch holding `lines`: the plan computed on bytes ([`sync::plan`])
/// equals the typed [`sync::diff`], for the same flows (nothing to do, but for values the
/// switch cuts to its TLV map's lengths) and for changed ones.
async fn sync_plans_agree(h: &conn::Handle, lines: &[String], v: Version) {
    let desired: Vec<Flow> = lines.iter().map(|l| Flow::parse(l, v).unwrap()).collect();
    let dump = sync::start_dump(h).unwrap().await.unwrap();
    let current = dump.flows().unwrap();
    assert_eq!(current.len(), lines.len());
    let texts = |flows: &[Flow]| -> Vec<String> {
        let mut t: Vec<String> = flows
            .iter()
            .map(|f| f.canonical(v).to_dump_text(v))
            .collect();
        t.sort();
        t
    };
    let same = |fast: &sync::Plan, typed: &sync::Plan| {
        assert_eq!(texts(&fast.adds), texts(&typed.adds), "{v}: adds");
        assert_eq!(
            texts(&fast.modifies),
            texts(&typed.modifies),
            "{v}: modifies"
        );
        assert_eq!(
            texts(&fast.replaces),
            texts(&typed.replaces),
            "{v}: replaces"
        );
        assert_eq!(texts(&fast.deletes), texts(&typed.deletes), "{v}: deletes");
    };
    let fast = sync::plan(&sync::Desired::new(&desired[..], v).unwrap(), &dump).unwrap();
    let typed = sync::diff(&desired, &current, v);
    same(&fast, &typed);
    // Only tun_metadata values longer than the switch's TLV map differ.
    assert!(
        fast.len() <= 4
            && fast
                .adds
                .iter()
                .all(|f| f.to_dump_text(v).contains("tun_metadata")),
        "{v}: a no-op sync plans {fast:?}"
    );

    let mut changed = desired[5..].to_vec();
    for f in changed.iter_mut().step_by(7) {
        f.idle_timeout = 9;
    }
    for f in changed.iter_mut().skip(3).step_by(11) {
        f.actions = Flow::parse("actions=output:7", v).unwrap().actions;
    }
    // A new flow given twice: the last one wins.
    changed.push(Flow::parse("table=42,priority=1,ip,actions=drop", v).unwrap());
    changed.push(Flow::parse("table=42,priority=1,ip,actions=output:3", v).unwrap());
    // A held flow given twice: first with other actions (the later, held one wins: no
    // change), and another held flow given again at the end with other actions (a change).
    let mut early = changed[20].clone();
    early.actions = Flow::parse("actions=output:9", v).unwrap().actions;
    changed.insert(0, early);
    let mut late = changed[31].clone();
    late.actions = Flow::parse("actions=output:8", v).unwrap().actions;
    changed.push(late);
    let fast = sync::plan(&sync::Desired::new(&changed[..], v).unwrap(), &dump).unwrap();
    let typed = sync::diff(&changed, &current, v);
    same(&fast, &typed);
    // Keeping only the flow_mods (the plan's flows decoded from them) plans the same, also
    // when the flows come in parts.
    let half = changed.len() / 2;
    let parts = vec![
        sync::Desired::encode(changed[..half].to_vec(), v).unwrap(),
        sync::Desired::encode(changed[half..].to_vec(), v).unwrap(),
    ];
    let encoded = sync::Desired::concat(parts, v).unwrap();
    assert_eq!(encoded.len(), changed.len());
    same(&sync::plan(&encoded, &dump).unwrap(), &typed);
    // Planned part by part as the dump arrives: the same.
    let streamed = sync::start_dump(h).unwrap().plan(&encoded).await.unwrap();
    same(&streamed, &typed);
    assert!(fast.deletes.len() >= 5 && !fast.adds.is_empty());
    assert!(!fast.modifies.is_empty() && !fast.replaces.is_empty());
}

fn ofctl_dump(sw: &Vswitch, remote: &str, v: Version) -> Vec<String> {
    let text = sw.ofctl(&["-O", v.name(), "--no-stats", "dump-flows", remote]);
    text.lines()
        .filter(|l| l.starts_with(' '))
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dumps_and_bundles_match_ovs_ofctl() {
    let sw = Vswitch::start();
    sw.add_bridge("br0");
    let remote = sw.mgmt_remote("br0");
    // Groups and meters the corpus refers to.
    sw.ofctl(&[
        "-O",
        "OpenFlow15",
        "add-group",
        &remote,
        "group_id=5,type=all,bucket=output:1",
    ]);
    let lines = corpus();
    let file = tmp("install.txt");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    for v in [Version::Of13, Version::Of15] {
        sw.ofctl(&["-O", v.name(), "del-flows", &remote]);
        sw.ofctl(&["-O", v.name(), "add-flows", &remote, file.to_str().unwrap()]);
        let mut theirs = ofctl_dump(&sw, &remote, v);
        let mut ours = our_dump(&remote, v).await;
        assert_eq!(theirs.len(), lines.len());
        theirs.sort();
        ours.sort();
        assert_eq!(ours, theirs, "{v}: our dump vs ovs-ofctl's");

        // The same flows installed by us in one bundle dump identically.
        sw.ofctl(&["-O", v.name(), "del-flows", &remote]);
        let h = connect(&remote, v).await;
        let msgs: Vec<Vec<u8>> = lines
            .iter()
            .map(|l| {
                let fm = Flow::parse(l, v)
                    .unwrap()
                    .to_flow_mod(flow::Command::Add, v)
                    .unwrap();
                Message::FlowMod(fm).encode(v, h.next_xid()).unwrap()
            })
            .collect();
        h.bundle(&msgs).await.unwrap();
        let mut after = ofctl_dump(&sw, &remote, v);
        after.sort();
        assert_eq!(
            after, theirs,
            "{v}: bundle-installed flows dump differently"
        );
    }
}

/// Every match field (the match oracle's corpus) and every action (the action oracle's), as
/// flows on a switch: those the switch accepts dump through us exactly as through
/// `ovs-ofctl --no-stats dump-flows`, under OpenFlow 1.3 and 1.5, and installing them with
/// ovs-ofctl gives the same dump as installing them with us.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_field_and_action_dumps_as_ovs_ofctl() {
    let sw = Vswitch::start();
    sw.add_bridge("br0");
    let remote = sw.mgmt_remote("br0");
    // What the corpora refer to: groups, meters, and a TLV map for tun_metadata0-63.
    for g in [1u32, 3, 5, 4294967040] {
        sw.ofctl(&[
            "-O",
            "OpenFlow15",
            "add-group",
            &remote,
            &format!("group_id={g},type=all,bucket=output:1"),
        ]);
    }
    for m in 1..=2 {
        let _ = sw.try_ofctl(&[
            "-O",
            "OpenFlow15",
            "add-meter",
            &remote,
            &format!("meter={m},kbps,band=type=drop,rate=1000"),
        ]);
    }
    let tlv: Vec<String> = (0..64)
        .map(|i| format!("{{class=0xffff,type={i},len=4}}->tun_metadata{i}"))
        .collect();
    sw.ofctl(&["-O", "OpenFlow15", "add-tlv-map", &remote, &tlv.join(",")]);

    let mut lines: Vec<String> = Vec::new();
    for (i, m) in common::matches().iter().enumerate() {
        let sep = if m.is_empty() { "" } else { "," };
        lines.push(format!("table=40,priority={},{m}{sep}actions=drop", i + 1));
    }
    for (i, (prefix, a)) in common::actions().iter().enumerate() {
        lines.push(format!("table=41,priority={},{prefix}actions={a}", i + 1));
    }
    for v in [Version::Of13, Version::Of15] {
        sw.ofctl(&["-O", v.name(), "del-flows", &remote]);
        let h = connect(&remote, v).await;
        // One at a time, so that a flow the switch refuses (a port it lacks, say) is left
        // out rather than failing the others.
        let mut accepted = Vec::new();
        let mut refused = Vec::new();
        for l in &lines {
            let fm = Flow::parse(l, v)
                .unwrap_or_else(|e| panic!("{v} `{l}`: {e}"))
                .to_flow_mod(flow::Command::Add, v)
                .unwrap_or_else(|e| panic!("{v} `{l}`: {e}"));
            let bytes = Message::FlowMod(fm).encode(v, h.next_xid()).unwrap();
            match h.send_checked(bytes).await {
                Ok(()) => accepted.push(l.clone()),
                Err(e) => refused.push(format!("{l}: {e}")),
            }
        }
        assert!(
            accepted.len() * 10 >= lines.len() * 9,
            "{v}: the switch refused {} of {} flows:\n{}",
            refused.len(),
            lines.len(),
            refused.join("\n")
        );
        let mut ours = our_dump(&remote, v).await;
        let mut theirs = ofctl_dump(&sw, &remote, v);
        ours.sort();
        theirs.sort();
        assert_eq!(theirs.len(), accepted.len());
        for (o, t) in ours.iter().zip(&theirs) {
            assert_eq!(o, t, "{v}: our dump vs ovs-ofctl's");
        }
        assert_eq!(ours, theirs);

        // Installed by ovs-ofctl instead: the same dump.
        sw.ofctl(&["-O", v.name(), "del-flows", &remote]);
        let file = tmp(&format!("accepted-{}.txt", v.name()));
        std::fs::write(&file, accepted.join("\n") + "\n").unwrap();
        sw.ofctl(&["-O", v.name(), "add-flows", &remote, file.to_str().unwrap()]);
        let mut again = ofctl_dump(&sw, &remote, v);
        again.sort();
        assert_eq!(again, theirs, "{v}: installed by ovs-ofctl vs by us");
        sync_plans_agree(&h, &accepted, v).await;
        eprintln!(
            "{v}: {} flows compared, {} refused by the switch",
            accepted.len(),
            refused.len()
        );
    }
}
