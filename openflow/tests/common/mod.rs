//! Corpora shared by the oracle tests: every match field and every action of the issue,
//! in the spellings ovs-ofctl accepts.
#![allow(dead_code)]

/// Matches (the part of a flow before `actions=`), covering every field.
pub fn matches() -> Vec<String> {
    let mut c: Vec<String> = Vec::new();
    let mut add = |s: &str| c.push(s.to_string());
    add("");
    // Ports.
    for p in [
        "1",
        "LOCAL",
        "local",
        "CONTROLLER",
        "65279",
        "IN_PORT",
        "NORMAL",
        "ANY",
    ] {
        add(&format!("in_port={p}"));
    }
    add("in_port_oxm=5");
    add("in_port_oxm=4294967294");
    add("actset_output=LOCAL");
    add("actset_output=7");
    // Metadata and registers.
    add("metadata=0x5");
    add("metadata=0x5/0xff");
    add("metadata=0");
    add("metadata=0x123456789abcdef0/0xffffffff00000000");
    for i in 0..16 {
        add(&format!("reg{i}={}", i + 1));
        add(&format!(
            "reg{i}=0x{:x}/0x{:x}",
            (i + 1) * 16,
            0xf0 | (i << 8)
        ));
    }
    add("reg0=0");
    for i in 0..8 {
        add(&format!("xreg{i}=0x{:x}", i + 1));
        add(&format!("xreg{i}=0x100000001/0xffffffff000000ff"));
    }
    for i in 0..4 {
        add(&format!("xxreg{i}=0x{:x}", i + 1));
        add(&format!(
            "xxreg{i}=0x12340000000000000000000000005678/0xffff000000000000000000000000ffff"
        ));
    }
    add("reg1[0..3]=5");
    add("reg2[4]=1,reg2[8..15]=0xab");
    // Tunnels.
    add("tun_id=0x5");
    add("tun_id=0x5/0xff");
    add("tunnel_id=0x1234567890");
    add("tun_src=1.2.3.4");
    add("tun_src=1.2.3.0/24");
    add("tun_dst=1.2.3.4/255.0.255.0");
    add("tun_ipv6_src=::1");
    add("tun_ipv6_src=2001:db8::/32");
    add("tun_ipv6_dst=fe80::1/ffff::ffff");
    add("tun_flags=+oam");
    add("tun_flags=-oam");
    add("tun_flags=oam");
    add("tun_gbp_id=5");
    add("tun_gbp_flags=0x3");
    for i in 0..64 {
        add(&format!("tun_metadata{i}=0x{:x}", i * 16 + 1));
    }
    add("tun_metadata5=0x1234/0xff00");
    add("tun_metadata6=0");
    add("tun_metadata7=0x0102030405060708090a0b0c0d0e0f10");
    // Conntrack.
    add("pkt_mark=0x1");
    add("pkt_mark=0x1/0xf");
    for s in [
        "+trk",
        "+trk+est",
        "-new+trk",
        "trk|est",
        "0x20/0x20",
        "+trk-inv",
        "0",
        "+dnat+snat-rpl",
    ] {
        add(&format!("ct_state={s}"));
    }
    add("ct_zone=5");
    add("ct_zone=0xfff0");
    add("ct_mark=0x1/0xf");
    add("ct_mark=5");
    add("ct_label=0x1");
    add("ct_label=0x1/0xff");
    add("ct_label=0x0123456789abcdef0123456789abcdef");
    add("ip,ct_state=+est+trk,ct_nw_src=10.0.0.1");
    add("ip,ct_state=+est+trk,ct_nw_dst=10.0.0.0/8");
    add("ipv6,ct_state=+new+trk,ct_ipv6_src=::1,ct_ipv6_dst=2001:db8::/64");
    add("ct_state=+est+trk,ct_nw_proto=6,ct_tp_src=80,ct_tp_dst=0x100/0xff00");
    add("ct_state=+trk-inv,ct_nw_proto=17");
    add("conj_id=5");
    add("recirc_id=1,tcp");
    add("dp_hash=0x5/0xf");
    // Ethernet and VLAN.
    add("dl_src=00:11:22:33:44:55");
    add("eth_src=00:11:22:33:44:55/ff:ff:ff:00:00:00");
    add("dl_dst=01:00:00:00:00:00/01:00:00:00:00:00");
    add("eth_dst=aa:bb:cc:dd:ee:ff");
    add("dl_type=0x0800");
    add("eth_type=0x1234");
    add("dl_type=0x88cc");
    add("vlan_tci=0x1005");
    add("vlan_tci=0x1000/0x1000");
    add("vlan_tci=0");
    add("vlan_tci=0x0000/0x1fff");
    add("vlan_tci=0x1234/0x1fff");
    add("vlan_vid=5");
    add("vlan_vid=0x1005");
    add("vlan_vid=0x1000/0x1000");
    add("vlan_vid=0x1005/0x1fff");
    add("vlan_pcp=3");
    add("dl_vlan=5");
    add("dl_vlan=5000");
    add("dl_vlan=0xffff");
    add("dl_vlan_pcp=7");
    add("dl_vlan=5,vlan_pcp=3");
    add("vlan_vid=0x1005,dl_vlan_pcp=2");
    // IPv4/IPv6.
    add("ip");
    add("ipv4");
    add("ip4");
    add("ip,nw_src=10.0.0.1");
    add("ip,nw_dst=10.0.0.0/8");
    add("ip,ip_src=10.0.0.0/255.0.0.255");
    add("ip,ip_dst=192.168.0.1/32");
    add("ip,nw_src=0.0.0.0/0");
    add("ipv6");
    add("ip6,ipv6_src=::1");
    add("ipv6,ipv6_dst=2001:db8::/48");
    add("ipv6,ipv6_src=fe80::1:2:3:4/ffff:ffff::ffff");
    add("ipv6,ipv6_src=::ffff:1.2.3.4");
    add("ipv6,ipv6_label=0x12345");
    add("ipv6,ipv6_label=0x12345/0xff");
    add("ip,nw_proto=47");
    add("ipv6,nw_proto=47");
    add("ip,ip_proto=1");
    add("ip,nw_tos=4");
    add("ip,nw_tos=252");
    add("ip,ip_dscp=3");
    add("ipv6,ip_dscp=63");
    add("ip,nw_ecn=1");
    add("ip,ip_ecn=3");
    add("ip,nw_tos=8,nw_ecn=2");
    add("ip,nw_ttl=64");
    add("ipv6,nw_ttl=1");
    for f in ["no", "first", "later", "yes", "not_later"] {
        add(&format!("ip,nw_frag={f}"));
    }
    add("ipv6,ip_frag=yes");
    // ARP.
    add("arp");
    add("rarp");
    add("arp,arp_op=1");
    add("arp,arp_op=2,arp_spa=10.0.0.1,arp_tpa=10.0.0.0/24");
    add("arp,arp_sha=00:11:22:33:44:55,arp_tha=00:11:22:00:00:00/ff:ff:ff:00:00:00");
    add("rarp,arp_spa=1.2.3.4,arp_op=3");
    add("arp,nw_src=10.0.0.1");
    // L4.
    for p in ["tcp", "udp", "sctp", "tcp6", "udp6", "sctp6"] {
        add(p);
        add(&format!("{p},tp_src=80"));
        add(&format!("{p},tp_dst=0x1000/0xf000"));
        add(&format!("{p},tp_src=1024/0xfc00,tp_dst=443"));
    }
    add("tcp,tcp_src=80,tcp_dst=8080");
    add("udp,udp_src=53,udp_dst=0x35/0xffff");
    add("sctp,sctp_src=1,sctp_dst=2");
    add("tcp6,tcp_dst=22");
    add("tcp,tcp_flags=+syn-ack");
    add("tcp,tcp_flags=syn|ack");
    add("tcp,tcp_flags=0x12/0x12");
    add("tcp6,tcp_flags=+fin");
    add("tcp,tcp_flags=0");
    add("tcp,tcp_flags=+ns+cwr");
    add("icmp");
    add("icmp,icmp_type=8");
    add("icmp,icmp_type=3,icmp_code=1");
    add("icmp6");
    add("icmp6,icmpv6_type=128,icmpv6_code=0");
    add("icmp6,icmp_type=135,icmp_code=0,nd_target=fe80::1");
    add("icmp6,icmp_type=135,icmp_code=0,nd_target=fe80::/64,nd_sll=00:11:22:33:44:55");
    add("icmp6,icmp_type=136,icmp_code=0,nd_tll=00:11:22:33:44:55/ff:ff:ff:ff:ff:00");
    add("icmp6,icmpv6_type=136,icmpv6_code=0,nd_reserved=5,nd_options_type=2");
    // MPLS.
    add("mpls");
    add("mplsm");
    add("mpls,mpls_label=5");
    add("mpls,mpls_label=2000000");
    add("mpls,mpls_tc=3,mpls_bos=1,mpls_ttl=64");
    add("mplsm,mpls_bos=0");
    // Combinations and wildcards.
    add("tcp,nw_dst=10.0.0.1,tp_dst=80,reg0=0x1,metadata=0x2,in_port=3,dl_vlan=10");
    add("ip,nw_dst=10.0.0.1,tcp,tp_dst=80");
    add("tcp,tp_src=*");
    add("tcp,tp_src");
    add("reg3=*,ip");
    add("ipv6,tcp,tp_dst=80");
    add(
        "udp6,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,udp_dst=4789,ct_state=+trk+est,ct_zone=3,ct_mark=0x10/0x10,ct_label=0x1/0x1,reg14=0x3,reg15=0x4,metadata=0x1,tun_id=0x55",
    );
    add(
        "arp,arp_tpa=10.0.0.1,arp_op=1,dl_dst=ff:ff:ff:ff:ff:ff,in_port=LOCAL,vlan_tci=0x1064/0x1fff",
    );
    add("eth,reg0=1");
    add("eth");
    add("packet_type=(1,0x800)");
    add("tcp,nw_tos=4,nw_ecn=1,nw_ttl=3,nw_frag=first,tcp_flags=+syn,tp_src=1,tp_dst=2");
    c
}

/// (match prefix, actions). The prefix supplies the prerequisites ovs-ofctl checks
/// (`ip,` for nat and dec_ttl, `tcp,` for mod_tp_src, a VLAN for set_vlan_vid, ...).
pub fn actions() -> Vec<(&'static str, String)> {
    let mut c: Vec<(&'static str, String)> = Vec::new();
    let mut add = |m: &'static str, a: &str| c.push((m, a.to_string()));

    // --- OVN's set first.
    for a in [
        "output:1",
        "output:65279",
        "LOCAL",
        "IN_PORT",
        "in_port",
        "NORMAL",
        "FLOOD",
        "ALL",
        "CONTROLLER",
        "CONTROLLER:100",
        "output:CONTROLLER",
        "controller",
        "controller:200",
        "output:LOCAL",
        "output:NXM_NX_REG0[0..15]",
        "output:reg1",
        "output:NXM_NX_REG15[]",
        "output:reg14[0..15]",
        "output(port=1,max_len=100)",
        "output(port=LOCAL,max_len=64)",
        "resubmit:3",
        "resubmit(,5)",
        "resubmit(1,5)",
        "resubmit(LOCAL,255)",
        "resubmit(IN_PORT,8)",
        "resubmit(,0)",
        "group:1",
        "group:4294967040",
        "meter:1",
        "meter:2,output:1",
        "note:de.ad.be.ef",
        "note:00",
        "note:0102030405060708090a",
        "note:00.01.02.03.04.05",
        "goto_table:5",
        "output:1,goto_table:2",
        "write_metadata:0x1",
        "write_metadata:0x10/0xff,goto_table:4",
        "write_metadata:0/0xff",
        "clear_actions",
        "write_actions(output:1)",
        "write_actions(set_field:1->reg0,group:3)",
        "meter:1,output:2,clear_actions,write_actions(output:3),write_metadata:0x1/0x1,goto_table:9",
        "resubmit(,3),write_actions(output:3)",
        "set_field:00:11:22:33:44:55->eth_src",
        "set_field:00:11:22:33:44:55->eth_dst",
        "set_field:0x5->reg0",
        "set_field:5->reg15",
        "set_field:5/0xff->reg1",
        "set_field:0x1/0x1->xreg0",
        "set_field:0x1/0x1->xxreg3",
        "set_field:0x1234->xxreg3",
        "set_field:0x1->metadata",
        "set_field:0xff00/0xff00->metadata",
        "set_field:0xdeadbeef->tun_id",
        "set_field:0x1->pkt_mark",
        "set_field:*->reg0",
        "load:0x1->NXM_NX_REG0[]",
        "load:0x5->reg3[0..3]",
        "load:0x1->NXM_NX_XXREG0[97]",
        "load:0xffff->NXM_NX_REG1[16..31]",
        "load:0->OXM_OF_METADATA[0..7]",
        "load:0x123456789->NXM_NX_XXREG1[0..63]",
        "load:0xffffffffffffffffff->NXM_NX_XXREG1[0..71]",
        "load:1->NXM_NX_REG0[0],load:1->NXM_NX_REG0[1]",
        "load:0x2a->NXM_NX_TUN_ID[0..15]",
        "load:0xa->OXM_OF_PKT_REG0[0..7]",
        "move:NXM_NX_REG0[0..15]->NXM_NX_REG1[16..31]",
        "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]",
        "move:reg0->reg1",
        "move:NXM_NX_XXREG0[0..63]->NXM_NX_XXREG1[64..127]",
        "move:OXM_OF_PKT_REG0[]->NXM_NX_XXREG0[0..63]",
        "move:NXM_OF_IN_PORT[]->NXM_NX_REG14[0..15]",
        // Geneve options as OVN writes them (tun_metadata: lengths from the value, as
        // Open vSwitch's `mf_field_len`; headers in move/push/pop/output with 124 bytes).
        "move:NXM_NX_REG14[0..14]->NXM_NX_TUN_METADATA0[16..30]",
        "load:0x1->NXM_NX_TUN_METADATA0[16..30]",
        "set_field:0x5->tun_metadata1",
        "set_field:0x1100/0xff00->tun_metadata2",
        "load:0xab->NXM_NX_TUN_METADATA5[]",
        "set_field:0->tun_metadata6",
        "load:0->NXM_NX_TUN_METADATA7[0..7]",
        "move:NXM_NX_TUN_METADATA3[0..31]->NXM_NX_REG0[]",
        "push:NXM_NX_TUN_METADATA1[0..31],pop:NXM_NX_TUN_METADATA2[0..7]",
        "output:NXM_NX_TUN_METADATA3[0..15]",
        "conjunction(1,1/2)",
        "conjunction(100,2/3),note:01",
        "conjunction(0x10,1/2),conjunction(20,2/2)",
        "conjunction(4294967295,64/64)",
        "controller(userdata=00.00.00.01.00.00.00.00)",
        "controller(reason=no_match,id=5)",
        "controller(pause,userdata=01.02)",
        "controller(max_len=128,meter_id=3)",
        "controller(reason=invalid_ttl)",
        "controller(id=1,max_len=0)",
        "controller(reason=action_set,userdata=00.00.00.12.00.00.00.00.00.19.00.10.80.00.06.06.ff.ff.ff.ff.ff.ff.00.00,pause,meter_id=4294967295)",
        "controller(reason=group)",
        "controller(reason=packet_out,max_len=65535)",
        "clone(output:1)",
        "clone(set_field:1->reg0,resubmit(,10))",
        "clone(clone(output:2))",
        "clone()",
        "clone(load:0x1->NXM_NX_REG0[3],move:reg1->reg2,output:3)",
        "check_pkt_larger(1500)->NXM_NX_REG10[0]",
        "check_pkt_larger(100)->reg0[31]",
        "check_pkt_larger(0)->OXM_OF_PKT_REG0[5]",
        "ct_clear",
        "push:NXM_NX_REG0[]",
        "pop:NXM_NX_REG1[0..15]",
        "push:reg2[0..7],pop:reg3[8..15]",
        "exit",
        "drop",
        "set_queue:3",
        "pop_queue",
        "set_queue:0,output:1,pop_queue",
        "enqueue:1:2",
        "enqueue(3,4)",
        "set_tunnel:0x5",
        "set_tunnel64:0x5",
        "set_tunnel:0x123456789",
        "multipath(eth_src,50,modulo_n,1,0,NXM_NX_REG0[0..15])",
        "multipath(symmetric_l4,1024,iter_hash,5000,5000,NXM_NX_REG0[0..12])",
        "multipath(symmetric_l3l4+udp,1,hrw,16,0,reg1)",
        "multipath(nw_src,0,hash_threshold,2,0,NXM_NX_REG0[0])",
        "multipath(symmetric_l3l4,7,iter_hash,3,9,NXM_NX_REG2[0..1])",
        "bundle(eth_src,0,hrw,ofport,members:4,8)",
        "bundle(symmetric_l4,60,active_backup,ofport,members:1,2,3)",
        "bundle(nw_dst,1,hrw,ofport,members:1,2,3,4,5)",
        "bundle_load(eth_src,0,hrw,ofport,NXM_NX_REG0[],members:4,8)",
        "bundle_load(symmetric_l3,1,active_backup,ofport,NXM_NX_REG1[0..15],slaves:1)",
        "sample(probability=100,collector_set_id=1,obs_domain_id=2,obs_point_id=3)",
        "sample(probability=65535,collector_set_id=1,obs_domain_id=2,obs_point_id=3,sampling_port=5)",
        "sample(probability=1,collector_set_id=1,obs_domain_id=2,obs_point_id=3,sampling_port=LOCAL,ingress)",
        "sample(probability=7,collector_set_id=0,obs_domain_id=0,obs_point_id=0,egress)",
        "push_vlan:0x8100",
        "push_vlan:0x88a8",
        "mod_dl_src:00:11:22:33:44:55",
        "mod_dl_dst:aa:bb:cc:dd:ee:ff",
        "mod_vlan_vid:5",
        "mod_vlan_pcp:3",
        "learn(table=10,idle_timeout=30,hard_timeout=60,priority=100,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG1[0..15],output:NXM_OF_IN_PORT[])",
        "learn(table=1,limit=10,result_dst=reg0[5],NXM_OF_ETH_DST[])",
        "learn(table=2,fin_idle_timeout=5,fin_hard_timeout=10,send_flow_rem,NXM_NX_REG0[0..7]=0x5,load:0xabc->NXM_NX_REG1[0..11])",
        "learn(table=3,eth_dst=00:11:22:33:44:55,in_port=99,load:0x1->NXM_NX_REG5[])",
        "learn(table=4,cookie=0x1234,delete_learned,reg0=0x7,NXM_NX_REG1[3..5]=5)",
        "learn(table=5,limit=0,NXM_NX_REG0[])",
        "learn(table=6,result_dst=NXM_NX_REG3[31],load:NXM_NX_REG0[]->NXM_NX_REG1[])",
        "learn()",
        "learn(table=0,priority=0,idle_timeout=0,hard_timeout=65535)",
        "write_actions(push_vlan:0x8100,output:1)",
        "write_actions(set_queue:1,group:2)",
    ] {
        add("", a);
    }
    for a in [
        "ct(commit)",
        "ct(commit,zone=5)",
        "ct(zone=NXM_NX_REG13[0..15],table=8)",
        "ct(commit,force,zone=1)",
        "ct(commit,exec(set_field:0x1/0x1->ct_mark))",
        "ct(commit,exec(load:0x1->NXM_NX_CT_MARK[1],move:NXM_NX_REG0[]->NXM_NX_CT_LABEL[0..31]))",
        "ct(commit,exec(set_field:0x2/0x2->ct_label))",
        "ct(nat)",
        "ct(commit,nat(src=10.0.0.1))",
        "ct(commit,nat(src=10.0.0.1-10.0.0.10:1000-2000,persistent,random))",
        "ct(commit,nat(dst=10.0.0.1:80,hash))",
        "ct(commit,nat(dst=10.0.0.1-10.0.0.1))",
        "ct(commit,nat(src=10.0.0.1:5-5))",
        "ct(commit,nat(src))",
        "ct(commit,nat(src,persistent))",
        "ct(table=10,zone=NXM_NX_REG11[0..15],nat)",
        "ct(commit,zone=NXM_NX_REG13[0..15],nat(src=10.0.0.1-10.0.0.5:100-200,persistent,random)),resubmit(,5)",
        "ct(commit,table=20,zone=65535,exec(set_field:0/0x1->ct_mark),nat(dst=192.168.1.1))",
        "ct(commit,nat(src=172.16.0.1),exec(load:0x1->NXM_NX_CT_MARK[]))",
        "dec_ttl",
        "dec_ttl(1,2,3)",
        "dec_ttl(0)",
        "dec_ttl()",
        "dec_ttl,output:1",
        "mod_nw_src:1.2.3.4",
        "mod_nw_dst:10.0.0.255",
        "mod_nw_tos:16",
        "mod_nw_ecn:2",
        "mod_nw_ttl:9",
        "set_nw_ttl:3",
        "set_field:10.0.0.1->ip_src",
        "set_field:10.0.0.0/255.0.0.0->ip_dst",
        "set_field:10.0.0.0/24->ip_dst",
        "set_field:46->ip_dscp",
        "set_field:2->nw_ecn",
        "set_field:64->nw_ttl",
        "push_mpls:0x8847",
        "push_mpls:0x8848,set_mpls_label(10)",
    ] {
        add("ip,", a);
    }
    for a in [
        "ct(commit,nat(src=fd00::1-fd00::5))",
        "ct(commit,nat(dst=[fd00::1]:80))",
        "ct(commit,nat(dst=[fd00::1]-[fd00::9]:80-90,random))",
        "ct(commit,nat(src=::1))",
        "set_field:fe80::1->ipv6_src",
        "set_field:2001:db8::/32->ipv6_dst",
        "set_field:0x12345->ipv6_label",
        "dec_ttl",
    ] {
        add("ipv6,", a);
    }
    for a in [
        "ct(commit,alg=ftp)",
        "mod_tp_src:80",
        "mod_tp_dst:8080",
        "set_field:80->tcp_dst",
        "set_field:0x10/0xff0->tcp_src",
        "fin_timeout(idle_timeout=10)",
        "fin_timeout(idle_timeout=10,hard_timeout=20)",
        "fin_timeout(hard_timeout=3)",
        "learn(table=69,delete_learned,cookie=0x123,OXM_OF_METADATA[],eth_type=0x800,NXM_OF_IP_SRC[],ip_dst=172.16.0.1,nw_proto=6,NXM_OF_TCP_SRC[]=NXM_OF_TCP_DST[],load:0x1->NXM_NX_REG10[7])",
    ] {
        add("tcp,", a);
    }
    for a in [
        "ct(commit,alg=tftp)",
        "mod_tp_src:53",
        "set_field:53->udp_dst",
    ] {
        add("udp,", a);
    }
    for a in ["mod_tp_dst:9", "set_field:9->sctp_dst"] {
        add("sctp,", a);
    }
    for a in ["set_field:11->icmp_type", "set_field:3->icmp_code"] {
        add("icmp,", a);
    }
    for a in [
        "set_field:1->arp_op",
        "set_field:10.0.0.1->arp_spa",
        "set_field:00:00:00:00:00:01->arp_sha",
    ] {
        add("arp,", a);
    }
    for a in [
        "pop_vlan",
        "strip_vlan",
        "set_vlan_vid:5",
        "set_vlan_pcp:2",
        "mod_vlan_vid:7",
        "set_field:4097->vlan_vid",
        "set_field:3->vlan_pcp",
        "set_field:0x1005->vlan_tci",
    ] {
        add("vlan_tci=0x1000/0x1000,", a);
    }
    for a in [
        "pop_mpls:0x0800",
        "set_mpls_label(10)",
        "set_mpls_tc(3)",
        "set_mpls_ttl(64)",
        "dec_mpls_ttl",
        "set_field:5->mpls_label",
        "set_field:1->mpls_tc",
    ] {
        add("mpls,", a);
    }
    add("dl_type=0x894f,", "dec_nsh_ttl");
    add("ct_state=+trk-inv,ip,", "resubmit(,5,ct)");
    add("ct_state=+new+trk,ip,", "resubmit(1,5,ct)");

    // Generated: every writable whole-register load and set_field.
    for n in 0..16 {
        c.push(("", format!("load:0x{n:x}->NXM_NX_REG{n}[]")));
        let mask = (n + 1) * 7;
        c.push((
            "",
            format!("set_field:{}/0x{mask:x}->reg{n}", (n * 3) & mask),
        ));
    }
    for n in 0..4 {
        c.push((
            "",
            format!("move:NXM_NX_XXREG{n}[]->NXM_NX_XXREG{}[]", (n + 1) % 4),
        ));
    }
    for t in [1u32, 7, 128, 254] {
        c.push((
            "",
            format!("resubmit(,{t}),goto_table:{}", (t + 1).min(254)),
        ));
    }
    c
}
