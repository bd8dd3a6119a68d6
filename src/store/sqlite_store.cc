// OpenSqliteStore: a MemoryStore written through a SqlitePersister.
#include <utility>

#include "store/memory_store.h"
#include "store/sqlite_persister.h"

namespace netkube::store {

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(const std::string& data_dir, const StoreOptions& options) {
  PersistedState state;
  StatusOr<std::unique_ptr<SqlitePersister>> persister = SqlitePersister::Open(data_dir, &state);
  if (!persister.ok()) return persister.status();
  return std::unique_ptr<Store>(std::make_unique<MemoryStore>(options, std::move(state), std::move(persister).value()));
}

}  // namespace netkube::store
