#include "nft/applier.h"

#include <algorithm>

#include "nft/readback.h"
#include "nft/render.h"
#include "util/log.h"

namespace netkube::nft {

Applier::Applier(std::unique_ptr<Executor> executor) : executor_(std::move(executor)) {}

template <typename Render>
Status Applier::Transmit(BatchOutcome direct, Render render, Result* r) {
  Status s;
  if (direct.sent) {
    r->direct = true;
    r->script_bytes = direct.bytes;
    s = direct.status;
  } else {
    if (!direct.fallback_reason.empty()) {
      LOG_WARN << "nft: sending this transaction as a script: " << direct.fallback_reason;
      r->fallback = direct.fallback_reason;
    }
    std::string script = render();
    r->script_bytes = script.size();
    if (!script.empty()) s = executor_->Run(script);
  }
  if (!s.ok()) applied_.reset();  // unknown state: next call replaces the table
  return s;
}

template <typename Render>
Status Applier::Send(BatchOutcome direct, Render render, const Table* desired, Result r) {
  if (Status s = Transmit(std::move(direct), render, &r); !s.ok()) return s;
  if (desired) {
    applied_ = *desired;
  } else {
    applied_.reset();
  }
  result_ = std::move(r);
  return Status::OK();
}

Status Applier::ApplyFull(const Table& desired) {
  if (Status s = Validate(desired); !s.ok()) return s;
  Result r;
  r.full = true;
  r.reason = "full replace requested";
  size_t n = desired.chains.size();
  for (const auto& [_, c] : desired.chains) n += c.rules.size();
  for (const auto& [_, s] : desired.sets) n += 1 + s.elements.size();
  r.changes = n;
  return Send(executor_->SendFull(desired), [&] { return RenderFull(desired); }, &desired, std::move(r));
}

Status Applier::Apply(const Table& desired) {
  if (!applied_) return ApplyFull(desired);
  if (Status s = Validate(desired); !s.ok()) return s;
  return SendDiff(desired, Diff(*applied_, desired), /*remember_whole=*/true);
}

Status Applier::ApplyChanged(const Table& desired, const Changed& changed) {
  if (!applied_) return ApplyFull(desired);
  if (Status s = ValidateNamed(desired, changed.chains, changed.sets); !s.ok()) return s;
  return SendDiff(desired, DiffNamed(*applied_, desired, changed.chains, changed.sets), /*remember_whole=*/false);
}

Status Applier::SendDiff(const Table& desired, const Delta& d, bool remember_whole) {
  if (d.full_replace) {
    Status s = ApplyFull(desired);
    if (s.ok()) result_.reason = d.full_replace_reason;
    return s;
  }
  Result r;
  r.noop = d.empty();
  r.changes = d.Size(desired);
  if (!d.empty()) {
    if (Status s = Transmit(executor_->SendDelta(desired, d), [&] { return RenderDelta(desired, d); }, &r);
        !s.ok()) {
      return s;
    }
  }
  if (remember_whole) {
    applied_ = desired;
  } else {
    Advance(desired, d);
  }
  result_ = std::move(r);
  return Status::OK();
}

// Brings the remembered table along by the delta alone (no table copy).
void Applier::Advance(const Table& desired, const Delta& d) {
  Table& a = *applied_;
  for (const auto& n : d.add_sets) a.sets[n] = desired.sets.at(n);
  for (const auto& sd : d.set_changes) {
    if (std::find(d.add_sets.begin(), d.add_sets.end(), sd.set) != d.add_sets.end()) continue;
    auto& elems = a.sets[sd.set].elements;
    for (const auto& k : sd.remove) elems.erase(k);
    for (const auto& [k, v] : sd.add) elems[k] = v;
  }
  for (const auto* list : {&d.delete_sets, &d.delete_maps}) {
    for (const auto& n : *list) a.sets.erase(n);
  }
  for (const auto* list : {&d.add_chains, &d.refill_chains}) {
    for (const auto& n : *list) a.chains[n] = desired.chains.at(n);
  }
  for (const auto& n : d.delete_chains) a.chains.erase(n);
}

Status Applier::Heal(const Table& desired) {
  if (!applied_ || applied_->family != desired.family || applied_->name != desired.name) {
    return ApplyFull(desired);
  }
  if (executor_->UnchangedSinceLastSend(applied_->family, applied_->name)) return Apply(desired);
  auto kernel = executor_->ReadTable(applied_->family, applied_->name);
  Status cmp = kernel.ok() ? CompareKernelTable(*kernel, *applied_) : kernel.status();
  if (!cmp.ok()) {
    if (!kernel.ok() && !kernel.status().IsNotFound()) return kernel.status();
    Status s = ApplyFull(desired);
    if (s.ok()) result_.reason = "healed: " + cmp.message();
    return s;
  }
  return Apply(desired);
}

Status Applier::Remove(Family family, const std::string& name) {
  Result r;
  return Send(executor_->SendDelete(family, name), [&] { return RenderDelete(family, name); }, nullptr,
              std::move(r));
}

}  // namespace netkube::nft
