#include "netlink/handle.h"

#include <linux/netlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <cerrno>
#include <cstring>

namespace netkube::netlink {

namespace {

struct TransactState {
  const std::function<void(nlmsghdr*)>* on_reply;
  bool done = false;
  int error = 0;  // positive errno from the kernel
};

int OnValid(nl_msg* msg, void* arg) {
  auto* st = static_cast<TransactState*>(arg);
  if (*st->on_reply) (*st->on_reply)(nlmsg_hdr(msg));
  return NL_OK;
}

int OnDone(nl_msg*, void* arg) {
  static_cast<TransactState*>(arg)->done = true;
  return NL_STOP;
}

int OnError(sockaddr_nl*, nlmsgerr* err, void* arg) {
  auto* st = static_cast<TransactState*>(arg);
  st->error = -err->error;
  st->done = true;
  return NL_STOP;
}

StatusOr<nl_sock*> NewSocket() {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr) return Status::Internal("netlink: out of memory");
  nl_socket_disable_auto_ack(sock);  // requests set NLM_F_ACK themselves
  int err = nl_connect(sock, NETLINK_ROUTE);
  if (err < 0) {
    nl_socket_free(sock);
    return Status::Internal(std::string("netlink connect: ") + nl_geterror(err));
  }
  return sock;
}

}  // namespace

StatusOr<Handle> Handle::Open() {
  auto sock = NewSocket();
  if (!sock.ok()) return sock.status();
  return Handle(*sock);
}

StatusOr<Handle> Handle::OpenIn(const NetNs& ns, bool in_place) {
  nl_sock* sock = nullptr;
  auto open = [&]() -> Status {
    auto opened = NewSocket();
    if (!opened.ok()) return opened.status();
    sock = *opened;
    return Status::OK();
  };
  Status s = in_place ? ns.RunHere(open) : ns.Run(open);
  if (!s.ok()) return s;
  return Handle(sock);
}

Handle::Handle(Handle&& other) noexcept : sock_(other.sock_) { other.sock_ = nullptr; }

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    if (sock_ != nullptr) nl_socket_free(sock_);
    sock_ = other.sock_;
    other.sock_ = nullptr;
  }
  return *this;
}

Handle::~Handle() {
  if (sock_ != nullptr) nl_socket_free(sock_);
}

Status Handle::Transact(nl_msg* msg, const std::function<void(nlmsghdr*)>& on_reply, const std::string& what) {
  if (msg == nullptr) return Status::Internal(what + ": out of memory building the netlink message");
  int sent = nl_send_auto(sock_, msg);
  nlmsg_free(msg);
  if (sent < 0) return Status::Internal(what + ": send: " + nl_geterror(sent));
  TransactState st{&on_reply};
  nl_cb* cb = nl_cb_alloc(NL_CB_DEFAULT);
  if (cb == nullptr) return Status::Internal(what + ": out of memory");
  nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, OnValid, &st);
  nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, OnDone, &st);
  nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, OnDone, &st);
  nl_cb_err(cb, NL_CB_CUSTOM, OnError, &st);
  int rc = 0;
  while (!st.done) {
    rc = nl_recvmsgs(sock_, cb);
    if (rc < 0 && !st.done) break;
  }
  nl_cb_put(cb);
  if (st.error != 0) {
    if (st.error == EADDRNOTAVAIL) return Status::NotFound(what + ": " + std::strerror(st.error));
    return ErrnoStatus(st.error, what);
  }
  if (!st.done) return Status::Internal(what + ": receive: " + nl_geterror(rc));
  return Status::OK();
}

}  // namespace netkube::netlink
