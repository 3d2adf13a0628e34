#!/usr/bin/python3
"""The lab's "background" scenario (BackgroundLabBenchmark): the delay probe and the libtorrent
peers, each run by the benchmark inside one of the lab's namespaces (never outside them).

usage:
  background.py echo PORT
      UDP echo server (in the cloud): sends every datagram back to where it came from.
  background.py ping HOST PORT INTERVAL_MS MAX_SECONDS
      One small datagram every INTERVAL_MS to the echo server; prints "R <sent_ms> <rtt_ms>" per
      answer and "L <sent_ms>" per datagram unanswered after 3 s (sent_ms: ms since the epoch, the
      clock the benchmark's windows use). Stops after MAX_SECONDS (a bound; it is killed before).
  background.py seed TORRENT DATA_FILE PORT utp|tcp
      libtorrent seeding DATA_FILE over uTP only (or TCP only), no upload cap, no DHT/LSD/PEX.
      Prints "PORT <n>", "READY" once seeding, "UP <payload bytes>" every second.
  background.py leech TORRENT SAVE_DIR HOST:PORT COUNT BASE_PORT utp|tcp
      COUNT libtorrent sessions downloading from HOST:PORT only, over uTP only (or TCP only). One
      that completes deletes its copy and starts again, so the seeder never runs out of demand.
      Prints "DONE <i> <seconds>" per completed copy and "DOWN <payload bytes/s>" every second.

Sessions are made without libtorrent's default plugins: no ut_pex, so leechers never learn of
each other and everything they get comes through the seeder's uplink.
"""
import os, select, socket, struct, sys, time

NO_PLUGINS = 0


def echo(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    while True:
        data, addr = s.recvfrom(2048)
        s.sendto(data, addr)


def ping(host, port, interval_ms, max_seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    pending = {}  # seq -> (sent epoch ms, sent monotonic s)
    seq = 0
    interval = interval_ms / 1000.0
    end = time.monotonic() + max_seconds
    next_send = time.monotonic()
    out = sys.stdout
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_send:
            seq += 1
            pending[seq] = (time.time() * 1000.0, now)
            try:
                # 32 bytes of payload: a game's or a voice call's small packet, not a full one.
                s.sendto(struct.pack("!Q24x", seq), (host, port))
            except OSError:
                pass  # counted as lost below
            next_send += interval
            if next_send < now:  # this process was descheduled: no burst to catch up
                next_send = now + interval
        ready, _, _ = select.select([s], [], [], max(0.0, next_send - time.monotonic()))
        if ready:
            while True:
                try:
                    data, _ = s.recvfrom(2048)
                except BlockingIOError:
                    break
                got = time.monotonic()
                if len(data) < 8:
                    continue
                (n,) = struct.unpack("!Q", data[:8])
                sent = pending.pop(n, None)
                if sent:
                    out.write("R %.1f %.3f\n" % (sent[0], (got - sent[1]) * 1000.0))
        for n in [n for n, v in pending.items() if time.monotonic() - v[1] > 3.0]:
            out.write("L %.1f\n" % pending.pop(n)[0])
        out.flush()


def common(transport):
    utp = transport == "utp"
    return {
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "enable_outgoing_utp": utp, "enable_incoming_utp": utp,
        "enable_outgoing_tcp": not utp, "enable_incoming_tcp": not utp,
        # The leechers all live at the cloud's one address.
        "allow_multiple_connections_per_ip": True,
        "upload_rate_limit": 0, "download_rate_limit": 0,
        "alert_mask": 0,
    }


def torrent_info(lt, path):
    with open(path, "rb") as f:
        meta = lt.bdecode(f.read())
    # Direct peers only: the tracker would add the origin seeder and the agent.
    meta.pop(b"announce", None)
    meta.pop(b"announce-list", None)
    return lt.torrent_info(meta)


def seed(torrent, data_file, port, transport):
    import libtorrent as lt
    settings = common(transport)
    settings["listen_interfaces"] = "0.0.0.0:%d" % port
    s = lt.session(settings, NO_PLUGINS)
    ti = torrent_info(lt, torrent)
    if ti.num_files() != 1:
        sys.exit("a pack is one file; this torrent has %d" % ti.num_files())
    save = os.path.join(os.path.dirname(os.path.abspath(torrent)), "seed")
    target = os.path.join(save, ti.files().file_path(0))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if not os.path.exists(target):
        os.symlink(os.path.abspath(data_file), target)
    atp = lt.add_torrent_params()
    atp.ti = ti
    atp.save_path = save
    h = s.add_torrent(atp)
    print("PORT %d" % s.listen_port(), flush=True)
    ready = False
    while True:
        st = h.status()
        if not ready and st.is_seeding:
            ready = True
            print("READY", flush=True)
        print("UP %d" % st.total_payload_upload, flush=True)
        time.sleep(1.0)


def leech(torrent, save, peer, count, base_port, transport):
    import libtorrent as lt
    host, port = peer.rsplit(":", 1)
    target = (host, int(port))
    ti = torrent_info(lt, torrent)
    leechers = []
    for i in range(count):
        settings = common(transport)
        settings["listen_interfaces"] = "0.0.0.0:%d" % (base_port + i)
        leechers.append({"session": lt.session(settings, NO_PLUGINS), "round": 0, "handle": None})

    def start(i):
        l = leechers[i]
        l["round"] += 1
        atp = lt.add_torrent_params()
        atp.ti = ti
        atp.save_path = os.path.join(save, "%d-%d" % (i, l["round"]))
        l["handle"] = l["session"].add_torrent(atp)
        l["started"] = time.time()
        l["dialled"] = 0.0

    for i in range(count):
        start(i)
    last = 0.0
    while True:
        rate = 0
        for i, l in enumerate(leechers):
            h = l["handle"]
            st = h.status()
            rate += st.download_payload_rate
            if st.is_seeding:
                print("DONE %d %.1f" % (i, time.time() - l["started"]), flush=True)
                l["session"].remove_torrent(h, lt.options_t.delete_files)
                start(i)
                continue
            # Dial the seeder (again, if it dropped us or was not listening yet).
            if st.num_peers == 0 and time.time() - l["dialled"] > 2.0:
                h.connect_peer(target)
                l["dialled"] = time.time()
        if time.time() - last >= 1.0:
            last = time.time()
            print("DOWN %d" % rate, flush=True)
        time.sleep(0.1)


def main(argv):
    mode = argv[1]
    if mode == "echo":
        echo(int(argv[2]))
    elif mode == "ping":
        ping(argv[2], int(argv[3]), float(argv[4]), float(argv[5]))
    elif mode == "seed":
        seed(argv[2], argv[3], int(argv[4]), argv[5])
    elif mode == "leech":
        leech(argv[2], argv[3], argv[4], int(argv[5]), int(argv[6]), argv[7])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
