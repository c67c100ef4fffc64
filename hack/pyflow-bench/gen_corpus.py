#!/usr/bin/env python3
"""Generate testdata/ovs/odp-grammar.txt: one flow line per datapath key
form and action form that OVS's own tests/odp.at lists as valid (the
formats of format_odp_key_attr and format_odp_action), wrapped in the info
fields of dpctl/dump-flows with and without -m. The key and action texts
are the facts; the counters, ufids and info fields are made up
deterministically. Run from the repository root:

    python3 hack/pyflow-bench/gen_corpus.py > testdata/ovs/odp-grammar.txt
"""
import itertools
import uuid

BASE = [
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x1234)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=5,tos=0x80,ttl=128,frag=no)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=5,tos=0x80,ttl=128,frag=first)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=6,tos=0,ttl=128,frag=no),tcp(src=80,dst=8080)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=17,tos=0,ttl=128,frag=no),udp(src=81,dst=6632)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=1,tos=0,ttl=128,frag=no),icmp(type=1,code=2)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=10,tclass=0x70,hlimit=128,frag=no)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=6,tclass=0,hlimit=128,frag=no),tcp(src=80,dst=8080)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=136,code=0),nd(target=::3,sll=00:05:06:07:08:09,tll=00:0a:0b:0c:0d:0e)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=136,code=0),nd(target=::3,sll=00:05:06:07:08:09,tll=00:0a:0b:0c:0d:0e),nd_ext(nd_reserved=0x0,nd_options_type=2)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0806),arp(sip=1.2.3.4,tip=5.6.7.8,op=1,sha=00:0f:10:11:12:13,tha=00:14:15:16:17:18)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x8847),mpls(label=100,tc=3,ttl=64,bos=1)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x8848),mpls(label=1000,tc=4,ttl=200,bos=1)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=132,tos=0,ttl=128,frag=no),sctp(src=82,dst=6633)",
    "eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=6,tos=0,ttl=128,frag=no),tcp(src=80,dst=8080),tcp_flags(syn|ack)",
]

WILDCARD = [
    "in_port(1/0xff),eth(src=00:01:02:03:04:05/ff:ff:ff:ff:ff:f0,dst=10:11:12:13:14:15/ff:ff:ff:ff:ff:f0)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x1234/0xfff0)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41/255.255.255.0,dst=172.16.0.20/255.255.255.0,proto=5/0xf0,tos=0x80/0xf0,ttl=128/0xf0,frag=no)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=6,tos=0,ttl=128,frag=no),tcp(src=80/0xff00,dst=8080/0xff)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1/::255,dst=::2/::255,label=0/0xf0,proto=10/0xf0,tclass=0x70/0xf0,hlimit=128/0xf0,frag=no)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x86dd),ipv6(src=::1,dst=::2,label=0,proto=58,tclass=0,hlimit=128,frag=no),icmpv6(type=135,code=0),nd(target=::3/::250,sll=00:05:06:07:08:09/ff:ff:ff:ff:ff:00)",
    "in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0806),arp(sip=1.2.3.4/255.255.255.250,tip=5.6.7.8/255.255.255.250,op=1/0xf0,sha=00:0f:10:11:12:13/ff:ff:ff:ff:ff:00,tha=00:14:15:16:17:18/ff:ff:ff:ff:ff:00)",
    "skb_mark(0x1234/0xfff0),in_port(1),eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15),eth_type(0x0800),ipv4(src=35.8.2.41,dst=172.16.0.20,proto=6,tos=0,ttl=128,frag=no),tcp(src=80,dst=8080),tcp_flags(+syn-ack)",
]

PREFIXES = [
    "recirc_id(0),dp_hash(0),skb_priority(0),in_port(1),skb_mark(0),",
    "recirc_id(0),dp_hash(0),skb_priority(0),tunnel(tun_id=0x7f10354,src=10.10.10.10,dst=20.20.20.20,ttl=64,flags(csum|key)),in_port(1),skb_mark(0x1234),",
    "recirc_id(0),dp_hash(0),skb_priority(0),in_port(1),skb_mark(0),ct_state(-new+est+trk),ct_zone(0x5),ct_mark(0x12345678),ct_label(0x1234567890abcdef1234567890abcdef),",
    "recirc_id(0),dp_hash(0),skb_priority(0),tunnel(tun_id=0xfedcba9876543210,src=10.0.0.1,dst=10.0.0.2,ttl=128,erspan(ver=1,idx=0x7),flags(df|key)),in_port(1),skb_mark(0),",
    "recirc_id(0),dp_hash(0),skb_priority(0),tunnel(tun_id=0xfedcba9876543210,src=10.0.0.1,dst=10.0.0.2,ttl=128,erspan(ver=2,dir=1,hwid=0x7),flags(df|key)),in_port(1),skb_mark(0),",
    "recirc_id(0x2a),dp_hash(0x5/0xf),skb_priority(0),in_port(3),skb_mark(0),ct_state(0x21/0x21),ct_zone(0/0),",
]

WC_PREFIXES = [
    "",
    "tunnel(tun_id=0x7f10354/0xff,src=10.10.10.10/255.255.255.0,dst=20.20.20.20/255.255.255.0,ttl=64,vxlan(gbp(id=10/0xff,flags=0xb)),flags(oam|csum|key)),",
    "tunnel(tun_id=0x7f10354/0xff,src=10.10.10.10/255.255.255.0,dst=20.20.20.20/255.255.255.0,ttl=64,flags(-df+csum+key)),",
    "tunnel(tun_id=0x7f10354/0xff,src=10.10.10.10/255.255.255.0,dst=20.20.20.20/255.255.255.0,tp_dst=6081,geneve({class=0xffff,type=0x80,len=4,0xa/0xff}{class=0xffff,type=0x1,len=0}),flags(-df+csum+key)),",
    "tunnel(tun_id=0x0,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,ttl=64,tp_src=0/0,tp_dst=2152,gtpu(flags=0x30,msgtype=255),flags(-df-csum)),",
    "ct_tuple4(src=10.0.0.1,dst=10.0.0.2,proto=6,tp_src=1234,tp_dst=80),",
    "ct_tuple6(src=2001:db8::1,dst=2001:db8::2,proto=17,src_port=1234,dst_port=53),",
    "packet_type(ns=1,id=0x894f),nsh(flags=0,mdtype=1,np=3,spi=0x1234,si=255,c1=0x11111111,c2=0x22222222,c3=0x33333333,c4=0x44444444),",
]

ACTIONS = [
    "1,2,3",
    "userspace(pid=6633,sFlow(vid=9,pcp=7,output=10),actions)",
    "userspace(pid=9765,slow_path(cfm),tunnel_out_port=10)",
    "userspace(pid=1234567,userdata(0102030405060708090a0b0c0d0e0f),actions)",
    "userspace(pid=6633,flow_sample(probability=123,collector_set_id=1234,obs_domain_id=2345,obs_point_id=3456,output_port=10,egress),tunnel_out_port=10)",
    "userspace(pid=6633,ipfix(output_port=10))",
    "userspace(pid=6633,controller(reason=1,dont_send=0,continuation=1,recirc_id=4444,rule_cookie=0x5555,controller_id=0,max_len=65535))",
    "set(in_port(2))",
    "set(eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15/ff:ff:ff:00:00:00))",
    "set(ipv4(src=35.8.2.41/255.255.255.0,dst=172.16.0.20,proto=5,tos=0x80,ttl=128,frag=no))",
    "set(ipv4(tos=0/0x3))",
    "set(tcp(src=80/0xff00,dst=8080))",
    "set(udp(dst=6633))",
    "set(sctp(src=82/0xff00,dst=6633))",
    "set(ipv6(label=0/0xfff,proto=10,tclass=0x70/0x70))",
    "set(vlan(vid=5/0x1)),3",
    "push_vlan(vid=12,pcp=0)",
    "push_vlan(tpid=0x9100,vid=13,pcp=5,cfi=0)",
    "pop_vlan",
    "sample(sample=9.7%,actions(1,2,3,push_vlan(vid=1,pcp=2)))",
    "set(tunnel(tun_id=0xabcdef1234567890,src=1.1.1.1,dst=2.2.2.2,ttl=64,flags(df|csum|key)))",
    "tnl_pop(4)",
    "tnl_push(tnl_port(4),header(size=42,type=3,eth(dst=f8:bc:12:44:34:b6,src=f8:bc:12:46:58:e0,dl_type=0x0800),ipv4(src=1.1.2.88,dst=1.1.2.92,proto=47,tos=0,ttl=64,frag=0x4000),gre((flags=0x2000,proto=0x6558),key=0x1e241)),out_port(1))",
    "tnl_push(tnl_port(6),header(size=50,type=4,eth(dst=f8:bc:12:44:34:b6,src=f8:bc:12:46:58:e0,dl_type=0x0800),ipv4(src=1.1.2.88,dst=1.1.2.92,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0x1c7)),out_port(1))",
    "tnl_push(tnl_port(6),header(size=58,type=5,eth(dst=f8:bc:12:44:34:b6,src=f8:bc:12:46:58:e0,dl_type=0x0800),ipv4(src=1.1.2.88,dst=1.1.2.92,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=6081,csum=0x0),geneve(crit,vni=0x1c7,options({class=0xffff,type=0x80,len=4,0xa}))),out_port(1))",
    "tnl_push(tnl_port(4),header(size=62,type=109,eth(dst=f8:bc:12:44:34:b6,src=f8:bc:12:46:58:e0,dl_type=0x86dd),ipv6(src=2001:cafe::88,dst=2001:cafe::92,label=0,proto=47,tclass=0x0,hlimit=64),gre((flags=0x2000,proto=0x6558),key=0x1e241)),out_port(1))",
    "ct",
    "ct(commit,zone=5)",
    "ct(commit,mark=0xa0a0a0a0/0xfefefefe)",
    "ct(commit,label=0x1234567890abcdef1234567890abcdef/0xf1f2f3f4f5f6f7f8f9f0fafbfcfdfeff)",
    "ct(commit,helper=ftp)",
    "ct(commit,timeout=ovs_tp_1_tcp4,nat(src))",
    "ct(commit,nat(src=10.0.0.240:32768-65535,random))",
    "ct(commit,nat(dst=10.0.0.128-10.0.0.254,hash))",
    "ct(commit,nat(src=fe80::20c:29ff:fe88:1-fe80::20c:29ff:fe88:a18b,random))",
    "ct(commit,nat(src=[fe80::20c:29ff:fe88:1]-[fe80::20c:29ff:fe88:a18b]:255-4096,random))",
    "ct(force_commit,helper=ftp,nat(src=10.1.1.240-10.1.1.255))",
    "ct_clear",
    "trunc(100)",
    "clone(1)",
    "clone(clone(push_vlan(vid=12,pcp=0),2),1)",
    "set(tunnel(tun_id=0x1,dst=1.1.1.1,ttl=64,erspan(ver=2,dir=1,hwid=0x1),flags(df|key)))",
    "check_pkt_len(size=200,gt(4),le(5))",
    "check_pkt_len(size=200,gt(drop),le(5))",
    "check_pkt_len(size=200,gt(ct(nat)),le(drop))",
    "check_pkt_len(size=200,gt(set(eth(src=00:01:02:03:04:05,dst=10:11:12:13:14:15))),le(set(eth(src=00:01:02:03:04:06,dst=10:11:12:13:14:16))))",
    "lb_output(1)",
    "add_mpls(label=200,tc=7,ttl=64,bos=1,eth_type=0x8847)",
    "push_mpls(label=200,tc=7,ttl=64,bos=1,eth_type=0x8847)",
    "pop_mpls(eth_type=0x800)",
    "psample(group=12,cookie=0xf1020304050607080910111213141516)",
    "sample(sample=50.0%,actions(userspace(pid=42,userdata(0102030400000000)),psample(group=12)))",
    "hash(l4(0)),recirc(0x7)",
    "hash(sym_l4(0)),recirc(0x8)",
    "meter(0),2",
    "push_eth(src=00:00:00:00:00:00,dst=00:00:00:00:00:00),2",
    "pop_eth,2",
    "push_nsh(flags=0,ttl=63,mdtype=1,np=3,spi=0x0,si=255,c1=0x0,c2=0x0,c3=0x0,c4=0x0),2",
    "pop_nsh(),2",
    "dec_ttl(le_1(userspace(pid=3614533484,controller(reason=2,dont_send=0,continuation=0,recirc_id=1,rule_cookie=0,controller_id=0,max_len=65535)))),3",
    "drop",
    "recirc(0x1)",
]

INFO_PLAIN = [
    "packets:0, bytes:0, used:never",
    "packets:12, bytes:1176, used:0.530s, flags:S.",
    "packets:93521, bytes:141283190, used:0.002s, flags:SFP.",
    "packets:3, bytes:294, used:2.310s, flags:R.",
]
INFO_M = [
    ("packets:0, bytes:0, used:never", ", dp:ovs"),
    ("packets:7, bytes:686, used:1.004s, flags:P.", ", offloaded:yes, dp:tc"),
    ("packets:1500, bytes:2190000, used:0.120s", ", dp:tc"),
    ("packets:4, bytes:392, used:3.200s", ", offloaded:partial, dp:ovs"),
    ("packets:64, bytes:4096, used:0.010s", ", dp:dpdk"),
]


def main():
    print("# Generated by hack/pyflow-bench/gen_corpus.py from the key and action forms")
    print("# that Open vSwitch's tests/odp.at lists as valid (master, 2026); info fields")
    print("# are made up. Plain lines first, then -m lines with ufid, offloaded and dp.")
    matches = [p + b for p, b in itertools.product(PREFIXES, BASE)]
    matches += [p + b for p, b in itertools.product(WC_PREFIXES, WILDCARD)]
    acts = itertools.cycle(ACTIONS)
    n = 0
    for i, m in enumerate(matches):
        info = INFO_PLAIN[i % len(INFO_PLAIN)]
        print(f"{m}, {info}, actions:{next(acts)}")
        n += 1
    for a in ACTIONS:  # every action at least once more, with -m
        m = matches[n % len(matches)]
        u = uuid.UUID(int=(n * 0x9E3779B97F4A7C15) & ((1 << 128) - 1))
        info, tail = INFO_M[n % len(INFO_M)]
        extra = ", dp-extra-info:miniflow_bits(4,1)" if tail == ", dp:ovs" else ""
        print(f"ufid:{u}, {m}, {info}{tail}, actions:{a}{extra}")
        n += 1


main()
