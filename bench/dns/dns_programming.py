#!/usr/bin/python3
"""DNS programming latency for bench/dns/dns_bench.sh (step 3).

usage: dns_programming.py CREDS_DIR NAMESPACE DNS_PORT COUNT

For i in 0..COUNT-1: POSTs Service lat-i (ClusterIP, port 80) to the API
server and polls 127.0.0.1:DNS_PORT with "A lat-i.NAMESPACE.svc.cluster.local"
every 0.2 ms until the answer is NOERROR with an A record; then DELETEs the
Service and polls until NXDOMAIN. Before each POST the name is queried once,
so a server with a cache holds its NXDOMAIN: the answer must not wait for
that entry to expire. Prints one line per service:
  LAT i CREATE_MS DELETE_MS CREATE_SENT_MS DELETE_SENT_MS
the first two measured from the API's answer to the write (the object
exists) to the first DNS answer that shows it, the last two from just before
the write was sent (so they include the API's own write). CREDS_DIR holds server.txt, ca.crt, client.crt, client.key.
"""
import json, os, random, socket, struct, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "proxy"))
from program_latency import connect  # HTTPS to the API with the files in CREDS_DIR


def query(name):
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return qid, q + b"\0" + struct.pack(">HH", 1, 1)


def ask(sock, name):
    """rcode and answer count of one A query (None on timeout)."""
    qid, q = query(name)
    sock.send(q)
    deadline = time.time() + 0.5
    while time.time() < deadline:
        try:
            r = sock.recv(4096)
        except socket.timeout:
            return None
        if len(r) >= 12 and struct.unpack(">H", r[:2])[0] == qid:
            flags, _, ancount = struct.unpack(">HHH", r[2:8])
            return flags & 0xF, ancount
    return None


def wait_for(sock, name, done):
    while True:
        a = ask(sock, name)
        if a is not None and done(*a):
            return time.time()
        time.sleep(0.0002)


def main():
    d, ns, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    conn = connect(d)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.5)
    sock.connect(("127.0.0.1", port))
    for i in range(count):
        name = "lat-%d" % i
        fqdn = "%s.%s.svc.cluster.local" % (name, ns)
        ask(sock, fqdn)  # NXDOMAIN, cached by a cache plugin
        body = json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                           "spec": {"ports": [{"port": 80, "protocol": "TCP"}]}})
        t0 = time.time()
        conn.request("POST", "/api/v1/namespaces/%s/services" % ns, body, {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        t1 = time.time()
        if r.status != 201:
            print("ERROR create %s: %d" % (name, r.status), flush=True)
            continue
        up = wait_for(sock, fqdn, lambda rc, an: rc == 0 and an > 0)
        t2s = time.time()
        conn.request("DELETE", "/api/v1/namespaces/%s/services/%s" % (ns, name))
        r = conn.getresponse()
        r.read()
        t2 = time.time()
        gone = wait_for(sock, fqdn, lambda rc, an: rc == 3)
        print("LAT %d %.3f %.3f %.3f %.3f" % (i, (up - t1) * 1000, (gone - t2) * 1000, (up - t0) * 1000,
                                             (gone - t2s) * 1000), flush=True)


if __name__ == "__main__":
    main()
