#pragma once
// How a model is shown to a user: one description shared by `meshbench traffic`, `meshbench
// pattern` and `meshplan plan` (text header lines and the "model" object of their JSON).

#include <nlohmann/json.hpp>

#include <string>

#include "patterns/model_config.hpp"

namespace meshbench {

/// The model object of the JSON outputs: the fields, "total_params" and "active_params"
/// (counts), "params" (= total, the older key), layer kinds, MoE and MLA dimensions when
/// present, "provenance" (field -> key it came from), "ignored_keys" and "notes".
nlohmann::json model_json(const ModelConfig& m);

/// Text header lines, each starting with "# ": total and active parameters, the shape, MoE
/// and MLA dimensions, every defaulted field, the notes, and the ignored keys (one line).
std::string model_text(const ModelConfig& m);

}  // namespace meshbench
