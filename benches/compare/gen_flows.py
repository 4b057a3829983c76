#!/usr/bin/env python3
"""Writes N OVN-like OpenFlow flows (ovs-ofctl syntax, one per line) to stdout.

    gen_flows.py N > flows.txt

Every flow is distinct and installable on a userspace bridge; they look like what
ovn-controller installs for load balancers and ACLs: ct_state matches, registers, metadata,
ct(commit, zone from a register, nat, exec(set ct_mark)), register loads and resubmits. Under
OpenFlow 1.5 a flow_mod averages about 230 bytes.
"""
import sys


def flow(i):
    dp = i // 1000 + 1
    a, b, c = (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF
    port = 1 + i % 4096
    shape = i % 4
    if shape == 0:
        return (f"table=14,priority=120,ct_state=+new-est+trk,tcp,reg14=0x{port:x},"
                f"metadata=0x{dp:x},nw_dst=10.{a}.{b}.{c},tp_dst=80,"
                f"actions=ct(commit,zone=NXM_NX_REG13[0..15],nat(dst=172.16.{b}.{c}:8080),"
                f"exec(load:0x1->NXM_NX_CT_MARK[1])),load:0x1->NXM_NX_REG10[3],resubmit(,15)")
    if shape == 1:
        return (f"table=44,priority=2002,ct_state=-new+est-rpl+trk,ct_mark=0x1/0x1,ip,"
                f"reg15=0x{port:x},metadata=0x{dp:x},nw_src=10.{a}.{b}.{c},"
                f"actions=load:0x1->NXM_NX_XXREG0[97],load:0x{port:x}->NXM_NX_REG15[],"
                f"ct(commit,zone=NXM_NX_REG11[0..15],exec(load:0x0->NXM_NX_CT_MARK[0])),"
                f"resubmit(,45)")
    if shape == 2:
        return (f"table=21,priority=100,ip,reg0=0x{port:x}/0xffff,metadata=0x{dp:x},"
                f"nw_dst=10.{a}.{b}.0/24,actions=dec_ttl(),"
                f"load:0xa{a:02x}{b:02x}01->NXM_NX_XXREG0[96..127],"
                f"load:0x{port:x}->NXM_NX_REG15[],mod_dl_src:0a:00:{a:02x}:{b:02x}:{c:02x}:01,"
                f"load:0x1->NXM_NX_REG10[0],resubmit(,22)")
    return (f"table=12,priority=110,ct_state=+new+trk,udp,reg14=0x{port:x},"
            f"metadata=0x{dp:x},nw_src=10.{a}.{b}.{c},tp_dst=53,"
            f"actions=ct(commit,zone=NXM_NX_REG12[0..15],table=13,"
            f"nat(src=192.168.{b}.{c}:1024-65535,random),"
            f"exec(load:0x{port:x}->NXM_NX_CT_LABEL[0..31]))")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    out = sys.stdout
    for i in range(n):
        out.write(flow(i))
        out.write("\n")


if __name__ == "__main__":
    main()
