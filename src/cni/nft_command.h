// NewNftCommandExecutor(): an nft::Executor that runs the nft(8) command,
// for netkube-cni. The plugin is a static binary (no dynamic loader per pod
// operation) and Debian ships no static libnftables or libmnl, so it cannot
// use src/nft's in-process executors; running `nft`, as the reference
// plugins' nftables backend does, costs a process only for pods with
// hostPorts.
//
// - Run: `nft -f -` with the script on stdin, one atomic transaction.
//   Internal with nft's error text when it fails.
// - ListTableJson: `nft -j list table FAMILY NAME`; NotFound when the table
//   does not exist.
// - No direct (netlink batch) path; ReadTable parses the JSON listing.
//
// `nft_path` "" looks nft up on PATH, then in /usr/sbin and /sbin (NotFound
// from every call when it is nowhere). Runs in the calling thread's network
// namespace. Not thread-safe: one caller at a time.
#pragma once

#include <memory>
#include <string>

#include "nft/executor.h"

namespace netkube::cni {

std::unique_ptr<nft::Executor> NewNftCommandExecutor(std::string nft_path = "");

}  // namespace netkube::cni
