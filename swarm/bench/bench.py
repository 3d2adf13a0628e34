#!/usr/bin/python3
"""Shoal swarm benchmark: libtorrent 2.0 vs our engine on loopback, same files, same run.

Scenarios: 1->1 and 1->8 (256 MiB, full mesh by direct peers) and a capped swarm (1 seeder +
4 leechers, 64 MiB, every peer's upload capped at 8 MiB/s). Prints a table and, last, one line
of key=value pairs. Peak RSS is VmHWM of the (1->1) downloading process.
"""
import os, re, shutil, socket, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
SHOAL = os.path.join(HERE, "..", "..", "swarm-cli", "bin", "shoal-swarm")
LT = os.path.join(HERE, "lt_peer.py")
MIB = 1 << 20


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Proc:
    def __init__(self, cmd, log):
        self.log = log
        self.f = open(log, "w")
        self.p = subprocess.Popen(cmd, stdout=self.f, stderr=subprocess.STDOUT)
        self.peak_rss = 0
        self.cpu = 0.0

    def text(self):
        with open(self.log) as f:
            return f.read()

    def sample_rss(self):
        try:
            with open("/proc/%d/stat" % self.p.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
                self.cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
        try:
            with open("/proc/%d/status" % self.p.pid) as f:
                m = re.search(r"VmHWM:\s+(\d+) kB", f.read())
                if m:
                    self.peak_rss = max(self.peak_rss, int(m.group(1)) * 1024)
        except OSError:
            pass

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
        self.f.close()


def wait_for(procs, pattern, timeout=300):
    end = time.time() + timeout
    while time.time() < end:
        for pr in procs:
            pr.sample_rss()
        if all(re.search(pattern, pr.text()) for pr in procs):
            return
        if any(pr.p.poll() not in (None, 0) for pr in procs):
            raise SystemExit("a peer failed:\n" + "\n".join(pr.text()[-2000:] for pr in procs))
        time.sleep(0.1)
    raise SystemExit("timeout waiting for %r" % pattern)


def run(engine, work, data, torrent, leechers, up_cap=0):
    """Returns (aggregate bytes/s, peak RSS of first leecher)."""
    size = os.path.getsize(data)
    ports = free_ports(leechers + 1)
    seed_dir = os.path.dirname(data)
    procs = []
    try:
        addr = ["127.0.0.1:%d" % p for p in ports]
        if engine == "lt":
            seed = Proc([sys.executable, LT, "seed", torrent, seed_dir, "--port", str(ports[0]),
                         "--up-cap", str(up_cap)], work + "/seed.log")
            ready = r"READY"
        else:
            seed = Proc([SHOAL, "seed", torrent, data, "--port", str(ports[0]), "--bind",
                         "127.0.0.1", "--up-cap", str(up_cap)], work + "/seed.log")
            ready = r'"state":"seeding"'
        procs.append(seed)
        wait_for([seed], ready)
        leech = []
        for i in range(leechers):
            d = tempfile.mkdtemp(dir=work)
            peers = [a for j, a in enumerate(addr) if j != i + 1]
            if engine == "lt":
                cmd = [sys.executable, LT, "download", torrent, d, "--port", str(ports[i + 1]),
                       "--up-cap", str(up_cap), "--stay"]
                for a in peers:
                    cmd += ["--peer", a]
            else:
                cmd = [SHOAL, "download", torrent, d, "--port", str(ports[i + 1]), "--bind",
                       "127.0.0.1", "--up-cap", str(up_cap), "--seed"]
                for a in peers:
                    cmd += ["--peer", a]
            leech.append(Proc(cmd, "%s/leech%d.log" % (work, i)))
        procs += leech
        done = r"DONE|\"event\":\"complete\""
        wait_for(leech, done)
        starts, ends = [], []
        for pr in leech:
            t = pr.text()
            m = re.search(r"DONE [\d.]+ (\d+) (\d+)", t) or re.search(
                r'"started_ms":(\d+),"finished_ms":(\d+)', t)
            starts.append(int(m.group(1)))
            ends.append(int(m.group(2)))
        agg = leechers * size / ((max(ends) - min(starts)) / 1000.0)
        for pr in procs:
            pr.sample_rss()
        cpu = sum(pr.cpu for pr in procs)
        print("%s %d leechers: %.1f MB/s, CPU %.1f s in all processes" % (
            engine, leechers, agg / 1e6, cpu), file=sys.stderr, flush=True)
        return agg, leech[0].peak_rss
    finally:
        for pr in procs:
            pr.stop()


def main():
    work = tempfile.mkdtemp(prefix="shoal-bench-")
    try:
        rows = []
        results = {}
        for label, size, leechers, cap in [("1to1", 256 * MIB, 1, 0), ("1to8", 256 * MIB, 8, 0),
                                           ("capped_1to4", 64 * MIB, 4, 8 * MIB)]:
            sd = os.path.join(work, "seed-%s" % label)
            os.makedirs(sd)
            data = os.path.join(sd, "payload.bin")
            with open(data, "wb") as f:
                f.write(os.urandom(size))
            torrent = os.path.join(work, "%s.torrent" % label)
            subprocess.run([SHOAL, "create", data, torrent, "--piece-length", "262144"],
                           check=True, stdout=subprocess.DEVNULL)
            for engine in ("lt", "shoal"):
                only = os.environ.get("BENCH_ONLY")  # e.g. "1to8:shoal" while tuning
                if only and only != "%s:%s" % (label, engine):
                    results[(label, engine)] = (1.0, 0)
                    continue
                w = tempfile.mkdtemp(dir=work, prefix=engine + "-" + label + "-")
                rate, rss = run(engine, w, data, torrent, leechers, cap)
                results[(label, engine)] = (rate, rss)
                if os.environ.get("BENCH_KEEP"):
                    print("logs kept in", w)
                else:
                    shutil.rmtree(w, ignore_errors=True)
            lt_rate = results[(label, "lt")][0]
            sh_rate, sh_rss = results[(label, "shoal")]
            rows.append((label, size // MIB, leechers, cap, lt_rate, sh_rate, sh_rate / lt_rate,
                         results[(label, "lt")][1], sh_rss))
            os.remove(data)
        print("| scenario | file MiB | leechers | up cap/peer B/s | libtorrent MB/s | shoal MB/s "
              "| ratio | lt leecher RSS MB | shoal leecher RSS MB |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print("| %s | %d | %d | %d | %.1f | %.1f | %.2f | %.0f | %.0f |" % (
                r[0], r[1], r[2], r[3], r[4] / 1e6, r[5] / 1e6, r[6], r[7] / 1e6, r[8] / 1e6))
        kv = []
        for r in rows:
            kv += ["%s_lt_mbps=%.1f" % (r[0], r[4] / 1e6), "%s_shoal_mbps=%.1f" % (r[0], r[5] / 1e6),
                   "%s_ratio=%.2f" % (r[0], r[6])]
        kv.append("shoal_rss_mb=%.0f" % (rows[0][8] / 1e6))
        print(" ".join(kv))
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
