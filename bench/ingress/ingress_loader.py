#!/usr/bin/python3
"""API objects and the route-programming driver for bench/ingress/ingress_bench.sh.

usage:
  ingress_loader.py backend CREDS NS ADDR PORT
      Service "backend" (no selector, port 80 -> PORT) and its EndpointSlice
      with the one ready endpoint ADDR:PORT.
  ingress_loader.py ingress CREDS NS NAME HOST
      Ingress NAME: HOST ("" = a rule without host), path / Prefix -> backend:80.
  ingress_loader.py bulk CREDS NS INGRESSES ENDPOINTS TLS CERTDIR
      INGRESSES Services bulk-i with one EndpointSlice each of ENDPOINTS ready
      endpoints (10.250.0.0/16, port 8080: nothing answers there), INGRESSES
      Ingresses bulk-i with two hosts each (a-i.bulk.local, b-i.bulk.local,
      path / -> bulk-i:80), and for i < TLS a kubernetes.io/tls Secret tls-i
      (CERTDIR/i.crt, CERTDIR/i.key) named by Ingress bulk-i's tls for both
      hosts. POSTed from 8 connections. Prints "BULK objects=N seconds=S errors=E".
  ingress_loader.py programming CREDS NS COUNT PROXY_PORT
      For j in 0..COUNT-1: checks that Host p-j.prog.local gets 404 from the
      proxy on 127.0.0.1:PROXY_PORT, POSTs Ingress p-j (that host, / ->
      backend:80) and polls the proxy (one keep-alive connection, a GET every
      0.5 ms) until the host answers 200. Prints one line per Ingress:
        LAT j SENT_MS API_MS
      from just before the POST was sent / from the API's answer to the first
      200; "ERROR ..." lines for failures (a poll gives up after 10 s).

CREDS holds server.txt, ca.crt, client.crt, client.key (as for
bench/proxy/program_latency.py, whose connect() is used).
"""
import base64, json, os, socket, sys, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "proxy"))
from program_latency import connect  # HTTPS to the API with the files in CREDS


def post(conn, path, obj):
    conn.request("POST", path, json.dumps(obj), {"Content-Type": "application/json"})
    r = conn.getresponse()
    body = r.read()
    return r.status, body


def must(conn, path, obj):
    status, body = post(conn, path, obj)
    if status >= 300 and status != 409:
        sys.exit("ingress_loader: POST %s: %d %s" % (path, status, body[:300]))


def svc_path(ns):
    return "/api/v1/namespaces/%s/services" % ns


def slice_path(ns):
    return "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices" % ns


def ing_path(ns):
    return "/apis/networking.k8s.io/v1/namespaces/%s/ingresses" % ns


def secret_path(ns):
    return "/api/v1/namespaces/%s/secrets" % ns


def service(name, target):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"ports": [{"protocol": "TCP", "port": 80, "targetPort": target}]}}


def endpoint_slice(name, addresses, port):
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [a], "conditions": {"ready": True}} for a in addresses],
            "ports": [{"name": "", "protocol": "TCP", "port": port}]}


def ingress(name, hosts, service_name, tls_secret=None):
    rules = []
    for h in hosts:
        rule = {"http": {"paths": [{"path": "/", "pathType": "Prefix",
                                    "backend": {"service": {"name": service_name, "port": {"number": 80}}}}]}}
        if h:
            rule["host"] = h
        rules.append(rule)
    spec = {"ingressClassName": "nginx", "rules": rules}
    if tls_secret:
        spec["tls"] = [{"hosts": [h for h in hosts if h], "secretName": tls_secret}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name}, "spec": spec}


def cmd_backend(creds, ns, addr, port):
    conn = connect(creds)
    must(conn, svc_path(ns), service("backend", int(port)))
    must(conn, slice_path(ns), endpoint_slice("backend", [addr], int(port)))


def cmd_ingress(creds, ns, name, host):
    conn = connect(creds)
    must(conn, ing_path(ns), ingress(name, [host], "backend"))


def cmd_bulk(creds, ns, n, endpoints, tls, certdir, workers=8):
    n, endpoints, tls = int(n), int(endpoints), int(tls)
    errors = []
    counts = [0] * workers

    def work(w):
        conn = connect(creds)
        for i in range(w, n, workers):
            name = "bulk-%d" % i
            objs = [(svc_path(ns), service(name, 8080))]
            addrs = []
            for k in range(endpoints):
                e = i * endpoints + k
                addrs.append("10.250.%d.%d" % (e // 250 % 256, 1 + e % 250))
            objs.append((slice_path(ns), endpoint_slice(name, addrs, 8080)))
            secret = None
            if i < tls:
                secret = "tls-%d" % i
                with open(os.path.join(certdir, "%d.crt" % i), "rb") as f:
                    crt = base64.b64encode(f.read()).decode()
                with open(os.path.join(certdir, "%d.key" % i), "rb") as f:
                    key = base64.b64encode(f.read()).decode()
                objs.append((secret_path(ns), {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                                               "metadata": {"name": secret},
                                               "data": {"tls.crt": crt, "tls.key": key}}))
            objs.append((ing_path(ns), ingress(name, ["a-%d.bulk.local" % i, "b-%d.bulk.local" % i], name, secret)))
            for path, obj in objs:
                status, body = post(conn, path, obj)
                if status >= 300 and status != 409:
                    errors.append("POST %s: %d %s" % (path, status, body[:200]))
                    return
                counts[w] += 1

    t0 = time.time()
    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("BULK objects=%d seconds=%.1f errors=%d" % (sum(counts), time.time() - t0, len(errors)), flush=True)
    if errors:
        sys.exit("ingress_loader: " + errors[0])


class Poller:
    """GET / with a given Host over one keep-alive connection to the proxy."""

    def __init__(self, port):
        self.port = port
        self.sock = None

    def status(self, host):
        for _ in range(2):
            try:
                if self.sock is None:
                    self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=2)
                self.sock.sendall(("GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: ingress-bench\r\n\r\n" % host).encode())
                return self._read()
            except (OSError, ValueError):
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
        return 0

    def _read(self):
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ValueError("closed")
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length, chunked, close = 0, False, False
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            k, v = k.strip().lower(), v.strip().lower()
            if k == b"content-length":
                length = int(v)
            elif k == b"transfer-encoding" and b"chunked" in v:
                chunked = True
            elif k == b"connection" and v == b"close":
                close = True
        if chunked:
            while not rest.endswith(b"0\r\n\r\n"):
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ValueError("closed")
                rest += chunk
        else:
            while len(rest) < length:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ValueError("closed")
                rest += chunk
        if close:
            self.sock.close()
            self.sock = None
        return status


def cmd_programming(creds, ns, count, port):
    conn = connect(creds)
    poller = Poller(int(port))
    for j in range(int(count)):
        name = "p-%d" % j
        host = "%s.prog.local" % name
        before = poller.status(host)
        if before != 404:
            print("ERROR %s answered %d before its Ingress existed" % (host, before), flush=True)
            continue
        t0 = time.time()
        status, body = post(conn, ing_path(ns), ingress(name, [host], "backend"))
        t1 = time.time()
        if status != 201:
            print("ERROR create %s: %d %s" % (name, status, body[:200]), flush=True)
            continue
        deadline = t1 + 10
        while True:
            s = poller.status(host)
            now = time.time()
            if s == 200:
                print("LAT %d %.3f %.3f" % (j, (now - t0) * 1000, (now - t1) * 1000), flush=True)
                break
            if now > deadline:
                print("ERROR %s not answering 200 after 10 s (last status %d)" % (host, s), flush=True)
                break
            time.sleep(0.0005)
        time.sleep(0.05)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"backend": cmd_backend, "ingress": cmd_ingress, "bulk": cmd_bulk, "programming": cmd_programming}[cmd](*args)


if __name__ == "__main__":
    main()
