//! OVN-like OpenFlow flows in ovs-ofctl syntax: the four shapes of
//! `benches/compare/gen_flows.py`, byte for byte (load balancer and ACL flows with
//! ct_state matches, registers, metadata, `ct(commit, zone from a register, nat,
//! exec(set ct_mark))`, register loads and resubmits; about 230 bytes as an OpenFlow 1.5
//! flow_mod).

/// Flow number `i`, exactly as `gen_flows.py` writes it (without the newline).
pub fn ovn_flow(i: u64) -> String {
    let dp = i / 1000 + 1;
    let (a, b, c) = ((i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
    let port = 1 + i % 4096;
    match i % 4 {
        0 => format!(
            "table=14,priority=120,ct_state=+new-est+trk,tcp,reg14=0x{port:x},\
             metadata=0x{dp:x},nw_dst=10.{a}.{b}.{c},tp_dst=80,\
             actions=ct(commit,zone=NXM_NX_REG13[0..15],nat(dst=172.16.{b}.{c}:8080),\
             exec(load:0x1->NXM_NX_CT_MARK[1])),load:0x1->NXM_NX_REG10[3],resubmit(,15)"
        ),
        1 => format!(
            "table=44,priority=2002,ct_state=-new+est-rpl+trk,ct_mark=0x1/0x1,ip,\
             reg15=0x{port:x},metadata=0x{dp:x},nw_src=10.{a}.{b}.{c},\
             actions=load:0x1->NXM_NX_XXREG0[97],load:0x{port:x}->NXM_NX_REG15[],\
             ct(commit,zone=NXM_NX_REG11[0..15],exec(load:0x0->NXM_NX_CT_MARK[0])),\
             resubmit(,45)"
        ),
        2 => format!(
            "table=21,priority=100,ip,reg0=0x{port:x}/0xffff,metadata=0x{dp:x},\
             nw_dst=10.{a}.{b}.0/24,actions=dec_ttl(),\
             load:0xa{a:02x}{b:02x}01->NXM_NX_XXREG0[96..127],\
             load:0x{port:x}->NXM_NX_REG15[],mod_dl_src:0a:00:{a:02x}:{b:02x}:{c:02x}:01,\
             load:0x1->NXM_NX_REG10[0],resubmit(,22)"
        ),
        _ => format!(
            "table=12,priority=110,ct_state=+new+trk,udp,reg14=0x{port:x},\
             metadata=0x{dp:x},nw_src=10.{a}.{b}.{c},tp_dst=53,\
             actions=ct(commit,zone=NXM_NX_REG12[0..15],table=13,\
             nat(src=192.168.{b}.{c}:1024-65535,random),\
             exec(load:0x{port:x}->NXM_NX_CT_LABEL[0..31]))"
        ),
    }
}

/// Flows `0..n` ([`ovn_flow`]).
pub fn ovn_flows(n: u64) -> Vec<String> {
    (0..n).map(ovn_flow).collect()
}
