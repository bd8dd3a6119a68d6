#!/usr/bin/env python3
"""Generates src/api/schema.gen.json from the Kubernetes API type declarations.

Usage:
  scripts/gen-schema.py API_DIR APIMACHINERY_DIR [-o OUT]

The committed schema.gen.json was generated from k8s.io/api and
k8s.io/apimachinery at tag v0.33.13 (Kubernetes 1.33), e.g.
  git -C api archive v0.33.13 | tar -x -C /tmp/api

API_DIR is a checkout of the k8s.io/api module, APIMACHINERY_DIR one of
k8s.io/apimachinery. The script reads the Go struct declarations of the packages
netkube serves, keeps the types reachable from the served kinds, and writes one
JSON document:

  {"types": {"io.k8s.api.core.v1.PodSpec": {"description": "", "fields": [
      {"name": "containers", "type": "object", "ref": "io.k8s.api.core.v1.Container",
       "array": true, "tag": 2, "required": true, "patchStrategy": "merge",
       "patchMergeKey": "name", "listType": "map", "listMapKeys": ["name"]}, ...]}}}

Keys with default values are left out (array/map/required/inline false, tag 0,
empty strings and lists). "type" is one of: string bool int32 int64 double bytes
intOrString quantity time microTime duration rawExtension object.

Embedded structs (Go fields without a name, e.g. Volume's VolumeSource) are
flattened into their parent in JSON. When such an embedding has a protobuf tag
(it is a nested message on the wire), the parent also gets one nameless field
{"name": "", "type": "object", "ref": <embedded type>, "tag": N, "inline": true}
so the protobuf codec can find the nested message; JSON consumers skip it.

Only facts are taken from the Go sources (names, numbers, markers, enum
values); the Go doc comments are not copied. Only the standard library is used.
"""

import argparse
import json
import os
import re
import sys

# Packages read, as (module dir index, path in module, Go import path).
API_PACKAGES = [
    "core/v1", "apps/v1", "discovery/v1", "networking/v1", "coordination/v1",
    "policy/v1", "authentication/v1", "autoscaling/v1",
]
META_PKG = "k8s.io/apimachinery/pkg/apis/meta/v1"

# Types with their own JSON/protobuf shape (schema.h ValueType), not structs.
VALUE_TYPES = {
    (META_PKG, "Time"): "time",
    (META_PKG, "MicroTime"): "microTime",
    (META_PKG, "Duration"): "duration",
    (META_PKG, "FieldsV1"): "rawExtension",  # any JSON object; proto {raw=1}
    ("k8s.io/apimachinery/pkg/util/intstr", "IntOrString"): "intOrString",
    ("k8s.io/apimachinery/pkg/api/resource", "Quantity"): "quantity",
    ("k8s.io/apimachinery/pkg/runtime", "RawExtension"): "rawExtension",
}
# Packages whose named types are all strings (types.UID, types.NodeName, ...).
STRING_PACKAGES = {"k8s.io/apimachinery/pkg/types"}

BUILTINS = {
    "string": "string", "bool": "bool", "int32": "int32", "int64": "int64",
    "int": "int64", "uint32": "int64", "uint64": "int64", "int16": "int32",
    "float64": "double", "float32": "double", "interface{}": "rawExtension",
    "any": "rawExtension",
}

# The served kinds (src/api/kinds.cc: api_test checks the two agree), their
# subresource bodies, and the meta types the API server writes itself.
KINDS = {
    "io.k8s.api.core.v1": ["ConfigMap", "Endpoints", "Event", "LimitRange", "Namespace", "Node", "Pod",
                           "ResourceQuota", "Secret", "Service", "ServiceAccount"],
    "io.k8s.api.apps.v1": ["DaemonSet", "Deployment", "ReplicaSet"],
    "io.k8s.api.coordination.v1": ["Lease"],
    "io.k8s.api.discovery.v1": ["EndpointSlice"],
    "io.k8s.api.networking.v1": ["Ingress", "IngressClass", "NetworkPolicy"],
}
EXTRA_ROOTS = [
    "io.k8s.api.core.v1.Binding",
    "io.k8s.api.core.v1.PodExecOptions",
    "io.k8s.api.core.v1.PodAttachOptions",
    "io.k8s.api.core.v1.PodPortForwardOptions",
    "io.k8s.api.core.v1.PodLogOptions",
    "io.k8s.api.policy.v1.Eviction",
    "io.k8s.api.autoscaling.v1.Scale",
    "io.k8s.api.authentication.v1.TokenRequest",
] + ["io.k8s.apimachinery.pkg.apis.meta.v1." + n for n in [
    "ObjectMeta", "ListMeta", "OwnerReference", "ManagedFieldsEntry", "LabelSelector",
    "LabelSelectorRequirement", "Status", "StatusDetails", "StatusCause", "DeleteOptions",
    "Preconditions", "Table", "TableColumnDefinition", "TableRow", "TableRowCondition",
    "PartialObjectMetadata", "PartialObjectMetadataList", "Condition", "APIResource",
    "APIResourceList", "APIGroup", "APIGroupList", "APIVersions", "GroupVersionForDiscovery",
    "ServerAddressByClientCIDR", "WatchEvent", "Patch", "ListOptions", "GetOptions",
    "CreateOptions", "UpdateOptions", "PatchOptions",
]]

# Short descriptions of our own for the top-level kinds (shown by kubectl explain).
DESCRIPTIONS = {
    "io.k8s.api.core.v1.ConfigMap": "Non-secret configuration data as key-value pairs.",
    "io.k8s.api.core.v1.Endpoints": "The addresses and ports that back a Service (legacy form; see EndpointSlice).",
    "io.k8s.api.core.v1.Event": "A report of something that happened to an object in the cluster.",
    "io.k8s.api.core.v1.Namespace": "A scope for names; most objects live in exactly one namespace.",
    "io.k8s.api.core.v1.Node": "A machine (here: a network namespace) that runs pods.",
    "io.k8s.api.core.v1.Pod": "A group of containers that share one network namespace and run on one node.",
    "io.k8s.api.core.v1.Secret": "Confidential data as key-value pairs.",
    "io.k8s.api.core.v1.Service": "A stable virtual address and DNS name that load-balances over a set of pods.",
    "io.k8s.api.core.v1.ServiceAccount": "An identity for processes that run in pods.",
    "io.k8s.api.apps.v1.DaemonSet": "Runs one copy of a pod on every eligible node.",
    "io.k8s.api.apps.v1.Deployment": "Declarative updates for a replicated set of pods, through ReplicaSets.",
    "io.k8s.api.apps.v1.ReplicaSet": "Keeps a given number of identical pods running.",
    "io.k8s.api.coordination.v1.Lease": "A lock or heartbeat record with a holder and a renew time.",
    "io.k8s.api.discovery.v1.EndpointSlice": "A subset of the endpoints that back a Service.",
    "io.k8s.api.networking.v1.Ingress": "HTTP routing rules from hosts and paths to Services.",
    "io.k8s.api.networking.v1.IngressClass": "Names the controller that implements a class of Ingresses.",
    "io.k8s.api.networking.v1.NetworkPolicy": "Which traffic may reach or leave a set of pods.",
}

SKIP_FILE = re.compile(r"(_test\.go|^zz_generated.*|^generated\.pb\.go|_swagger_doc_generated\.go)$")
TAG_RE = re.compile(r'(\w+):"((?:[^"\\]|\\.)*)"')


def def_name(import_path):
    """OpenAPI definition prefix of a Go import path."""
    if import_path.startswith("k8s.io/"):
        return "io.k8s." + import_path[len("k8s.io/"):].replace("/", ".")
    return import_path.replace("/", ".")


class GoPackage:
    """The type and constant declarations of one Go package."""

    def __init__(self, import_path):
        self.import_path = import_path
        self.structs = {}   # name -> list of raw fields (dicts)
        self.aliases = {}   # name -> (type expr, imports of its file)
        self.enums = set()  # names of +enum types
        self.consts = {}    # type name -> [values]
        self.struct_imports = {}  # name -> imports of its file


def strip_block_comments(text):
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def parse_imports(text):
    imports = {}
    for m in re.finditer(r"^import\s*\((.*?)^\)", text, flags=re.S | re.M):
        for line in m.group(1).splitlines():
            line = line.strip()
            mm = re.match(r'^(?:(\w+)\s+)?"([^"]+)"', line)
            if mm:
                path = mm.group(2)
                imports[mm.group(1) or path.rsplit("/", 1)[-1]] = path
    for m in re.finditer(r'^import\s+(?:(\w+)\s+)?"([^"]+)"', text, flags=re.M):
        imports[m.group(1) or m.group(2).rsplit("/", 1)[-1]] = m.group(2)
    return imports


def markers(comments):
    """The +key[=value] markers of a comment block, as (key, value) pairs."""
    out = []
    for c in comments:
        m = re.match(r"^\s*//\s*\+([\w:.-]+)(?:=(.*))?\s*$", c)
        if m:
            out.append((m.group(1), (m.group(2) or "").strip()))
    return out


def parse_field_line(line, comments):
    m = re.match(r"^\s*(.*?)\s*`([^`]*)`\s*(//.*)?$", line)
    if m:
        decl, tagtext = m.group(1), m.group(2)
    else:
        decl, tagtext = re.sub(r"//.*$", "", line).strip(), ""
    if not decl:
        return None
    parts = decl.split(None, 1)
    if len(parts) == 2 and re.match(r"^[A-Za-z_]\w*$", parts[0]):
        name, typ = parts
    else:
        name, typ = None, decl  # embedded
    tags = dict(TAG_RE.findall(tagtext))
    return {"go_name": name, "type": typ.strip(), "tags": tags, "markers": markers(comments)}


def parse_file(pkg, text):
    text = strip_block_comments(text)
    imports = parse_imports(text)
    lines = text.splitlines()
    comments = []
    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if s.startswith("//"):
            comments.append(s)
            i += 1
            continue
        if not s:
            comments = []
            i += 1
            continue
        m = re.match(r"^type\s+(\w+)\s+struct\s*\{\s*(\})?", line)
        if m:
            name = m.group(1)
            fields = []
            if not m.group(2):
                i += 1
                fcomments = []
                while i < len(lines) and not re.match(r"^\}", lines[i]):
                    fs = lines[i].strip()
                    if fs.startswith("//"):
                        fcomments.append(fs)
                    elif not fs:
                        fcomments = []
                    else:
                        f = parse_field_line(lines[i], fcomments)
                        if f:
                            fields.append(f)
                        fcomments = []
                    i += 1
            pkg.structs[name] = fields
            pkg.struct_imports[name] = imports
            comments = []
            i += 1
            continue
        m = re.match(r"^type\s+(\w+)\s*=?\s*([^{]+?)\s*(//.*)?$", line)
        if m and not m.group(2).startswith("interface"):
            name = m.group(1)
            pkg.aliases[name] = (m.group(2).strip(), imports)
            if any(k in ("enum", "k8s:enum") for k, _ in markers(comments)):
                pkg.enums.add(name)
            comments = []
            i += 1
            continue
        m = re.match(r"^const\s*\(", line)
        if m:
            i += 1
            while i < len(lines) and not re.match(r"^\)", lines[i]):
                add_const(pkg, lines[i])
                i += 1
            comments = []
            i += 1
            continue
        if line.startswith("const "):
            add_const(pkg, line[len("const "):])
        comments = []
        i += 1


def add_const(pkg, line):
    m = re.match(r'^\s*\w+\s+(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"', line)
    if m:
        pkg.consts.setdefault(m.group(1), []).append(m.group(2))


def load_package(directory, import_path):
    pkg = GoPackage(import_path)
    if not os.path.isdir(directory):
        sys.exit("gen-schema: no such package directory: " + directory)
    for fn in sorted(os.listdir(directory)):
        if not fn.endswith(".go") or SKIP_FILE.search(fn):
            continue
        with open(os.path.join(directory, fn), encoding="utf-8") as f:
            parse_file(pkg, f.read())
    return pkg


class Generator:
    def __init__(self, packages):
        self.packages = packages  # import path -> GoPackage
        self.types = {}           # definition name -> {"description", "fields"}
        self.queue = []

    def type_info(self, import_path, expr, imports):
        """Resolves a Go type expression to a dict with type/ref/array/map/enum."""
        expr = expr.strip()
        while expr.startswith("*"):
            expr = expr[1:].strip()
        if expr == "[]byte":
            return {"type": "bytes"}
        if expr.startswith("[]"):
            inner = self.type_info(import_path, expr[2:], imports)
            if inner.get("array") or inner.get("map"):
                raise ValueError("nested collection type %r" % expr)
            return dict(inner, array=True)
        if expr.startswith("map["):
            depth, j = 0, 3
            while j < len(expr):
                if expr[j] == "[":
                    depth += 1
                elif expr[j] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            inner = self.type_info(import_path, expr[j + 1:], imports)
            if inner.get("array") or inner.get("map"):
                raise ValueError("nested collection type %r" % expr)
            return dict(inner, map=True)
        if expr in BUILTINS:
            return {"type": BUILTINS[expr]}
        if "." in expr:
            alias, name = expr.split(".", 1)
            if alias not in imports:
                raise ValueError("unknown package %r in %r" % (alias, expr))
            path = imports[alias]
        else:
            path, name = import_path, expr
        if (path, name) in VALUE_TYPES:
            return {"type": VALUE_TYPES[(path, name)]}
        if path in STRING_PACKAGES:
            return {"type": "string"}
        pkg = self.packages.get(path)
        if pkg is None:
            raise ValueError("type %s.%s from a package not read" % (path, name))
        if name in pkg.structs:
            ref = def_name(path) + "." + name
            self.want(ref)
            return {"type": "object", "ref": ref}
        if name in pkg.aliases:
            under, uimports = pkg.aliases[name]
            info = self.type_info(path, under, uimports)
            if name in pkg.enums and pkg.consts.get(name):
                info = dict(info, enum=sorted(set(pkg.consts[name])))
            return info
        raise ValueError("unknown type %s.%s" % (path, name))

    def want(self, ref):
        if ref not in self.types and ref not in self.queue:
            self.queue.append(ref)

    def lookup(self, ref):
        for path, pkg in self.packages.items():
            prefix = def_name(path) + "."
            if ref.startswith(prefix) and ref[len(prefix):] in pkg.structs:
                return path, ref[len(prefix):]
        raise ValueError("no struct for " + ref)

    def struct_fields(self, path, name):
        """The JSON fields of a struct, embedded structs flattened."""
        pkg = self.packages[path]
        imports = pkg.struct_imports[name]
        out = []
        for raw in pkg.structs[name]:
            json_tag = raw["tags"].get("json")
            if json_tag is None and raw["go_name"] is not None:
                continue  # not serialised by name (e.g. time.Time inside Time)
            json_parts = (json_tag or "").split(",")
            json_name, opts = json_parts[0], json_parts[1:]
            if json_name == "-":
                continue
            proto = raw["tags"].get("protobuf", "")
            proto_parts = proto.split(",") if proto and proto != "-" else []
            tag = int(proto_parts[1]) if len(proto_parts) > 1 and proto_parts[1].isdigit() else 0
            if raw["go_name"] is None and not json_name:
                # Embedded struct: its fields become ours.
                info = self.type_info(path, raw["type"], imports)
                ipath, iname = self.lookup(info["ref"])
                # Flattened fields carry no tag here: on the wire they are inside the
                # nested message (or, for TypeMeta, not in the message at all).
                for f in self.struct_fields(ipath, iname):
                    if not f.get("inline"):
                        out.append(dict(f, tag=0))
                if tag:
                    out.append({"name": "", "type": "object", "ref": info["ref"], "tag": tag,
                                "inline": True})
                continue
            if not json_name:
                json_name = raw["go_name"]
            try:
                info = self.type_info(path, raw["type"], imports)
            except ValueError as e:
                raise ValueError("%s.%s.%s: %s" % (path, name, json_name, e))
            field = {"name": json_name}
            field.update(info)
            if tag:
                field["tag"] = tag
            mk = raw["markers"]
            keys = [k for k, _ in mk]
            optional = ("omitempty" in opts or "omitzero" in opts or "optional" in keys
                        or "k8s:optional" in keys)
            if "required" in keys or "k8s:required" in keys or not optional:
                field["required"] = True
            strategy = raw["tags"].get("patchStrategy") or next(
                (v for k, v in mk if k == "patchStrategy"), "")
            merge_key = raw["tags"].get("patchMergeKey") or next(
                (v for k, v in mk if k == "patchMergeKey"), "")
            if strategy:
                field["patchStrategy"] = strategy
            if merge_key:
                field["patchMergeKey"] = merge_key
            list_type = next((v for k, v in mk if k == "listType"), "")
            if list_type and info.get("array"):
                field["listType"] = list_type
            map_keys = [v for k, v in mk if k == "listMapKey"]
            if map_keys:
                field["listMapKeys"] = map_keys
            out.append(field)
        return out

    def run(self, roots):
        for r in roots:
            self.want(r)
        while self.queue:
            ref = self.queue.pop(0)
            path, name = self.lookup(ref)
            self.types[ref] = {"description": "", "fields": []}
            self.types[ref]["fields"] = [normalise(f) for f in self.struct_fields(path, name)]
            self.types[ref]["description"] = DESCRIPTIONS.get(ref, "")


KEY_ORDER = ["name", "type", "ref", "array", "map", "tag", "required", "inline",
             "patchStrategy", "patchMergeKey", "listType", "listMapKeys", "enum"]


def normalise(field):
    out = {}
    for k in KEY_ORDER:
        v = field.get(k)
        if k in ("name", "type"):
            out[k] = v
        elif v not in (None, False, 0, "", []):
            out[k] = v
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("api_dir", help="checkout of k8s.io/api")
    ap.add_argument("apimachinery_dir", help="checkout of k8s.io/apimachinery")
    ap.add_argument("-o", "--out", default=os.path.join(here, "..", "src", "api", "schema.gen.json"))
    args = ap.parse_args()

    packages = {}
    for p in API_PACKAGES:
        packages["k8s.io/api/" + p] = load_package(os.path.join(args.api_dir, p), "k8s.io/api/" + p)
    packages[META_PKG] = load_package(
        os.path.join(args.apimachinery_dir, "pkg", "apis", "meta", "v1"), META_PKG)

    roots = []
    for prefix, kinds in KINDS.items():
        for k in kinds:
            roots += [prefix + "." + k, prefix + "." + k + "List"]
    roots += EXTRA_ROOTS
    gen = Generator(packages)
    try:
        gen.run(roots)
    except ValueError as e:
        sys.exit("gen-schema: " + str(e))

    doc = {"types": {k: gen.types[k] for k in sorted(gen.types)}}
    with open(args.out, "w", encoding="utf-8") as f:
        # One type per line keeps diffs readable and the file compact.
        f.write('{"types": {\n')
        names = list(doc["types"])
        for i, n in enumerate(names):
            f.write(json.dumps(n) + ": " + json.dumps(doc["types"][n], separators=(",", ":")))
            f.write(",\n" if i + 1 < len(names) else "\n")
        f.write("}}\n")
    print("gen-schema: wrote %d types to %s" % (len(names), args.out))


if __name__ == "__main__":
    main()
