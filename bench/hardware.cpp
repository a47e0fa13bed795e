#include "bench/hardware.hpp"

#include <hwloc.h>

#include <string>

namespace meshbench {

nlohmann::json discover_hardware() {
  hwloc_topology_t topo;
  if (hwloc_topology_init(&topo) != 0) return {{"error", "hwloc_topology_init failed"}};
  // I/O devices (GPUs, NICs) are filtered out by default; keep the important ones.
  hwloc_topology_set_io_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
  if (hwloc_topology_load(topo) != 0) {
    hwloc_topology_destroy(topo);
    return {{"error", "hwloc_topology_load failed"}};
  }
  auto count = [&](hwloc_obj_type_t type) { return hwloc_get_nbobjs_by_type(topo, type); };
  nlohmann::json facts = {
      {"hwloc", HWLOC_VERSION},
      {"packages", count(HWLOC_OBJ_PACKAGE)},
      {"cores", count(HWLOC_OBJ_CORE)},
      {"pus", count(HWLOC_OBJ_PU)},
      {"numa_nodes", count(HWLOC_OBJ_NUMANODE)},
  };
  nlohmann::json gpus = nlohmann::json::array(), nics = nlohmann::json::array();
  for (hwloc_obj_t dev = hwloc_get_next_osdev(topo, nullptr); dev != nullptr;
       dev = hwloc_get_next_osdev(topo, dev)) {
    const std::string name = dev->name ? dev->name : "";
    switch (dev->attr->osdev.type) {
      case HWLOC_OBJ_OSDEV_GPU:
      case HWLOC_OBJ_OSDEV_COPROC:
        gpus.push_back(name);
        break;
      case HWLOC_OBJ_OSDEV_NETWORK:
        if (name != "lo") nics.push_back({{"name", name}, {"kind", "network"}});
        break;
      case HWLOC_OBJ_OSDEV_OPENFABRICS:
        nics.push_back({{"name", name}, {"kind", "openfabrics"}});
        break;
      default:
        break;
    }
  }
  facts["gpus"] = gpus;
  facts["nics"] = nics;
  hwloc_topology_destroy(topo);
  return facts;
}

}  // namespace meshbench
