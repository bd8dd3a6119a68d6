#!/usr/bin/python3
"""Programming latency driver for bench/proxy/datapath.sh (step 3).

usage: program_latency.py KUBECONFIG_DIR NAMESPACE POD_IP PORT CIP_PREFIX COUNT [FIRST [POLLERS]]
       program_latency.py --bulk KUBECONFIG_DIR NAMESPACE N
       program_latency.py --poller   (prints the poller's source)

For i in FIRST..FIRST+COUNT-1: POSTs EndpointSlice pl-i (one endpoint POD_IP:PORT, no
selector service), waits a moment, then POSTs Service pl-i with the fixed
ClusterIP CIP_PREFIX.(10+i) and prints "WRITE i T0 T1" (wall-clock seconds
just before the Service POST was sent and when its answer arrived). The
pollers (poller source below, run in a pod per node) print "UP i T" when
that ClusterIP first accepts a connection. With POLLERS (pod names, comma
separated) the next write waits until every poller has logged "UP i" (at
most 30 s), so one slow sync cannot delay the next measurement: the pollers
poll one ClusterIP at a time. KUBECONFIG_DIR holds server.txt,
ca.crt, client.crt, client.key (extracted by datapath.sh).

--bulk: N background services bulk-i (ClusterIPs 10.97.0.0/16 + 10.98...,
port 80) with one EndpointSlice each (3 endpoints 10.250.x.y:8080 that
answer nothing), POSTed from 8 connections; prints "BULK N SECONDS".
"""
import http.client, json, os, ssl, subprocess, sys, threading, time, urllib.parse

POLLER = r'''
import socket, sys, time
prefix, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print("READY", flush=True)
for i in range(count):
    ip = "%s.%d" % (prefix, 10 + i)
    while True:
        s = socket.socket()
        s.settimeout(0.005)
        ok = s.connect_ex((ip, port)) == 0
        s.close()
        if ok:
            print("UP %d %.6f" % (i, time.time()), flush=True)
            break
        time.sleep(0.0005)
time.sleep(3600)
'''


def connect(d):
    server = urllib.parse.urlparse(open(os.path.join(d, "server.txt")).read().strip())
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
    ctx.load_cert_chain(os.path.join(d, "client.crt"), os.path.join(d, "client.key"))
    ctx.check_hostname = False
    return http.client.HTTPSConnection(server.hostname, server.port, context=ctx)


def bulk(d, ns, n, workers=8):
    def work(w):
        conn = connect(d)
        for i in range(w, n, workers):
            name = "bulk-%d" % i
            for path, obj in (
                    ("/api/v1/namespaces/%s/services" % ns,
                     {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                      "spec": {"clusterIP": "10.%d.%d.%d" % (97 + i // 65000, (i % 65000) // 250, 1 + i % 250),
                               "ports": [{"protocol": "TCP", "port": 80, "targetPort": 8080}]}}),
                    ("/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices" % ns,
                     {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                      "metadata": {"name": name, "labels": {"kubernetes.io/service-name": name}},
                      "addressType": "IPv4",
                      "endpoints": [{"addresses": ["10.250.%d.%d" % ((3 * i + k) // 250 % 256, 1 + (3 * i + k) % 250)],
                                     "conditions": {"ready": True}} for k in range(3)],
                      "ports": [{"name": "", "protocol": "TCP", "port": 8080}]})):
                conn.request("POST", path, json.dumps(obj), {"Content-Type": "application/json"})
                r = conn.getresponse()
                body = r.read()
                if r.status >= 300 and r.status != 409:
                    errors.append("POST %s: %d %s" % (path, r.status, body[:200]))
                    return
    errors = []
    t0 = time.time()
    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads: t.start()
    for t in threads: t.join()
    if errors:
        sys.exit("program_latency: " + errors[0])
    print("BULK %d %.1f" % (n, time.time() - t0), flush=True)


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--poller":
        sys.stdout.write(POLLER)
        return
    if sys.argv[1] == "--bulk":
        bulk(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    d, ns, pod_ip, port, prefix, count = sys.argv[1:7]
    first = int(sys.argv[7]) if len(sys.argv) > 7 else 0
    pollers = [p for p in sys.argv[8].split(",") if p] if len(sys.argv) > 8 else []
    port, count = int(port), int(count)
    conn = connect(d)

    def post(path, obj):
        conn.request("POST", path, json.dumps(obj), {"Content-Type": "application/json"})
        r = conn.getresponse()
        body = r.read()
        if r.status >= 300:
            sys.exit("program_latency: POST %s: %d %s" % (path, r.status, body[:300]))

    for i in range(first, first + count):
        name = "pl-%d" % i
        post("/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices" % ns, {
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [pod_ip], "conditions": {"ready": True}}],
            "ports": [{"name": "", "protocol": "TCP", "port": port}]})
        time.sleep(0.3)
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
               "spec": {"clusterIP": "%s.%d" % (prefix, 10 + i),
                        "ports": [{"protocol": "TCP", "port": port, "targetPort": port}]}}
        t0 = time.time()
        post("/api/v1/namespaces/%s/services" % ns, svc)
        t1 = time.time()
        print("WRITE %d %.6f %.6f" % (i, t0, t1), flush=True)
        deadline = time.time() + 30
        for p in pollers:
            while time.time() < deadline:
                logs = subprocess.run(["kubectl", "logs", p], capture_output=True, text=True).stdout
                if ("UP %d " % i) in logs:
                    break
                time.sleep(0.2)
        time.sleep(0.3 if pollers else 0.7)


if __name__ == "__main__":
    main()
