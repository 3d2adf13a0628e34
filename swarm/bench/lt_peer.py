#!/usr/bin/python3
"""libtorrent peer for Shoal interop tests and benchmarks (loopback or the tests' own namespaces;
TCP only unless --utp-only, which turns TCP off and uTP on both ways).

usage: lt_peer.py seed|download TORRENT SAVE_DIR [--peer HOST:PORT ...] [--port N] [--listen ADDR]
                  [--up-cap BPS] [--down-cap BPS] [--timeout S] [--stay]
                  [--no-tracker] [--start-at EPOCH_MS] [--drop-at FRACTION --drop-for S]
                  [--utp-only]
Prints "PORT <n>" once listening, "DONE <seconds> <start_ms> <end_ms>" when the download
completes, and "UP <bytes>" (payload uploaded so far) every second. Events for the engine tests,
each with the time in ms since the epoch: "CONNECTED <ms>" when the peer count goes from 0 to more,
"DROPPED <ms>"/"UNBLOCKED <ms>" around --drop-at (an IP filter that blocks everyone:
libtorrent disconnects every peer and forgets them, so only a peer that redials comes back).
"""
import argparse, sys, time
import libtorrent as lt

ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["seed", "download"])
ap.add_argument("torrent")
ap.add_argument("save")
ap.add_argument("--peer", action="append", default=[])
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--listen", default="127.0.0.1",
                help="address to listen on (the lab runs it in a namespace: 0.0.0.0)")
ap.add_argument("--up-cap", type=int, default=0)
ap.add_argument("--down-cap", type=int, default=0)
ap.add_argument("--timeout", type=float, default=120)
ap.add_argument("--stay", action="store_true", help="keep seeding after download")
ap.add_argument("--no-tracker", action="store_true",
                help="drop the torrent's announce URL (same info dict, same hash): direct peers only")
ap.add_argument("--start-at", type=int, default=0,
                help="add the torrent at this time (ms since the epoch), to start many peers at once")
ap.add_argument("--drop-at", type=float, default=0,
                help="at this download progress (0..1) drop and forget every peer for --drop-for s")
ap.add_argument("--drop-for", type=float, default=1.0)
ap.add_argument("--utp-only", action="store_true",
                help="uTP (BEP 29) only: no TCP connections in or out")
a = ap.parse_args()


def now_ms():
    return int(time.time() * 1000)

settings = {
    "listen_interfaces": "%s:%d" % (a.listen, a.port),
    "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
    "enable_outgoing_utp": False, "enable_incoming_utp": False,
    "allow_multiple_connections_per_ip": True,
    "upload_rate_limit": a.up_cap, "download_rate_limit": a.down_cap,
    "alert_mask": 0,
}
if a.utp_only:
    settings.update({"enable_outgoing_tcp": False, "enable_incoming_tcp": False,
                     "enable_outgoing_utp": True, "enable_incoming_utp": True})
s = lt.session(settings)
# Rate limits do not apply to local peers by default; put every peer in the global class.
if a.up_cap or a.down_cap:
    f = lt.ip_filter()
    f.add_rule("0.0.0.0", "255.255.255.255", 1 << lt.session.global_peer_class_id)
    s.set_peer_class_filter(f)
atp = lt.add_torrent_params()
if a.no_tracker:
    with open(a.torrent, "rb") as f:
        meta = lt.bdecode(f.read())
    meta.pop(b"announce", None)
    meta.pop(b"announce-list", None)
    atp.ti = lt.torrent_info(meta)
else:
    atp.ti = lt.torrent_info(a.torrent)
atp.save_path = a.save
# wait for the listen socket
for _ in range(100):
    if s.listen_port():
        break
    time.sleep(0.05)
print("PORT %d" % s.listen_port(), flush=True)
print("HASH %s" % atp.ti.info_hash(), flush=True)
if a.start_at:
    time.sleep(max(0.0, a.start_at / 1000.0 - time.time()))
h = s.add_torrent(atp)
start = time.time()
last_up = 0.0
connected = False
ready = False
had_peers = False
dropped_until = None
while True:
    st = h.status()
    if st.num_peers > 0 and not had_peers:
        print("CONNECTED %d" % now_ms(), flush=True)
    had_peers = st.num_peers > 0
    if a.drop_at and dropped_until is None and st.progress >= a.drop_at and not st.is_seeding:
        block = lt.ip_filter()
        block.add_rule("0.0.0.0", "255.255.255.255", 1)
        s.set_ip_filter(block)
        dropped_until = time.time() + a.drop_for
        print("DROPPED %d" % now_ms(), flush=True)
    if dropped_until and time.time() >= dropped_until:
        s.set_ip_filter(lt.ip_filter())
        dropped_until = 0
        print("UNBLOCKED %d" % now_ms(), flush=True)
    if not connected and st.state not in (lt.torrent_status.checking_files,
                                          lt.torrent_status.checking_resume_data):
        for p in a.peer:
            host, port = p.rsplit(":", 1)
            h.connect_peer((host, int(port)))
        connected = True
    if not ready and st.is_seeding:
        ready = True
        print("READY", flush=True)
    if a.mode == "download" and st.is_seeding:
        end = time.time()
        print("DONE %.3f %d %d" % (end - start, start * 1000, end * 1000), flush=True)
        if not a.stay:
            sys.exit(0)
        a.mode = "seed"
    if time.time() - last_up >= 1.0:
        last_up = time.time()
        print("UP %d" % st.total_payload_upload, flush=True)
    if a.mode == "download" and time.time() - start > a.timeout:
        print("TIMEOUT progress=%.3f" % st.progress, flush=True)
        sys.exit(2)
    time.sleep(0.02)
